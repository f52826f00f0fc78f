/**
 * How fresh the index state a query plans with must be, and how long a drop waits before it
 * deletes entries. A process of an older config may still read an index that a newer config
 * drops (a rolling deploy); if the entries went at once, its queries would silently miss
 * documents. So:
 *
 * - a query plans only with a state read at most `maxAge` ago (read again by one GetItem; in
 *   the background from half that age, so queries seldom wait for it);
 * - a drop records itself first, then waits `dropWait` (twice `maxAge`) before deleting
 *   anything: every process has read the drop by then and stopped reading the index;
 * - a query that ran so long that the wait may be over reads the state again when it ends, and
 *   runs again without the index if it was dropped meanwhile.
 *
 * `PAYLOAD_DYNAMODB_INDEX_STATE_MAX_AGE_MS` changes `maxAge` (the tests shorten it); every process
 * of a table must use the same value.
 */
const DEFAULT_MAX_AGE_MS = 5_000

export function indexStateMaxAge(): number {
  const configured = Number(process.env.PAYLOAD_DYNAMODB_INDEX_STATE_MAX_AGE_MS)
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_AGE_MS
}

/** From this age a query refreshes the state in the background (and plans with what it has). */
export function indexStateRefreshAge(): number {
  return indexStateMaxAge() / 2
}

/**
 * How long a recorded drop waits before deleting the index's entries: twice the maximum age, so
 * that only a query still running `maxAge` after its state was read can meet deleted entries, and
 * such a query checks the state again when it ends (read/droppedWhileRead.ts).
 */
export function indexDropWait(): number {
  return 2 * indexStateMaxAge()
}
