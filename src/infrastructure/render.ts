import {
  continuousBackups,
  iamPolicy,
  type InfrastructureOptions,
  policyStatements,
  resolveOptions,
  type ResolvedInfrastructureOptions,
  tableDefinition,
  TTL_NOTE,
} from './table.js'
import { TABLE_KEY_SCHEMA } from '../storage/ensureTable.js'
import { Tagged, toYAML } from './yaml.js'

export const INFRASTRUCTURE_FORMATS = ['cloudformation', 'cdk', 'terraform', 'json'] as const

export type InfrastructureFormat = (typeof INFRASTRUCTURE_FORMATS)[number]

const HEADER =
  'payload-db-dynamodb: the table the adapter expects and its least-privilege IAM policy.'

const POLICY_DESCRIPTION = 'Least-privilege access of payload-db-dynamodb to its DynamoDB table'

const CREATE_TABLE_NOTE =
  'The adapter runs with createTable: false on this table; the policy has no dynamodb:CreateTable (add it with --allow-create-table).'

/**
 * The table and the IAM policy in the given format: `json` (the CreateTable input, the
 * UpdateContinuousBackups input for point-in-time recovery, and the policy document),
 * `cloudformation` (YAML template), `terraform` (HCL) or `cdk` (a TypeScript stack for
 * aws-cdk-lib v2).
 */
export function render(format: InfrastructureFormat, options: InfrastructureOptions = {}): string {
  const resolved = resolveOptions(options)
  switch (format) {
    case 'json':
      return renderJSON(resolved)
    case 'cloudformation':
      return renderCloudFormation(resolved)
    case 'terraform':
      return renderTerraform(resolved)
    case 'cdk':
      return renderCDK(resolved)
    default:
      throw new Error(
        `Unknown format "${String(format)}": use ${INFRASTRUCTURE_FORMATS.join(', ')}.`,
      )
  }
}

function notes(options: ResolvedInfrastructureOptions): string[] {
  return [TTL_NOTE, ...(options.allowCreateTable ? [] : [CREATE_TABLE_NOTE])]
}

function renderJSON(options: ResolvedInfrastructureOptions): string {
  const document = {
    table: tableDefinition(options),
    continuousBackups: continuousBackups(options),
    policy: iamPolicy(options),
    notes: [
      ...notes(options),
      'Create the table with `table` (CreateTable), then, once it is ACTIVE, send `continuousBackups` (UpdateContinuousBackups) for point-in-time recovery.',
    ],
  }
  return `${JSON.stringify(document, null, 2)}\n`
}

function renderCloudFormation(options: ResolvedInfrastructureOptions): string {
  const resource = new Tagged(
    '!Sub',
    'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${PayloadTable}',
  )
  const template = {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'DynamoDB table and IAM policy for payload-db-dynamodb',
    Resources: {
      PayloadTable: {
        Type: 'AWS::DynamoDB::Table',
        ...(options.deletionProtection
          ? { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }
          : {}),
        Properties: {
          TableName: options.tableName,
          AttributeDefinitions: TABLE_KEY_SCHEMA.AttributeDefinitions.map((item) => ({ ...item })),
          KeySchema: TABLE_KEY_SCHEMA.KeySchema.map((item) => ({ ...item })),
          BillingMode: options.billing === 'provisioned' ? 'PROVISIONED' : 'PAY_PER_REQUEST',
          ProvisionedThroughput:
            options.billing === 'provisioned'
              ? {
                  ReadCapacityUnits: options.readCapacity as number,
                  WriteCapacityUnits: options.writeCapacity as number,
                }
              : undefined,
          PointInTimeRecoverySpecification: {
            PointInTimeRecoveryEnabled: options.pointInTimeRecovery,
          },
          DeletionProtectionEnabled: options.deletionProtection,
        },
      },
      PayloadTableAccessPolicy: {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          Description: POLICY_DESCRIPTION,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: policyStatements(options, resource),
          },
        },
      },
    },
    Outputs: {
      TableName: { Value: new Tagged('!Ref', 'PayloadTable') },
      TableArn: { Value: new Tagged('!GetAtt', 'PayloadTable.Arn') },
      PolicyArn: { Value: new Tagged('!Ref', 'PayloadTableAccessPolicy') },
    },
  }
  return [
    `# ${HEADER}`,
    `# ${TTL_NOTE}`,
    ...(options.allowCreateTable ? [] : [`# ${CREATE_TABLE_NOTE}`]),
    '# Attach PayloadTableAccessPolicy to the role Payload runs as (Roles: [...] on the policy, or',
    "# ManagedPolicyArns on the role), e.g. your Lambda's or ECS task's role.",
    toYAML(template),
  ].join('\n')
}

function hclString(value: string): string {
  return JSON.stringify(value).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')
}

/** Attribute lines with their `=` aligned, as `terraform fmt` writes them. */
function hclAttributes(indent: string, attributes: [string, string][]): string[] {
  const width = Math.max(...attributes.map(([name]) => name.length))
  return attributes.map(([name, value]) => `${indent}${name.padEnd(width)} = ${value}`)
}

