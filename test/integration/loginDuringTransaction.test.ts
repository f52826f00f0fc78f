/**
 * Failed logins counted while a correct login's transaction is still open. Payload counts each
 * failure outside any transaction (`$inc` on `loginAttempts`, then `lockUntil` at the limit), so
 * parallel requests see it; the correct login writes the whole user (its new session) inside its
 * transaction. On db-postgres that write holds the row, so the failures land after its commit;
 * on db-sqlite (no transactions) it lands at once and they land on top: either way the account
 * ends locked. Here the transaction's write is sent at its commit, after the failures: replayed
 * over the newer user, it put back the count and the lock it had read (0 and none), and the next
 * correct login went through (src/write/loginCounts.ts).
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload } from 'payload'

import { AuthenticationError, LockedAuth } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { bootBoth, closeAll } from '../support/bootPayload.js'

const MAX_ATTEMPTS = 5
const email = 'locked@example.com'

/** `beforeLogin` runs inside the correct login's transaction, after its writes: held there. */
let hold: Promise<void> | undefined
let entered = () => {}

const users: CollectionConfig = {
  slug: 'users',
  auth: { lockTime: 600_000, maxLoginAttempts: MAX_ATTEMPTS },
  fields: [],
  hooks: {
    beforeLogin: [
      async () => {
        entered()
        await hold
      },
    ],
  },
}

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [users],
  db,
  secret: 'login-during-transaction',
  telemetry: false,
  typescript: { autoGenerate: false },
})

const login = (payload: Payload, password: string) =>
  payload.login({ collection: 'users', data: { email, password } })

const refusal = (error: unknown) =>
  error instanceof LockedAuth
    ? 'locked'
    : error instanceof AuthenticationError
      ? 'wrong'
      : String(error)

/** The user's count and lock after a correct login racing `MAX_ATTEMPTS` failed ones. */
async function race(payload: Payload, failedBefore: number) {
  const user = await payload.create({ collection: 'users', data: { email, password: 'right' } })
  for (let i = 0; i < failedBefore; i++) {
    await expect(login(payload, 'wrong')).rejects.toBeInstanceOf(AuthenticationError)
  }
  let open = () => {}
  hold = new Promise((resolve) => (open = resolve))
  const inside = new Promise<void>((resolve) => (entered = resolve))
  const correct = login(payload, 'right')
  await inside
  const refusals: string[] = []
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    refusals.push(await login(payload, 'wrong').then(() => 'logged in', refusal))
  }
  open()
  await correct
  hold = undefined
  const stored = (await payload.db.findOne({
    collection: 'users',
    where: { id: { equals: user.id } },
  })) as { lockUntil?: null | string; loginAttempts?: number }
  const next = await login(payload, 'right').then(() => 'logged in', refusal)
  await payload.delete({ collection: 'users', id: user.id })
  return {
    locked: Boolean(stored.lockUntil && new Date(stored.lockUntil).getTime() > Date.now()),
    loginAttempts: stored.loginAttempts,
    next,
    refusals: refusals.join(' '),
  }
}

describe('failed logins while a correct login is inside its transaction', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, { readCache: false })
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  it('leave the account locked, as on db-sqlite', async () => {
    const expected = await race(sqlite.payload, 0)
    expect(expected).toMatchObject({ locked: true, loginAttempts: MAX_ATTEMPTS, next: 'locked' })
    expect(await race(dynamo.payload, 0)).toEqual(expected)
  })

  it('leave the account locked after the correct login reset an earlier count', async () => {
    // The failures here read the count before the reset (2, not 0): the third reaches the limit
    // and the last two are refused as locked. Every failure counted is kept on top of the reset
    // (on db-sqlite, which applies the reset at once, all five are counted).
    const expected = await race(sqlite.payload, 2)
    expect(expected).toMatchObject({ locked: true, loginAttempts: MAX_ATTEMPTS, next: 'locked' })
    const found = await race(dynamo.payload, 2)
    expect(found).toMatchObject({ locked: true, next: 'locked' })
    expect(found.loginAttempts).toBe(found.refusals.split(' ').filter((r) => r === 'wrong').length)
  })
})
