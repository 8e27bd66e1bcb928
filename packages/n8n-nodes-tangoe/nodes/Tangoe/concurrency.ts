/** Runs an async function over indices with a bounded number running at once, keeping the order. */

/**
 * Calls `fn(0 … count-1)` with at most `limit` calls running at once; results in index order.
 * After a call fails no new call starts, and the first failure is thrown.
 */
export async function mapWithConcurrency<A>(
  count: number,
  limit: number,
  fn: (index: number) => Promise<A>,
): Promise<A[]> {
  const results = new Array<A>(count)
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (next < count && !failed) {
      const index = next++
      let done = false
      try {
        results[index] = await fn(index)
        done = true
      } finally {
        if (!done) failed = true
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker)
  await Promise.all(workers)
  return results
}
