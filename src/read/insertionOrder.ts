import type { Namespace } from '../namespaces.js'

/**
 * The sort that puts a namespace's documents in the order they were inserted, for the writes
 * that take the first match of a `where` (as db-sqlite's rowid and db-mongodb's natural order
 * do): by createdAt, then by id ascending (generated ids grow with time), so documents stored
 * in one millisecond, or without timestamps, go oldest first too.
 */
export function insertionOrder(namespace: Namespace): string[] {
  return namespace.timestamps ? ['createdAt', 'id'] : ['id']
}
