/**
 * `payload-db-dynamodb table`: the table definition and the IAM policy in every format, each
 * parsed or compiled; the policy's actions are exactly those of the requests found in src/.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import ts from 'typescript'

import { runCLI } from '../../src/infrastructure/cli.js'
import {
  ADAPTER_IAM_ACTIONS,
  ADAPTER_REQUESTS,
  continuousBackups,
  CREATE_TABLE_ACTION,
  iamPolicy,
  INFRASTRUCTURE_FORMATS,
  type InfrastructureOptions,
  render,
  tableDefinition,
} from '../../src/infrastructure/index.js'
import { Tagged, toYAML } from '../../src/infrastructure/yaml.js'
import { TABLE_KEY_SCHEMA } from '../../src/storage/ensureTable.js'

const SRC = join(process.cwd(), 'src')
const PROVISIONED: InfrastructureOptions = {
  billing: 'provisioned',
  deletionProtection: false,
  pointInTimeRecovery: false,
  readCapacity: 7,
  tableName: 'my-site.prod',
  writeCapacity: 3,
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      return sourceFiles(path)
    }
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** The adapter's source (src/infrastructure names the commands in its docs: not requests). */
const adapterSources = sourceFiles(SRC)
  .filter((path) => !relative(SRC, path).startsWith('infrastructure'))
  .map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }))

/** `new XxxCommand(`, `waitUntilXxx(` and `paginateXxx(` in src/: the requests the adapter makes. */
function requestsInSource(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  for (const { path, text } of adapterSources) {
    for (const match of text.matchAll(
      /\bnew\s+(\w+Command)\s*\(|\b((?:waitUntil|paginate)[A-Z]\w*)\s*\(/g,
    )) {
      const name = match[1] ?? match[2]
      found.set(name, [...(found.get(name) ?? []), path])
    }
  }
  return found
}

// js-yaml is in node_modules through eslint and payload (no types of its own here).
type YAMLType = new (
  tag: string,
  options: { construct: (data: string) => unknown; kind: string },
) => unknown
const jsYAML = createRequire(import.meta.url)('js-yaml') as {
  DEFAULT_SCHEMA: { extend: (types: unknown[]) => unknown }
  load: (text: string, options?: { schema?: unknown }) => unknown
  Type: YAMLType
}
/** CloudFormation's short tags, read as their long forms. */
const CFN_SCHEMA = jsYAML.DEFAULT_SCHEMA.extend(
  ['Sub', 'Ref', 'GetAtt'].map(
    (name) =>
      new jsYAML.Type(`!${name}`, {
        construct: (data: string) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: data }),
        kind: 'scalar',
      }),
  ),
)
const parseCFN = (text: string) =>
  jsYAML.load(text, { schema: CFN_SCHEMA }) as {
    Outputs: Record<string, { Value: unknown }>
    Resources: Record<
      string,
      { DeletionPolicy?: string; Properties: Record<string, unknown>; Type: string }
    >
  }

/** Braces, brackets and parentheses outside strings and comments balance, in order. */
function balanced(text: string): boolean {
  const stack: string[] = []
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' }
  let inString = false
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('#') || line.trimStart().startsWith('//')) {
      continue
    }
    for (let index = 0; index < line.length; index++) {
      const char = line[index]
      if (inString) {
        if (char === '\\') {
          index++
        } else if (char === '"') {
          inString = false
        }
      } else if (char === '"') {
        inString = true
      } else if ('({['.includes(char)) {
        stack.push(char)
      } else if (pairs[char] && stack.pop() !== pairs[char]) {
        return false
      }
    }
  }
  return stack.length === 0 && !inString
}