function renderTerraform(options: ResolvedInfrastructureOptions): string {
  const policyName = `payload-db-dynamodb-${options.tableName}`
  const statements = policyStatements(options, 'aws_dynamodb_table.payload.arn').flatMap(
    (statement) => [
      '      {',
      ...hclAttributes('        ', [
        ['Sid', hclString(statement.Sid)],
        ['Effect', hclString(statement.Effect)],
        ['Action', '['],
      ]),
      ...statement.Action.map((action) => `          ${hclString(action)},`),
      '        ]',
      `        Resource = ${statement.Resource}`,
      '      },',
    ],
  )
  return [
    `# ${HEADER}`,
    `# ${TTL_NOTE}`,
    ...(options.allowCreateTable ? [] : [`# ${CREATE_TABLE_NOTE}`]),
    'resource "aws_dynamodb_table" "payload" {',
    ...hclAttributes('  ', [
      ['name', hclString(options.tableName)],
      [
        'billing_mode',
        hclString(options.billing === 'provisioned' ? 'PROVISIONED' : 'PAY_PER_REQUEST'),
      ],
      ...(options.billing === 'provisioned'
        ? ([
            ['read_capacity', String(options.readCapacity)],
            ['write_capacity', String(options.writeCapacity)],
          ] as [string, string][])
        : []),
      ['hash_key', '"pk"'],
      ['range_key', '"sk"'],
      ['deletion_protection_enabled', String(options.deletionProtection)],
    ]),
    '',
    '  attribute {',
    '    name = "pk"',
    '    type = "S"',
    '  }',
    '',
    '  attribute {',
    '    name = "sk"',
    '    type = "S"',
    '  }',
    '',
    '  point_in_time_recovery {',
    `    enabled = ${String(options.pointInTimeRecovery)}`,
    '  }',
    '}',
    '',
    '# Attach it to the role Payload runs as with aws_iam_role_policy_attachment.',
    'resource "aws_iam_policy" "payload_dynamodb" {',
    ...hclAttributes('  ', [
      policyName.length <= 128
        ? ['name', hclString(policyName)]
        : ['name_prefix', hclString('payload-db-dynamodb-')],
      ['description', hclString(POLICY_DESCRIPTION)],
    ]),
    '  policy = jsonencode({',
    '    Version = "2012-10-17"',
    '    Statement = [',
    ...statements,
    '    ]',
    '  })',
    '}',
    '',
  ].join('\n')
}

function tsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

function renderCDK(options: ResolvedInfrastructureOptions): string {
  const billing =
    options.billing === 'provisioned'
      ? [
          '      billingMode: dynamodb.BillingMode.PROVISIONED,',
          `      readCapacity: ${String(options.readCapacity)},`,
          `      writeCapacity: ${String(options.writeCapacity)},`,
        ]
      : ['      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,']
  const statements = policyStatements(options, 'this.table.tableArn').flatMap((statement) => [
    '        new iam.PolicyStatement({',
    `          sid: ${tsString(statement.Sid)},`,
    '          effect: iam.Effect.ALLOW,',
    '          actions: [',
    ...statement.Action.map((action) => `            ${tsString(action)},`),
    '          ],',
    `          resources: [${statement.Resource}],`,
    '        }),',
  ])
  return [
    `// ${HEADER}`,
    `// ${TTL_NOTE}`,
    ...(options.allowCreateTable ? [] : [`// ${CREATE_TABLE_NOTE}`]),
    '// For aws-cdk-lib v2. On releases without pointInTimeRecoverySpecification (early 2025 and older),',
    '// write `pointInTimeRecovery: true` instead.',
    "import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'",
    "import * as dynamodb from 'aws-cdk-lib/aws-dynamodb'",
    "import * as iam from 'aws-cdk-lib/aws-iam'",
    "import type { Construct } from 'constructs'",
    '',
    'export class PayloadTableStack extends Stack {',
    '  readonly table: dynamodb.Table',
    '  readonly policy: iam.ManagedPolicy',
    '',
    '  constructor(scope: Construct, id: string, props?: StackProps) {',
    '    super(scope, id, props)',
    "    this.table = new dynamodb.Table(this, 'PayloadTable', {",
    `      tableName: ${tsString(options.tableName)},`,
    "      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },",
    "      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },",
    ...billing,
    `      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: ${String(options.pointInTimeRecovery)} },`,
    `      deletionProtection: ${String(options.deletionProtection)},`,
    `      removalPolicy: RemovalPolicy.${options.deletionProtection ? 'RETAIN' : 'DESTROY'},`,
    '    })',
    '    // Attach to the role Payload runs as: this.policy.attachToRole(role)',
    "    this.policy = new iam.ManagedPolicy(this, 'PayloadTableAccess', {",
    `      description: ${tsString(POLICY_DESCRIPTION)},`,
    '      statements: [',
    ...statements,
    '      ],',
    '    })',
    '  }',
    '}',
    '',
  ].join('\n')
}
