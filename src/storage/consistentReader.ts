import type { DynamoDBAdapter } from '../types.js'

type Store = Pick<DynamoDBAdapter, 'consistentRead' | 'docClient' | 'stats' | 'tableName'>

/**
 * The same table read strongly consistently whatever `consistentRead` says: for measurements that
 * are compared with other reads and acted on (verifying and repairing counters).
 */
export const consistentReader = ({
  docClient,
  stats,
  tableName,
}: Omit<Store, 'consistentRead'>): Store => ({
  consistentRead: true,
  docClient,
  stats,
  tableName,
})
