/**
 * Runs `task` over `items`, at most `limit` at a time; the results in order. After a failure
 * nothing more is started, and the first error is thrown once the tasks in flight have ended
 * (none is left running behind the caller's back).
 */
export async function inParallel<T, R>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<R>,
  /** Nothing more is started once a result says so (those in flight still end). */
  stopAfter?: (result: R) => boolean,
): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  let stopped = false
  const errors: unknown[] = []
  const worker = async () => {
    while (next < items.length && errors.length === 0 && !stopped) {
      const index = next++
      try {
        results[index] = await task(items[index])
        stopped ||= stopAfter?.(results[index]) ?? false
      } catch (error) {
        errors.push(error)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (errors.length > 0) {
    throw errors[0]
  }
  return results
}
