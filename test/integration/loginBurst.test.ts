/**
 * A burst of failed logins of one user from three processes at once (60 requests): Payload
 * counts each with `$inc` on `loginAttempts`, outside any transaction. Every write meets the
 * others on the one user document; each must end as Payload's `AuthenticationError` (never a
 * 409 for giving up on the contention), and the count must be exact.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { AuthenticationError } from 'payload'

import { bootOnTable } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [{ slug: 'users', auth: { lockTime: 60_000, maxLoginAttempts: 1000 }, fields: [] }],
  db,
  secret: 'login-burst',
  telemetry: false,
})

describe('a burst of failed logins of one user from three processes', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('answers each with AuthenticationError and counts every one', async () => {
    const table = `login-burst-${randomUUID()}`
    for (let i = 0; i < 3; i++) {
      started.push(await bootOnTable(config, table, { readCache: false }))
    }
    const email = 'burst@example.com'
    await started[0]!.create({ collection: 'users', data: { email, password: 'right' } })
    const results = await Promise.allSettled(
      started.flatMap((payload) =>
        Array.from({ length: 20 }, () =>
          payload.login({ collection: 'users', data: { email, password: 'wrong' } }),
        ),
      ),
    )
    const unexpected = results.filter(
      (result) => result.status !== 'rejected' || !(result.reason instanceof AuthenticationError),
    )
    expect(unexpected).toEqual([])
    const { docs } = await started[0]!.find({ collection: 'users', showHiddenFields: true })
    expect((docs[0] as { loginAttempts?: number }).loginAttempts).toBe(60)
  }, 300_000)
})
