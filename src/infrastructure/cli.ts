import { INFRASTRUCTURE_FORMATS, type InfrastructureFormat, render } from './render.js'
import { DEFAULT_TABLE_NAME, type InfrastructureOptions } from './table.js'

export const USAGE = `Usage: payload-db-dynamodb table --format cloudformation|cdk|terraform|json [options]

Prints the DynamoDB table payload-db-dynamodb expects (string pk HASH, string sk RANGE, no
secondary indexes) and the least-privilege IAM policy for the adapter on that table.

Formats:
  cloudformation   YAML template: AWS::DynamoDB::Table and AWS::IAM::ManagedPolicy
  cdk              TypeScript stack for aws-cdk-lib v2: dynamodb.Table and iam.ManagedPolicy
  terraform        HCL: aws_dynamodb_table and aws_iam_policy
  json             { table: CreateTable input, continuousBackups: UpdateContinuousBackups input,
                   policy: IAM policy document, notes }

Options:
  --table-name NAME                 table name (default: ${DEFAULT_TABLE_NAME})
  --billing on-demand|provisioned   billing mode (default: on-demand)
  --rcu N, --wcu N                  read/write capacity units (provisioned billing only; required)
  --pitr true|false                 point-in-time recovery (default: true)
  --deletion-protection true|false  deletion protection (default: true)
  --allow-create-table              add a separate dynamodb:CreateTable statement to the policy
                                    (only for createTable: true; not needed with this table)
  --region REGION                   region in the policy's table ARN, json format (default: *)
  --account-id ID                   account in the policy's table ARN, json format (default: *)
  --partition P                     partition in the policy's table ARN, json format (default: aws)
  -h, --help                        show this help

The adapter writes no TTL attribute: the table needs no time-to-live setting.
`

export type CLIResult = { exitCode: number; stderr: string; stdout: string }

class UsageError extends Error {}

function boolean(flag: string, value: string): boolean {
  if (value === 'true') {
    return true
  }
  if (value === 'false') {
    return false
  }
  throw new UsageError(`${flag} takes true or false, not "${value}".`)
}

function count(flag: string, value: string): number {
  if (!/^[0-9]+$/.test(value)) {
    throw new UsageError(`${flag} takes a whole number, not "${value}".`)
  }
  return Number(value)
}

/** Parses the arguments after `table`. */
export function parseTableArguments(args: string[]): {
  format: InfrastructureFormat
  options: InfrastructureOptions
} {
  const options: InfrastructureOptions = {}
  let format: InfrastructureFormat | undefined
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]
    const equals = arg.indexOf('=')
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg
    const inline = arg.startsWith('--') && equals > 0 ? arg.slice(equals + 1) : undefined
    const value = (): string => {
      if (inline !== undefined) {
        return inline
      }
      const next = args[index + 1]
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`${flag} needs a value.`)
      }
      index++
      return next
    }
    switch (flag) {
      case '--format': {
        const name = value()
        if (!(INFRASTRUCTURE_FORMATS as readonly string[]).includes(name)) {
          throw new UsageError(
            `Unknown format "${name}": use ${INFRASTRUCTURE_FORMATS.join(', ')}.`,
          )
        }
        format = name as InfrastructureFormat
        break
      }
      case '--table-name':
        options.tableName = value()
        break
      case '--billing': {
        const billing = value()
        if (billing !== 'on-demand' && billing !== 'provisioned') {
          throw new UsageError(`--billing takes on-demand or provisioned, not "${billing}".`)
        }
        options.billing = billing
        break
      }
      case '--rcu':
        options.readCapacity = count(flag, value())
        break
      case '--wcu':
        options.writeCapacity = count(flag, value())
        break
      case '--pitr':
        options.pointInTimeRecovery = boolean(flag, value())
        break
      case '--deletion-protection':
        options.deletionProtection = boolean(flag, value())
        break
      case '--allow-create-table':
        options.allowCreateTable = inline === undefined ? true : boolean(flag, inline)
        break
      case '--region':
        options.region = value()
        break
      case '--account-id':
        options.accountId = value()
        break
      case '--partition':
        options.partition = value()
        break
      default:
        throw new UsageError(`Unknown option "${arg}".`)
    }
  }
  if (!format) {
    throw new UsageError(`--format is required: ${INFRASTRUCTURE_FORMATS.join(', ')}.`)
  }
  return { format, options }
}

/** Runs the command line (`argv` without node and the script): what to print, and the exit code. */
export function runCLI(argv: string[]): CLIResult {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    return {
      exitCode: argv.length === 0 ? 1 : 0,
      stderr: argv.length === 0 ? USAGE : '',
      stdout: argv.length === 0 ? '' : USAGE,
    }
  }
  const [command, ...rest] = argv
  try {
    if (command !== 'table') {
      throw new UsageError(`Unknown command "${command}": the only command is \`table\`.`)
    }
    const { format, options } = parseTableArguments(rest)
    return { exitCode: 0, stderr: '', stdout: render(format, options) }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return {
      exitCode: error instanceof UsageError ? 2 : 1,
      stderr: `payload-db-dynamodb: ${message}\nRun \`payload-db-dynamodb --help\` for usage.\n`,
      stdout: '',
    }
  }
}
