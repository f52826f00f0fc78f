/**
 * Writes are atomic with their index entries: kill the engine in the middle of a burst of
 * creates, updates and deletes, start it again on the same files, and every surviving document
 * has exactly its index entries, with the counter equal to the number of documents.
 */
import type { Config, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDBLocal } from '../support/dynamodbLocal.mjs'

const tableName = `crash-${randomUUID()}`

async function bootOn(endpoint: string): Promise<Payload> {
  const config: Config = {
    collections: [
      {
        slug: 'orders',
        fields: [
          { name: 'ref', type: 'text', unique: true },
          { name: 'status', type: 'select', index: true, options: ['new', 'paid', 'sent'] },
          { name: 'total', type: 'number', index: true },
          { name: 'placedAt', type: 'date', index: true },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint,
        maxAttempts: 1,
        region: LOCAL_REGION,
      },
      logFallbackQueries: false,
      tableName,
    }),
    secret: 'crash-test-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
  return getPayload({ config: await buildConfig(config), key: `crash-${randomUUID()}` })
}

describe('a crash in the middle of writes', () => {
  const dbPath = mkdtempSync(join(tmpdir(), 'dynamodb-crash-'))

  afterAll(() => {
    rmSync(dbPath, { force: true, recursive: true })
  })

  it('leaves no document without its index entries, and no entry without its document', async () => {
    const first = await startDynamoDBLocal({ dbPath })
    const payload = await bootOn(first.endpoint)
    const ids: (number | string)[] = []
    for (let i = 0; i < 20; i++) {
      const doc = await payload.create({
        collection: 'orders',
        data: { placedAt: new Date().toISOString(), ref: `r${i}`, status: 'new', total: i },
      })
      ids.push(doc.id)
    }

    // Four writers keep going until the engine dies under them.
    let stopped = false
    const writer = async (lane: number) => {
      for (let i = 0; !stopped; i++) {
        try {
          const target = ids[(lane * 7 + i) % ids.length]
          if (i % 3 === 0) {
            await payload.create({
              collection: 'orders',
              data: {
                placedAt: new Date().toISOString(),
                ref: `w${lane}-${i}`,
                status: 'new',
                total: i,
              },
            })
          } else if (i % 3 === 1) {
            await payload.update({
              id: target,
              collection: 'orders',
              data: { status: 'paid', total: i * 10 },
            })
          } else {
            await payload.delete({
              collection: 'orders',
              where: { ref: { equals: `w${lane}-${i - 2}` } },
            })
          }
        } catch {
          // Errors are expected once the engine is gone.
        }
      }
    }
    const writers = [0, 1, 2, 3].map(writer)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await first.kill()
    stopped = true
    await Promise.all(writers)
    await payload.destroy().catch(() => undefined)

    const second = await startDynamoDBLocal({ dbPath })
    try {
      const reopened = await bootOn(second.endpoint)
      const adapter = reopened.db as unknown as DynamoDBAdapter
      const report = await adapter.verifyIndexes({ collection: 'orders' })
      expect(report.documents).toBeGreaterThanOrEqual(20)
      expect(report).toMatchObject({
        clean: true,
        counter: report.documents,
        documents: report.documents,
        missingEntries: 0,
        orphanEntries: 0,
      })
      await reopened.destroy()
    } finally {
      await second.stop()
    }
  })
})
