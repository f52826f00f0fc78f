/**
 * Payload's login, logout and refresh write the whole user (its sessions, and with them its hash,
 * salt, role and reset token as first read) inside their transaction, which commits later. A
 * change made to the user meanwhile (a password changed or reset, a role, another session logged
 * out) must stand, as on db-postgres, where the login's `UPDATE` holds the row and the change
 * lands after it: the login's commit, computed again over the newer user, writes what the login
 * changed (its session), not what it read. Found by the auth review: each case put back the old
 * value. And a commit that fails (`onConflict: 'fail'`) must not be followed by Payload's own
 * clean-up write (`revokeSession` with the same `req`, stored outside any transaction) put back
 * the user it had read.
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload } from 'payload'

import { pbkdf2Sync, randomBytes } from 'node:crypto'
import { AuthenticationError, createLocalReq, logoutOperation } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { boot, type Booted, closeAll } from '../support/bootPayload.js'

let holdNext: { entered: () => void; wait: Promise<void> } | undefined

const users: CollectionConfig = {
  slug: 'users',
  auth: { lockTime: 600_000, maxLoginAttempts: 5 },
  fields: [
    {
      name: 'role',
      type: 'select',
      defaultValue: 'admin',
      index: true,
      options: ['admin', 'user'],
    },
  ],
  hooks: {
    // Holds the next login inside its transaction, after its session was written.
    beforeLogin: [
      async () => {
        const hold = holdNext
        if (hold) {
          holdNext = undefined
          hold.entered()
          await hold.wait
        }
      },
    ],
  },
}

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [users],
  db,
  secret: 'user-writes-meanwhile',
  telemetry: false,
})

const login = (payload: Payload, email: string, password: string) =>
  payload.login({ collection: 'users', data: { email, password } })

const outcome = (payload: Payload, email: string, password: string) =>
  login(payload, email, password).then(
    () => 'ok',
    (error: unknown) => (error instanceof AuthenticationError ? 'refused' : String(error)),
  )

const valid = async (payload: Payload, token: string) =>
  Boolean((await payload.auth({ headers: new Headers({ Authorization: `JWT ${token}` }) })).user)

/** A login held inside its transaction while `meanwhile` runs to its end. */
async function loginDuring(
  payload: Payload,
  email: string,
  meanwhile: () => Promise<unknown>,
): Promise<{ error?: unknown; token?: string }> {
  let open = () => {}
  let entered = () => {}
  const inside = new Promise<void>((resolve) => (entered = resolve))
  holdNext = { entered, wait: new Promise<void>((resolve) => (open = resolve)) }
  const held = login(payload, email, 'right')
  await inside
  try {
    await meanwhile()
  } finally {
    open()
  }
  return held.then(
    (result) => ({ token: result.token }),
    (error: unknown) => ({ error }),
  )
}

async function logout(payload: Payload, token: string, allSessions: boolean) {
  const { user } = await payload.auth({ headers: new Headers({ Authorization: `JWT ${token}` }) })
  const req = await createLocalReq({ user: user ?? undefined }, payload)
  await logoutOperation({ allSessions, collection: payload.collections.users, req })
}

describe("a user's changes made while a login of the user is in its transaction", () => {
  let booted: Booted | undefined
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', { readCache: false })
    payload = booted.payload
  })

  afterAll(async () => {
    await closeAll(booted)
  })

  it('a password change stands, and ends the login too', async () => {
    const email = 'password@x.com'
    const { id } = await payload.create({ collection: 'users', data: { email, password: 'right' } })
    const held = await loginDuring(payload, email, () =>
      payload.update({ id, collection: 'users', data: { password: 'new' } }),
    )
    expect(held.error).toBeUndefined()
    expect(await outcome(payload, email, 'right')).toBe('refused')
    expect(await outcome(payload, email, 'new')).toBe('ok')
    // The change ended the sessions, the login's too (opened with the old password): on
    // db-postgres the change's UPDATE lands after the login's.
    expect(await valid(payload, held.token!)).toBe(false)
  })

  it('a role change stands', async () => {
    const email = 'role@x.com'
    const { id } = await payload.create({
      collection: 'users',
      data: { email, password: 'right', role: 'admin' },
    })
    await loginDuring(payload, email, () =>
      payload.update({ id, collection: 'users', data: { role: 'user' } }),
    )
    expect((await payload.findByID({ id, collection: 'users' })).role).toBe('user')
  })

  it('a password reset stands, and ends every session, the login too', async () => {
    const email = 'reset@x.com'
    await payload.create({ collection: 'users', data: { email, password: 'right' } })
    const older = await login(payload, email, 'right')
    const held = await loginDuring(payload, email, async () => {
      const token = await payload.forgotPassword({
        collection: 'users',
        data: { email },
        disableEmail: true,
      })
      await payload.resetPassword({
        collection: 'users',
        data: { password: 'new', token: token as string },
        overrideAccess: true,
      })
    })
    expect(held.error).toBeUndefined()
    expect(await valid(payload, older.token!)).toBe(false)
    expect(await valid(payload, held.token!)).toBe(false)
    expect(await outcome(payload, email, 'right')).toBe('refused')
    expect(await outcome(payload, email, 'new')).toBe('ok')
  })

  it('a password reset held while a login commits ends that session too', async () => {
    const email = 'reset-held@x.com'
    await payload.create({ collection: 'users', data: { email, password: 'right' } })
    const token = await payload.forgotPassword({
      collection: 'users',
      data: { email },
      disableEmail: true,
    })
    let open = () => {}
    let entered = () => {}
    const inside = new Promise<void>((resolve) => (entered = resolve))
    holdNext = { entered, wait: new Promise<void>((resolve) => (open = resolve)) }
    // resetPassword runs beforeLogin after its writes: held there, inside its transaction.
    const reset = payload.resetPassword({
      collection: 'users',
      data: { password: 'new', token: token as string },
      overrideAccess: true,
    })
    await inside
    const meanwhile = await login(payload, email, 'right').finally(() => open())
    await reset
    expect(await valid(payload, meanwhile.token!)).toBe(false)
    expect(await outcome(payload, email, 'right')).toBe('refused')
    expect(await outcome(payload, email, 'new')).toBe('ok')
  })

  it("a login's rehash of an older hash format is not a new password for the other login", async () => {
    const email = 'rehash@x.com'
    const { id } = await payload.create({ collection: 'users', data: { email, password: 'right' } })
    // Stored as Payload's earlier versions hashed passwords: the next login rehashes it.
    const salt = randomBytes(32).toString('hex')
    const hash = pbkdf2Sync('right', salt, 25000, 512, 'sha256').toString('hex')
    await payload.db.updateOne({ id, collection: 'users', data: { hash, salt } })
    let other: { token?: string } = {}
    const held = await loginDuring(payload, email, async () => {
      other = await login(payload, email, 'right')
    })
    expect(await valid(payload, held.token!)).toBe(true)
    expect(await valid(payload, other.token!)).toBe(true)
  })

  it.each([false, true])(
    'a session logged out stays logged out (all sessions: %s)',
    async (allSessions) => {
      const email = `logout-${allSessions}@x.com`
      await payload.create({ collection: 'users', data: { email, password: 'right' } })
      const first = await login(payload, email, 'right')
      const held = await loginDuring(payload, email, () =>
        logout(payload, first.token!, allSessions),
      )
      expect(await valid(payload, first.token!)).toBe(false)
      expect(await valid(payload, held.token!)).toBe(true)
    },
  )
})

