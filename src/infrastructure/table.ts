import type {
  CreateTableCommandInput,
  UpdateContinuousBackupsCommandInput,
} from '@aws-sdk/client-dynamodb'

import { TABLE_KEY_SCHEMA } from '../storage/ensureTable.js'

/** What `payload-db-dynamodb table` (and the functions below) describe. */
export type InfrastructureOptions = {
  /**
   * Add a separate statement allowing `dynamodb:CreateTable`, for when the adapter creates the
   * table itself (`createTable: true`). Not needed when the table comes from infrastructure code.
   * Default `false`.
   */
  allowCreateTable?: boolean
  /** For the policy's table ARN in the `json` form. Default `*` (any account). */
  accountId?: string
  /** Default `'on-demand'` (`PAY_PER_REQUEST`), as the adapter creates it. */
  billing?: 'on-demand' | 'provisioned'
  /** Default `true`. */
  deletionProtection?: boolean
  /** For the policy's table ARN in the `json` form. Default `aws`. */
  partition?: string
  /** Default `true`. */
  pointInTimeRecovery?: boolean
  /** Read capacity units: required with `billing: 'provisioned'`, refused otherwise. */
  readCapacity?: number
  /** For the policy's table ARN in the `json` form. Default `*` (any region). */
  region?: string
  /** Default `'payload'`. */
  tableName?: string
  /** Write capacity units: required with `billing: 'provisioned'`, refused otherwise. */
  writeCapacity?: number
}

/** The options with their defaults applied, checked. */
export type ResolvedInfrastructureOptions = Required<
  Omit<InfrastructureOptions, 'readCapacity' | 'writeCapacity'>
> & { readCapacity?: number; writeCapacity?: number }

export type IAMPolicyStatement = {
  Sid: string
  Effect: 'Allow'
  Action: string[]
  Resource: string
}

export type IAMPolicyDocument = { Version: '2012-10-17'; Statement: IAMPolicyStatement[] }

export const DEFAULT_TABLE_NAME = 'payload'

/**
 * Every DynamoDB request the adapter makes, by the SDK command class (or waiter) that makes it
 * in src/, and the IAM actions that authorise it. test/unit/infrastructure.test.ts reads src/ for
 * `new XxxCommand(` (and `waitUntilXxx(`, `paginateXxx(`) and fails on one missing here, so a new
 * kind of request cannot ship without its permission.
 *
 * TransactWriteItems has no IAM action of its own: each item in it is authorised by the action
 * of the same kind (Put -> PutItem, Update -> UpdateItem, Delete -> DeleteItem) and a
 * ConditionCheck item by `dynamodb:ConditionCheckItem` (index repair uses one). See
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
 */
export const ADAPTER_REQUESTS: Readonly<Record<string, readonly string[]>> = {
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  BatchWriteCommand: ['dynamodb:BatchWriteItem'],
  /** Only with `createTable: true`: a separate statement (`allowCreateTable`). */
  CreateTableCommand: ['dynamodb:CreateTable'],
  DeleteCommand: ['dynamodb:DeleteItem'],
  DescribeTableCommand: ['dynamodb:DescribeTable'],
  GetCommand: ['dynamodb:GetItem'],
  PutCommand: ['dynamodb:PutItem'],
  QueryCommand: ['dynamodb:Query'],
  /** `payload migrate:fresh` and `clearDatabase()`. */
  ScanCommand: ['dynamodb:Scan'],
  TransactWriteCommand: [
    'dynamodb:ConditionCheckItem',
    'dynamodb:DeleteItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
  ],
  UpdateCommand: ['dynamodb:UpdateItem'],
  /** Polls DescribeTable after creating the table. */
  waitUntilTableExists: ['dynamodb:DescribeTable'],
}

/** The action only needed when the adapter creates the table (`createTable: true`). */
export const CREATE_TABLE_ACTION = 'dynamodb:CreateTable'

/** The actions the adapter needs on its table at run time (sorted, without CreateTable). */
export const ADAPTER_IAM_ACTIONS: readonly string[] = [
  ...new Set(Object.values(ADAPTER_REQUESTS).flat()),
]
  .filter((action) => action !== CREATE_TABLE_ACTION)
  .sort()

/** Said wherever a definition is printed: the adapter sets no expiry on items. */
export const TTL_NOTE =
  'No TTL: the adapter writes no time-to-live attribute, so no TimeToLiveSpecification is needed.'

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/
const ARN_PART = /^(\*|[A-Za-z0-9-]{1,64})$/

function capacity(value: number | undefined, flag: string): number {
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    throw new Error(`Provisioned billing needs ${flag}: a whole number of at least 1.`)
  }
  return value
}

