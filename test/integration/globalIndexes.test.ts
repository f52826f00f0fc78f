/**
 * `verifyIndexes` and `repairIndexes` take a global too (`{ global }`, with `versions: true` for
 * its versions): a global's versions keep index entries (`latest`, indexed fields) that can drift
 * as a collection's do. Before 2026-12-08 only a collection could be named.
 */
import type { Payload } from 'payload'

import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb'
import { APIError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { globalVersionsNamespace } from '../../src/namespaces.js'
import { boot, type Booted, THROUGH_INDEXES } from '../support/bootPayload.js'

let booted: Booted
let payload: Payload
let db: DynamoDBAdapter

beforeAll(async () => {
  booted = await boot(
    (adapter) => ({
      db: adapter,
      globals: [
        {
          slug: 'settings',
          fields: [
            { name: 'title', type: 'text', index: true },
            { name: 'n', type: 'number' },
          ],
          versions: { drafts: true },
        },
      ],
      secret: 'global-indexes',
      telemetry: false,
      typescript: { autoGenerate: false },
    }),
    'dynamodb',
    THROUGH_INDEXES,
  )
  payload = booted.payload
  db = payload.db as unknown as DynamoDBAdapter
})

afterAll(async () => {
  await booted?.close()
})

describe('verifyIndexes and repairIndexes of a global', () => {
  it('check its document and versions, and repair an entry deleted from its versions', async () => {
    await payload.updateGlobal({ slug: 'settings', data: { n: 1, title: 'first' } })
    await payload.updateGlobal({ slug: 'settings', data: { title: 'draft' }, draft: true })
    await payload.updateGlobal({ slug: 'settings', data: { n: 2, title: 'second' } })
    const report = await db.verifyIndexes({ global: 'settings' })
    expect(report.clean).toBe(true)
    expect((await db.verifyIndexes({ global: 'settings', versions: true })).clean).toBe(true)

    // One index entry of its versions (the `version.title` index's), deleted behind its back.
    const prefix = `${globalVersionsNamespace(db, 'settings').pk}#I#`
    const { Items = [] } = await db.docClient.send(
      new ScanCommand({
        ExpressionAttributeValues: { ':prefix': prefix },
        FilterExpression: 'begins_with(pk, :prefix)',
        TableName: db.tableName,
      }),
    )
    const entry = Items.find((item) => String(item.pk).includes('title'))
    expect(entry).toBeDefined()
    const { pk, sk } = entry as { pk: string; sk: string }
    await db.docClient.send(new DeleteCommand({ Key: { pk, sk }, TableName: db.tableName }))
    const drifted = await db.verifyIndexes({ global: 'settings', versions: true })
    expect(drifted.clean).toBe(false)
    expect(drifted.missingEntries).toBe(1)
    await db.repairIndexes({ global: 'settings', versions: true })
    expect((await db.verifyIndexes({ global: 'settings', versions: true })).clean).toBe(true)
  })

  it('refuses arguments naming neither or both', async () => {
    await expect(db.verifyIndexes({})).rejects.toBeInstanceOf(APIError)
    await expect(db.verifyIndexes({ collection: 'x', global: 'settings' })).rejects.toBeInstanceOf(
      APIError,
    )
  })
})