function hasTerraform(): boolean {
  try {
    execFileSync('terraform', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

describe('tableDefinition', () => {
  it('is the CreateTable input of the key schema the adapter uses, on demand, protected', () => {
    expect(tableDefinition()).toEqual({
      AttributeDefinitions: TABLE_KEY_SCHEMA.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
      KeySchema: TABLE_KEY_SCHEMA.KeySchema,
      TableName: 'payload',
    })
    expect(continuousBackups()).toEqual({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TableName: 'payload',
    })
  })

  it('takes provisioned capacity, point-in-time recovery and deletion protection off', () => {
    expect(tableDefinition(PROVISIONED)).toMatchObject({
      BillingMode: 'PROVISIONED',
      DeletionProtectionEnabled: false,
      ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
      TableName: 'my-site.prod',
    })
    expect(continuousBackups(PROVISIONED).PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: false,
    })
  })

  it('refuses options that make no valid table', () => {
    expect(() => tableDefinition({ billing: 'provisioned', readCapacity: 5 })).toThrow(/--wcu/)
    expect(() =>
      tableDefinition({ billing: 'provisioned', readCapacity: 0, writeCapacity: 1 }),
    ).toThrow(/--rcu/)
    expect(() => tableDefinition({ readCapacity: 5 })).toThrow(/only applies to provisioned/)
    expect(() => tableDefinition({ tableName: 'ab' })).toThrow(/Invalid table name/)
    expect(() => tableDefinition({ tableName: 'a"b}c' })).toThrow(/Invalid table name/)
    expect(() => iamPolicy({ region: 'eu-west-1"' })).toThrow(/Invalid region/)
  })
})

describe('iamPolicy', () => {
  it('allows exactly the actions of the requests the adapter makes (CreateTable apart)', () => {
    const found = requestsInSource()
    const unmapped = [...found.keys()].filter((name) => !(name in ADAPTER_REQUESTS))
    // A request added to src/ needs its IAM action in ADAPTER_REQUESTS (src/infrastructure/table.ts).
    expect(unmapped.map((name) => `${name} (${found.get(name)!.join(', ')})`)).toEqual([])
    // And a permission for a request the adapter no longer makes is not least privilege.
    expect(Object.keys(ADAPTER_REQUESTS).filter((name) => !found.has(name))).toEqual([])

    const needed = new Set([...found.keys()].flatMap((name) => ADAPTER_REQUESTS[name]))
    needed.delete(CREATE_TABLE_ACTION)
    expect([...ADAPTER_IAM_ACTIONS]).toEqual([...needed].sort())
    expect(ADAPTER_IAM_ACTIONS).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:DescribeTable',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
    ])
  })

  it('covers every kind of item the adapter puts in a TransactWriteItems request', () => {
    // Items of a transaction are authorised by the action of their kind; ConditionCheck items by
    // dynamodb:ConditionCheckItem (index repair sends them).
    const kinds = new Set<string>()
    for (const { text } of adapterSources.filter(({ text }) =>
      /new\s+TransactWriteCommand\(/.test(text),
    )) {
      for (const match of text.matchAll(/[{,]\s*(Put|Update|Delete|ConditionCheck|Get)\s*:/g)) {
        kinds.add(match[1])
      }
    }
    expect([...kinds].sort()).toEqual(['ConditionCheck', 'Delete', 'Put', 'Update'])
    const itemActions = ADAPTER_REQUESTS.TransactWriteCommand
    for (const kind of kinds) {
      expect(itemActions).toContain(`dynamodb:${kind}Item`)
    }
  })

  it('is one statement on the table ARN, plus a separate CreateTable statement when asked', () => {
    expect(iamPolicy()).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PayloadDynamoDBAdapter',
          Effect: 'Allow',
          Action: [...ADAPTER_IAM_ACTIONS],
          Resource: 'arn:aws:dynamodb:*:*:table/payload',
        },
      ],
    })
    const policy = iamPolicy({
      accountId: '123456789012',
      allowCreateTable: true,
      region: 'eu-west-1',
      tableName: 'site',
    })
    expect(policy.Statement.map((statement) => statement.Resource)).toEqual([
      'arn:aws:dynamodb:eu-west-1:123456789012:table/site',
      'arn:aws:dynamodb:eu-west-1:123456789012:table/site',
    ])
    expect(policy.Statement[1].Action).toEqual(['dynamodb:CreateTable'])
    expect(policy.Statement[0].Action).not.toContain('dynamodb:CreateTable')
  })
})

