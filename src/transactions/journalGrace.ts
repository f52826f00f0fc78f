import { APIError } from 'payload'

/** Journal headers of earlier versions (no owner, no beat) count from `createdAt` with this. */
export const LEGACY_GRACE_MS = 60_000

const DEFAULT_GRACE_MS = 30_000

/** How long a journal's owner may stay silent before another process takes the journal over. */
export function journalGraceMs(): number {
  const configured = Number(process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS)
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_GRACE_MS
}

/** A journaled write left part-way: its journal stays, and another process or start finishes it. */
export class UnfinishedWrite extends APIError {}

/**
 * A write's journal was taken over by another process after this one gave no sign of life for
 * the grace period; that process finishes it (or undoes it). Nothing more is written here.
 */
export class JournalTakenOver extends UnfinishedWrite {
  constructor(writeID: string) {
    super(
      `A write of more than 100 items (${writeID}) made no progress for ${journalGraceMs() / 1000} s and was taken over by another process, which finishes it (or undoes it if it can no longer be applied). Check the documents before repeating it.`,
      503,
      null,
      true,
    )
    this.name = 'JournalTakenOver'
  }
}
