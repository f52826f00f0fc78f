/**
 * Failed logins at once: Payload counts them with `$inc` on `loginAttempts` (outside the
 * request's transaction, so that parallel requests see each other) and locks the account at
 * `maxLoginAttempts`. None may be lost, and a locked account must refuse the right password.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { AuthenticationError, LockedAuth } from 'payload'

import { boot, type Booted, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'users',
        auth: { lockTime: 60_000, maxLoginAttempts: 5 },
        fields: [],
      },
    ],
    db,
    secret: 'auth-under-change-secret',
    telemetry: false,
  }
}

const login = (payload: Payload, email: string, password: string) =>
  payload.login({ collection: 'users', data: { email, password } })

async function attempts(payload: Payload, email: string) {
  const { docs } = await payload.find({
    collection: 'users',
    showHiddenFields: true,
    where: { email: { equals: email } },
  })
  return docs[0] as unknown as { lockUntil?: null | string; loginAttempts?: number }
}

describe('failed logins at once', () => {
  let booted: Booted

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb')
  })

  afterAll(() => closeAll(booted))

  it('counts every failed login sent at once, and locks the account at the limit', async () => {
    const { payload } = booted
    const email = 'parallel@example.com'
    await payload.create({ collection: 'users', data: { email, password: 'right-password' } })

    // Four wrong passwords at once: under the limit, each must be counted.
    const wrong = await Promise.allSettled(
      Array.from({ length: 4 }, () => login(payload, email, 'wrong')),
    )
    expect(wrong.every((each) => each.status === 'rejected')).toBe(true)
    for (const each of wrong) {
      expect((each as PromiseRejectedResult).reason).toBeInstanceOf(AuthenticationError)
    }
    expect((await attempts(payload, email)).loginAttempts).toBe(4)

    // Eight more at once: the fifth failure locks the account, whoever sends it.
    const more = await Promise.allSettled(
      Array.from({ length: 8 }, () => login(payload, email, 'wrong')),
    )
    expect(more.every((each) => each.status === 'rejected')).toBe(true)
    const locked = await attempts(payload, email)
    expect(locked.loginAttempts).toBeGreaterThanOrEqual(5)
    expect(locked.loginAttempts).toBeLessThanOrEqual(12)
    expect(new Date(locked.lockUntil ?? 0).getTime()).toBeGreaterThan(Date.now())
    await expect(login(payload, email, 'right-password')).rejects.toBeInstanceOf(LockedAuth)
  })
})