describe('render', () => {
  it('json: the CreateTable input, the point-in-time recovery input, the policy, notes', () => {
    for (const options of [{}, PROVISIONED, { allowCreateTable: true }]) {
      const parsed = JSON.parse(render('json', options)) as Record<string, unknown>
      expect(Object.keys(parsed)).toEqual(['table', 'continuousBackups', 'policy', 'notes'])
      expect(parsed.table).toEqual(tableDefinition(options))
      expect(parsed.continuousBackups).toEqual(continuousBackups(options))
      expect(parsed.policy).toEqual(iamPolicy(options))
      expect((parsed.notes as string[]).join(' ')).toMatch(/No TTL/)
    }
  })

  it('cloudformation: a YAML template with the table and a managed policy on its ARN', () => {
    const template = parseCFN(render('cloudformation'))
    const { PayloadTable: table, PayloadTableAccessPolicy: policy } = template.Resources
    expect(table.Type).toBe('AWS::DynamoDB::Table')
    expect(table.DeletionPolicy).toBe('Retain')
    expect(table.Properties).toEqual({
      AttributeDefinitions: TABLE_KEY_SCHEMA.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
      KeySchema: TABLE_KEY_SCHEMA.KeySchema,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TableName: 'payload',
    })
    expect(policy.Type).toBe('AWS::IAM::ManagedPolicy')
    const arn = {
      'Fn::Sub':
        'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${PayloadTable}',
    }
    expect(policy.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PayloadDynamoDBAdapter',
          Effect: 'Allow',
          Action: [...ADAPTER_IAM_ACTIONS],
          Resource: arn,
        },
      ],
    })
    expect(template.Outputs.TableArn.Value).toEqual({ 'Fn::GetAtt': 'PayloadTable.Arn' })
    expect(render('cloudformation')).toMatch(/^# No TTL/m)

    const provisioned = parseCFN(
      render('cloudformation', { ...PROVISIONED, allowCreateTable: true }),
    )
    expect(provisioned.Resources.PayloadTable.DeletionPolicy).toBeUndefined()
    expect(provisioned.Resources.PayloadTable.Properties).toMatchObject({
      BillingMode: 'PROVISIONED',
      DeletionProtectionEnabled: false,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
      TableName: 'my-site.prod',
    })
    const statements = (
      provisioned.Resources.PayloadTableAccessPolicy.Properties.PolicyDocument as {
        Statement: { Action: string[] }[]
      }
    ).Statement
    expect(statements.map((statement) => statement.Action)).toEqual([
      [...ADAPTER_IAM_ACTIONS],
      ['dynamodb:CreateTable'],
    ])
  })

  it('the YAML writer round-trips strings YAML would read as something else', () => {
    const value = {
      date: '2012-10-17',
      empty: '',
      list: ['true', 'no', 'null', '1e3', '0x10', 'a: b', "it's", '#x', '- y', ' pad', 'ok'],
      nested: [[1, 2], { a: false, b: 3.5 }, []],
      sub: new Tagged('!Sub', 'x-${AWS::Region}'),
      'key: with colon': {},
    }
    expect(jsYAML.load(toYAML(value), { schema: CFN_SCHEMA })).toEqual({
      ...value,
      sub: { 'Fn::Sub': 'x-${AWS::Region}' },
    })
  })

  it('terraform: aws_dynamodb_table and aws_iam_policy with every required attribute', () => {
    for (const options of [{}, PROVISIONED, { allowCreateTable: true }]) {
      const hcl = render('terraform', options)
      expect(balanced(hcl)).toBe(true)
      const table = /resource "aws_dynamodb_table" "payload" \{\n([\s\S]*?)\n\}\n/.exec(hcl)?.[1]
      const policy = /resource "aws_iam_policy" "payload_dynamodb" \{\n([\s\S]*?)\n\}\n/.exec(
        hcl,
      )?.[1]
      expect(table).toBeDefined()
      expect(policy).toBeDefined()
      const definition = tableDefinition(options)
      const attribute = (name: string) =>
        new RegExp(`^  ${name} +=\\s*(.+)$`, 'm').exec(table!)?.[1]
      expect(attribute('name')).toBe(JSON.stringify(definition.TableName))
      expect(attribute('billing_mode')).toBe(JSON.stringify(definition.BillingMode))
      expect(attribute('hash_key')).toBe('"pk"')
      expect(attribute('range_key')).toBe('"sk"')
      expect(attribute('deletion_protection_enabled')).toBe(
        String(definition.DeletionProtectionEnabled),
      )
      expect(attribute('read_capacity')).toBe(
        definition.ProvisionedThroughput?.ReadCapacityUnits?.toString(),
      )
      expect(attribute('write_capacity')).toBe(
        definition.ProvisionedThroughput?.WriteCapacityUnits?.toString(),
      )
      expect(
        [...table!.matchAll(/attribute \{\n\s+name = "(\w+)"\n\s+type = "S"\n\s+\}/g)].map(
          (m) => m[1],
        ),
      ).toEqual(['pk', 'sk'])
      expect(table).toContain(
        `point_in_time_recovery {\n    enabled = ${String(options.pointInTimeRecovery ?? true)}\n  }`,
      )
      expect(policy).toMatch(/^ {2}policy = jsonencode\(\{$/m)
      const actions = [...policy!.matchAll(/Action = \[([^\]]*)\]/g)].map((match) =>
        [...match[1].matchAll(/"([^"]+)"/g)].map((action) => action[1]),
      )
      expect(actions).toEqual(iamPolicy(options).Statement.map((statement) => statement.Action))
      expect([...policy!.matchAll(/Resource = (.+)/g)].map((match) => match[1])).toEqual(
        actions.map(() => 'aws_dynamodb_table.payload.arn'),
      )
      expect(hcl).toMatch(/^# No TTL/m)
    }
  })

  const terraformIt = hasTerraform() ? it : it.skip
  terraformIt('terraform: `terraform fmt -check` reads it and finds nothing to change', () => {
    for (const options of [{}, PROVISIONED, { allowCreateTable: true }]) {
      expect(() =>
        execFileSync('terraform', ['fmt', '-check', '-'], {
          input: render('terraform', options),
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      ).not.toThrow()
    }
  })

  it('cdk: a TypeScript stack that compiles, with the table props and the policy statement', () => {
    for (const options of [{}, PROVISIONED, { allowCreateTable: true }]) {
      const source = render('cdk', options)
      const output = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        fileName: 'payload-table-stack.ts',
        reportDiagnostics: true,
      })
      expect(output.diagnostics?.map((diagnostic) => diagnostic.messageText)).toEqual([])
      const definition = tableDefinition(options)
      expect(source).toContain(`tableName: '${definition.TableName}'`)
      expect(source).toContain("partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }")
      expect(source).toContain("sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING }")
      expect(source).toContain(
        `billingMode: dynamodb.BillingMode.${definition.BillingMode === 'PROVISIONED' ? 'PROVISIONED' : 'PAY_PER_REQUEST'}`,
      )
      expect(source).toContain(
        `deletionProtection: ${String(definition.DeletionProtectionEnabled)}`,
      )
      expect(source).toContain(
        `pointInTimeRecoveryEnabled: ${String(options.pointInTimeRecovery ?? true)}`,
      )
      const actions = [...source.matchAll(/actions: \[([^\]]*)\]/g)].map((match) =>
        [...match[1].matchAll(/'([^']+)'/g)].map((action) => action[1]),
      )
      expect(actions).toEqual(iamPolicy(options).Statement.map((statement) => statement.Action))
      expect(source.match(/resources: \[this\.table\.tableArn\]/g)).toHaveLength(actions.length)
    }
    expect(render('cdk', PROVISIONED)).toMatch(/readCapacity: 7,\n\s+writeCapacity: 3,/)
  })

  it('names every format', () => {
    expect([...INFRASTRUCTURE_FORMATS].sort()).toEqual([
      'cdk',
      'cloudformation',
      'json',
      'terraform',
    ])
  })
})

