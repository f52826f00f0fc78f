import { activeTransaction } from '../transactions/session.js'

/**
 * The `updatedAt` of a write that a transaction's commit computes again over a document (or a
 * version) saved meanwhile with a later `updatedAt` than this write's: the commit stores it after
 * that one, so it is stamped then (the later of the commit's new start and just after the newer
 * one). Payload takes the newest `updatedAt` for the draft and the latest version, so saves
 * ordered otherwise than they were stored would leave the document, its latest version and the
 * draft Payload reads three different saves (a publish whose commit ran again over another).
 * Undefined outside such a commit, or when this write is the newer.
 */
export function replayStamp(own: unknown, stored: unknown): string | undefined {
  const replayedAt = activeTransaction()?.replayedAt
  if (!replayedAt || typeof own !== 'string' || typeof stored !== 'string' || stored <= own) {
    return undefined
  }
  const after = new Date(Date.parse(stored) + 1).toISOString()
  return after > replayedAt ? after : replayedAt
}