/** Applies the defaults and checks the options; throws an Error saying what is wrong. */
export function resolveOptions(options: InfrastructureOptions = {}): ResolvedInfrastructureOptions {
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME
  if (!TABLE_NAME.test(tableName)) {
    throw new Error(
      `Invalid table name "${tableName}": 3-255 characters of a-z A-Z 0-9 _ - . are allowed.`,
    )
  }
  const billing = options.billing ?? 'on-demand'
  if (billing !== 'on-demand' && billing !== 'provisioned') {
    throw new Error(`Invalid billing "${String(billing)}": use on-demand or provisioned.`)
  }
  const resolved: ResolvedInfrastructureOptions = {
    accountId: options.accountId ?? '*',
    allowCreateTable: options.allowCreateTable ?? false,
    billing,
    deletionProtection: options.deletionProtection ?? true,
    partition: options.partition ?? 'aws',
    pointInTimeRecovery: options.pointInTimeRecovery ?? true,
    region: options.region ?? '*',
    tableName,
  }
  if (billing === 'provisioned') {
    resolved.readCapacity = capacity(options.readCapacity, 'read capacity (--rcu)')
    resolved.writeCapacity = capacity(options.writeCapacity, 'write capacity (--wcu)')
  } else if (options.readCapacity !== undefined || options.writeCapacity !== undefined) {
    throw new Error('Read/write capacity (--rcu/--wcu) only applies to provisioned billing.')
  }
  for (const [name, value] of [
    ['region', resolved.region],
    ['account id', resolved.accountId],
    ['partition', resolved.partition],
  ] as const) {
    if (!ARN_PART.test(value)) {
      throw new Error(`Invalid ${name} "${value}".`)
    }
  }
  return resolved
}

/**
 * The table as the adapter expects it, as the input of DynamoDB's CreateTable (the AWS SDK's
 * `CreateTableCommandInput`): string `pk` (HASH) and string `sk` (RANGE), no secondary indexes.
 * Point-in-time recovery is not part of CreateTable: see `continuousBackups()`.
 */
export function tableDefinition(options: InfrastructureOptions = {}): CreateTableCommandInput {
  const resolved = resolveOptions(options)
  return {
    AttributeDefinitions: TABLE_KEY_SCHEMA.AttributeDefinitions.map((item) => ({ ...item })),
    BillingMode: resolved.billing === 'provisioned' ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    DeletionProtectionEnabled: resolved.deletionProtection,
    KeySchema: TABLE_KEY_SCHEMA.KeySchema.map((item) => ({ ...item })),
    ...(resolved.billing === 'provisioned'
      ? {
          ProvisionedThroughput: {
            ReadCapacityUnits: resolved.readCapacity,
            WriteCapacityUnits: resolved.writeCapacity,
          },
        }
      : {}),
    TableName: resolved.tableName,
  }
}

/** The UpdateContinuousBackups input that turns point-in-time recovery on (or off). */
export function continuousBackups(
  options: InfrastructureOptions = {},
): UpdateContinuousBackupsCommandInput {
  const resolved = resolveOptions(options)
  return {
    PointInTimeRecoverySpecification: {
      PointInTimeRecoveryEnabled: resolved.pointInTimeRecovery,
    },
    TableName: resolved.tableName,
  }
}

/** The table's ARN from the options (region and account default to `*`). */
export function tableArn(options: InfrastructureOptions = {}): string {
  const { accountId, partition, region, tableName } = resolveOptions(options)
  return `arn:${partition}:dynamodb:${region}:${accountId}:table/${tableName}`
}

/** The policy's statements on a given resource (an ARN, or a reference in a template). */
export function policyStatements<Resource>(
  options: InfrastructureOptions,
  resource: Resource,
): { Sid: string; Effect: 'Allow'; Action: string[]; Resource: Resource }[] {
  const resolved = resolveOptions(options)
  const statements = [
    {
      Sid: 'PayloadDynamoDBAdapter',
      Effect: 'Allow' as const,
      Action: [...ADAPTER_IAM_ACTIONS],
      Resource: resource,
    },
  ]
  if (resolved.allowCreateTable) {
    statements.push({
      Sid: 'PayloadDynamoDBAdapterCreateTable',
      Effect: 'Allow',
      Action: [CREATE_TABLE_ACTION],
      Resource: resource,
    })
  }
  return statements
}

/**
 * The least-privilege IAM policy for the adapter on its table: the actions of `ADAPTER_IAM_ACTIONS`
 * on the table's ARN (no `/index/*`: the table has no secondary indexes), plus a separate
 * CreateTable statement with `allowCreateTable`.
 */
export function iamPolicy(options: InfrastructureOptions = {}): IAMPolicyDocument {
  return { Version: '2012-10-17', Statement: policyStatements(options, tableArn(options)) }
}