describe('the command line', () => {
  it('prints the format asked for with the options given', () => {
    const result = runCLI([
      'table',
      '--format',
      'json',
      '--table-name=site',
      '--billing',
      'provisioned',
      '--rcu',
      '4',
      '--wcu=2',
      '--pitr',
      'false',
      '--deletion-protection',
      'false',
      '--allow-create-table',
      '--region',
      'eu-west-1',
      '--account-id',
      '123456789012',
    ])
    expect(result).toMatchObject({ exitCode: 0, stderr: '' })
    expect(result.stdout).toBe(
      render('json', {
        accountId: '123456789012',
        allowCreateTable: true,
        billing: 'provisioned',
        deletionProtection: false,
        pointInTimeRecovery: false,
        readCapacity: 4,
        region: 'eu-west-1',
        tableName: 'site',
        writeCapacity: 2,
      }),
    )
    for (const format of INFRASTRUCTURE_FORMATS) {
      expect(runCLI(['table', '--format', format]).stdout).toBe(render(format))
    }
  })

  it('shows help, and says what is wrong with a bad command line', () => {
    expect(runCLI(['--help'])).toMatchObject({
      exitCode: 0,
      stdout: expect.stringMatching(/^Usage:/),
    })
    expect(runCLI(['table', '-h']).stdout).toMatch(/--allow-create-table/)
    expect(runCLI([])).toMatchObject({ exitCode: 1, stderr: expect.stringMatching(/^Usage:/) })
    const failures: [string[], RegExp][] = [
      [['tables'], /Unknown command "tables"/],
      [['table'], /--format is required/],
      [['table', '--format', 'yaml'], /Unknown format "yaml"/],
      [['table', '--format'], /--format needs a value/],
      [['table', '--format', 'json', '--pitr', 'yes'], /--pitr takes true or false/],
      [['table', '--format', 'json', '--rcu', '-1'], /--rcu takes a whole number/],
      [['table', '--format', 'json', '--rcu', '2x'], /--rcu takes a whole number/],
      [
        ['table', '--format', 'json', '--billing', 'free'],
        /--billing takes on-demand or provisioned/,
      ],
      [['table', '--format', 'json', '--ttl'], /Unknown option "--ttl"/],
    ]
    for (const [argv, message] of failures) {
      const result = runCLI(argv)
      expect(result.exitCode).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(message)
    }
    // Options that parse but make no valid table.
    const invalid = runCLI(['table', '--format', 'json', '--billing', 'provisioned', '--rcu', '1'])
    expect(invalid.exitCode).toBe(1)
    expect(invalid.stderr).toMatch(/--wcu/)
  })
})
