import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'

import type { PayloadRequest } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'

import { sameRevision } from '../storage/revisions.js'

/** A document's change as the write path sees it: created (no `before`), updated, or deleted (no `after`). */
export type DocumentChange = {
  after: Doc | null
  /** The document as read from the table (its revision is remembered), or the transaction's view. */
  before: Doc | null
  key: ItemKey
  namespace: Namespace
  /**
   * A journaled write's recorded image of the document before it (or, undoing it, after it):
   * its entries that the target lacks are removed too, even when what is stored no longer has
   * them (a write stopped between the parts of a split document, write/splitGroup.ts).
   */
  recorded?: Doc | null
  /**
   * Indexes whose entries and markers `before` does not have yet: an index build writes them
   * with the document for one too large for its packed writes (indexes/buildIndex.ts).
   */
  unindexed?: string[]
  /**
   * A create whose id is derived from what it looked for (an upsert): another writer creating
   * it first is a change to compute the write again over, not a duplicate id.
   */
  derivedID?: boolean
}

/** Whether a change is to a pointer item that only serializes writers (never a duplicate). */
export const isGuard = (change: Pick<DocumentChange, 'namespace'>): boolean =>
  change.namespace.kind === 'latest'

/**
 * A create under a key that is not a chosen id (a global's, a version pointer's, an upsert's
 * derived id): another writer creating it first is a change to compute the write again over.
 */
export const mayMeetAnotherCreate = (change: DocumentChange): boolean =>
  change.before === null &&
  (Boolean(change.derivedID) || isGuard(change) || change.namespace.kind === 'global')

/** One adapter write, re-runnable: reads what it needs (through the current view), says what changes. */
export type WriteStep = () => Promise<DocumentChange[]>

/** What a transaction will write for one document: from `base` (as stored) to `after`. */
export type StagedDocument = {
  after: Doc | null
  base: Doc | null
  /** See `DocumentChange.derivedID`. */
  derivedID?: boolean
  key: ItemKey
  namespace: Namespace
}

export const keyString = (key: { pk: unknown; sk: unknown }): string =>
  `${String(key.pk)}\u0000${String(key.sk)}`

/**
 * A Payload transaction (`req.transactionID`): its writes are held here until commit. Reads made
 * with the same `req` see them (see `overlay` in src/read/), and commit writes them at once,
 * conditioned on the revisions of the documents as they were read.
 */
export class Transaction {
  readonly id = randomUUID()
  /** When an adapter call last used it (abandoned transactions are dropped after a while). */
  lastUsed = Date.now()
  /** Never dropped for being idle (a migration's, see lifecycle.ts). */
  keptIdle = false
  /** Every write step in order, so a commit that meets a newer revision can run them again. */
  readonly steps: WriteStep[] = []
  /**
   * The translator of the requests its writes came with: a refusal at commit (a unique value
   * taken meanwhile) speaks the request's language, as one before it does.
   */
  translator?: Pick<PayloadRequest, 't'>
  /** When it began (write/replayStamp.ts). */
  readonly begunAt = new Date().toISOString()
  /** Whether its commit is running its steps again over newer documents. */
  replaying = false
  /**
   * The documents (of collections and globals with drafts) that the steps running again found
   * saved by another request since the first run, kept over the commit's attempts, and the
   * stamps moved for them in the current run: each document's first-run stamp to its new stamp,
   * and the last new one (write/replayStamp.ts).
   */
  readonly savedMeanwhile = new Set<string>()
  readonly stampsMoved = new Map<string, string>()
  lastStampMoved = ''
  /**
   * Each document a write of this transaction's first run computed its change from, as read then
   * (not again when the commit runs the steps again): what a write made with this transaction's id
   * after a failed commit is merged over (failedCommits.ts).
   */
  readonly firstWriteReads = new Map<string, Doc>()
  private staged = new Map<string, StagedDocument>()
  private byPartition = new Map<string, Map<string, StagedDocument>>()
  /** How many changes were staged so far, and when each key was last (see `stagedSince`). */
  private stagings = 0
  private stagedAt = new Map<string, number>()
  /**
   * Documents read by key in this transaction, as stored (private copies): Payload reads a
   * document, then updates or deletes it; the write step finds it here instead of reading it
   * again. Writes are conditioned on the revision read, so a document changed meanwhile fails
   * the commit, whose replay reads afresh (the memo is cleared with the staged writes).
   */
  private reads = new Map<string, Doc>()

  /** A private copy of a document this transaction read by key, if it did. */
  readByKey(key: ItemKey): Doc | undefined {
    const doc = this.reads.get(keyString(key))
    return doc ? snapshot(doc) : undefined
  }

  rememberRead(key: ItemKey, doc: Doc): void {
    this.reads.set(keyString(key), snapshot(doc))
  }

  get(key: ItemKey): StagedDocument | undefined {
    return this.staged.get(keyString(key))
  }

  /** The document at `key` as stored (`read`, unless this transaction staged a change of it). */
  storedBefore(key: ItemKey, read: Doc | null): Doc | null {
    const staged = this.get(key)
    return staged ? staged.base : read
  }

  /** The staged documents of one partition (one namespace), keyed by sort key. */
  inPartition(pk: string): Map<string, StagedDocument> | undefined {
    return this.byPartition.get(pk)
  }

  /** A mark to pass to `stagedSince` later. */
  get stagingMark(): number {
    return this.stagings
  }

  /**
   * Whether a change of `key` was staged after `mark`: a write step that read the document
   * before then computed over what another step of the transaction (run in parallel under the
   * same `req`) has since replaced.
   */
  stagedSince(key: ItemKey, mark: number): boolean {
    return (this.stagedAt.get(keyString(key)) ?? 0) > mark
  }

  stage(change: DocumentChange): void {
    const name = keyString(change.key)
    this.stagedAt.set(name, ++this.stagings)
    const existing = this.staged.get(name)
    const staged: StagedDocument = {
      after: snapshot(change.after),
      base: existing ? existing.base : snapshot(change.before),
      derivedID: existing ? existing.derivedID : change.derivedID,
      key: change.key,
      namespace: change.namespace,
    }
    this.staged.set(name, staged)
    const partition = this.byPartition.get(change.key.pk) ?? new Map<string, StagedDocument>()
    partition.set(change.key.sk, staged)
    this.byPartition.set(change.key.pk, partition)
  }

  stagedDocuments(): StagedDocument[] {
    return [...this.staged.values()]
  }

  get isEmpty(): boolean {
    return this.staged.size === 0
  }

  /** Forgets what was staged (before running the steps again over newer documents). */
  clearStaged(): void {
    this.reads.clear()
    this.staged.clear()
    this.byPartition.clear()
    this.stagedAt.clear()
  }
}

/**
 * A private copy of a document: what Payload gets back from reads and writes it may change in
 * place (afterRead hooks remove hidden fields), which must not change what will be committed.
 * The copy keeps the revision (and layout) the original was read at.
 */
export function snapshot<T extends Doc | null>(doc: T): T {
  if (!doc) {
    return doc
  }
  return sameRevision(doc, structuredClone(doc))
}

const current = new AsyncLocalStorage<Transaction | undefined>()

/** The transaction of the adapter call being served, if its `req` carries one. */
export function activeTransaction(): Transaction | undefined {
  return current.getStore()
}

/** Runs `work` inside `transaction` (or explicitly outside any, when undefined). */
export function runInTransaction<T>(transaction: Transaction | undefined, work: () => T): T {
  return current.run(transaction, work)
}
