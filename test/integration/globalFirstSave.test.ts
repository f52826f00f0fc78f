/**
 * Two processes save a global that does not exist yet at the same time: both read "no global",
 * both write it as new. The second to arrive meets the first's item under the global's key. That
 * is not a taken id (a global's key is its slug): it is saved over the first, as the SQL
 * adapters' insert-or-update does, never refused with "id already exists".
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'

const config = (db: DatabaseAdapterObj): Config => ({
  db,
  globals: [
    {
      slug: 'settings',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'motto', type: 'text' },
      ],
    },
  ],
  secret: 'global-first-save',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

describe('the first save of a global, from two processes at once', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it.each([['Payload'], ['the adapter']] as const)(
    "%s's updateGlobal: the later save is stored over the earlier one, no error",
    async (through) => {
      const tableName = `global-first-save-${randomUUID()}`
      const first = await bootOnTable(config, tableName, { readCache: false })
      const second = await bootOnTable(config, tableName, { readCache: false })
      started.push(first, second)

      let raced = false
      const watch = watchSends(adapterOf(first), async (command) => {
        if (
          !raced &&
          command.constructor.name !== 'GetCommand' &&
          /Put|Transact/.test(command.constructor.name)
        ) {
          raced = true
          await second.updateGlobal({ slug: 'settings', data: { motto: 'other', title: 'second' } })
        }
      })
      try {
        // Payload's updateGlobal reads no global and calls the adapter's createGlobal; the
        // adapter's own updateGlobal reads none either and creates it.
        const saved =
          through === 'Payload'
            ? await first.updateGlobal({ slug: 'settings', data: { title: 'first' } })
            : await first.db.updateGlobal({ slug: 'settings', data: { title: 'first' } })
        expect(saved).toMatchObject({ title: 'first' })
      } finally {
        watch.restore()
      }
      expect(raced).toBe(true)
      const stored = await second.findGlobal({ slug: 'settings' })
      expect(stored.title).toBe('first')
      // createGlobal replaces the global stored meanwhile; updateGlobal, computed again over
      // it, merges into it.
      expect(stored.motto ?? null).toBe(through === 'Payload' ? null : 'other')
    },
    60_000,
  )
})