describe('many requests on a few users at once', () => {
  let booted: Booted | undefined
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', { readCache: false })
    payload = booted.payload
  })

  afterAll(async () => {
    await closeAll(booted)
  })

  it('leave the indexes clean and the queries on what they wrote exact', async () => {
    const emails = ['many-0@x.com', 'many-1@x.com', 'many-2@x.com']
    const users = await Promise.all(
      emails.map((email) =>
        payload.create({ collection: 'users', data: { email, password: 'right' } }),
      ),
    )
    // Logins, logouts of every session, role changes and password changes, interleaved: their
    // transactions commit over each other's writes and are computed again.
    const work = users.flatMap(({ id }, index) => [
      ...Array.from({ length: 4 }, () => login(payload, emails[index]!, 'right').catch(() => null)),
      payload.update({ id, collection: 'users', data: { role: 'user' } }),
      login(payload, emails[index]!, 'right').then(
        // Its session may already be ended by a password change: then there is no one to log out.
        (result) => (result.token ? logout(payload, result.token, true).catch(() => null) : null),
        () => null,
      ),
      payload.update({ id, collection: 'users', data: { role: index % 2 ? 'admin' : 'user' } }),
      payload.update({ id, collection: 'users', data: { password: 'right' } }),
    ])
    await Promise.all(work)
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'users',
    })
    expect(report.clean || report).toBe(true)
    const stored = await Promise.all(
      users.map(({ id }) => payload.findByID({ id, collection: 'users' })),
    )
    for (const role of ['admin', 'user'] as const) {
      const found = await payload.find({ collection: 'users', where: { role: { equals: role } } })
      const expected = stored.filter((user) => user.role === role).map((user) => user.id)
      expect(found.docs.map((user) => user.id).sort()).toEqual([...expected].sort())
      expect(found.totalDocs).toBe(expected.length)
      expect(
        await payload.count({ collection: 'users', where: { role: { equals: role } } }),
      ).toEqual({
        totalDocs: expected.length,
      })
    }
    // Every user still logs in with the password it was given.
    for (const email of emails) {
      expect(await outcome(payload, email, 'right')).toBe('ok')
    }
  })
})

describe("a login whose commit fails (onConflict: 'fail')", () => {
  let booted: Booted | undefined
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', {
      readCache: false,
      transactionOptions: { onConflict: 'fail' },
    })
    payload = booted.payload
  })

  afterAll(async () => {
    await closeAll(booted)
  })

  it('fails with a 409, and its clean-up undoes nothing made meanwhile', async () => {
    const email = 'fail@x.com'
    const { id } = await payload.create({
      collection: 'users',
      data: { email, password: 'right', role: 'admin' },
    })
    const held = await loginDuring(payload, email, () =>
      payload.db.updateOne({ id, collection: 'users', data: { role: 'user' } }),
    )
    // The commit's own error: Payload's clean-up write with its request did not replace it.
    expect((held.error as { status?: number } | undefined)?.status).toBe(409)
    expect(String((held.error as Error).message)).toContain('changed by another request')
    const stored = await payload.db.findOne<{
      id: number | string
      role?: string
      sessions?: unknown[]
    }>({
      collection: 'users',
      where: { id: { equals: id } },
    })
    // Payload's catch writes the user it had read (revokeSession) with the failed transaction's
    // id: outside any transaction, merged over what changed since that transaction read it.
    expect(stored?.role).toBe('user')
    expect(stored?.sessions ?? []).toEqual([])
  })
})
