/**
 * Small helpers for workload tests: a seeded generator (so every lane does the same operations on
 * every run) and a record of what each operation's caller was told.
 */
import { APIError, ValidationError } from 'payload'

/** mulberry32: uniform in [0, 1), the same sequence for the same seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Outcome = 'acknowledged' | 'rejected'

/** A rejection as Payload reports it: an APIError (ValidationError is one) and never a raw SDK error. */
export function describeRejection(error: unknown): string {
  const name = (error as { name?: string })?.name ?? typeof error
  const kind = error instanceof ValidationError ? 'ValidationError' : 'APIError'
  return error instanceof APIError ? `${kind}:${name}` : `NOT-AN-APIERROR:${name}:${String(error)}`
}

/** Runs `work`, recording whether its promise resolved or rejected (and with what). */
export async function settle<T>(
  work: () => Promise<T>,
  rejections: string[],
): Promise<{ outcome: Outcome; value?: T }> {
  try {
    return { outcome: 'acknowledged', value: await work() }
  } catch (error) {
    rejections.push(describeRejection(error))
    return { outcome: 'rejected' }
  }
}
