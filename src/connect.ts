import type { Connect, Destroy } from 'payload'

import type { DynamoDBAdapter } from './types.js'

import { ensureTable } from './storage/ensureTable.js'

/** Checks (or creates) the table. The SDK client connects lazily and keeps its sockets alive. */
export const connect: Connect = async function connect(this: DynamoDBAdapter) {
  await ensureTable({ client: this.client, create: this.createTable, tableName: this.tableName })
}

/** Releases the client's sockets, unless the client was injected (its owner closes it). */
export const destroy: Destroy = async function destroy(this: DynamoDBAdapter) {
  if (this.ownsClient) {
    this.client.destroy()
  }
}
