/**
 * Waiting on events, not elapsed time: a test waits for what must happen next (a simulator event, a
 * condition on its counts), fails at once when a process it depends on ended first, and fails with a
 * message that says it timed out when nothing happened within a generous bound.
 */

/** How long a test waits for one event on a busy machine before it reports a timeout. */
export const EVENT_BOUND_MILLIS = 200_000

/** How often `until` looks at its condition. */
const POLL_MILLIS = 25

/**
 * Resolves once `condition()` is true. It looks at in-process state (a simulator's counts), so checking
 * it often costs nothing; `signal` stops it.
 */
export function until(condition: () => boolean, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (signal?.aborted) reject(signal.reason)
      else if (condition()) resolve()
      else setTimeout(check, POLL_MILLIS)
    }
    check()
  })
}

/**
 * Waits for `event` (a promise, or a condition to poll). Rejects when one of `runs` (the processes
 * that make the event happen) ends first, and when `boundMillis` pass, saying it timed out.
 */
export async function untilEvent<A>(
  event: Promise<A> | (() => boolean),
  runs: ReadonlyArray<Promise<unknown>>,
  what: string,
  boundMillis = EVENT_BOUND_MILLIS,
): Promise<A | undefined> {
  const stop = new AbortController()
  const waited = typeof event === "function" ? until(event, stop.signal).then(() => undefined) : event
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${boundMillis / 1000} s waiting for ${what}`)),
      boundMillis,
    )
  })
  const endedFirst = runs.map(
    (run, index) =>
      new Promise<never>((_, reject) =>
        run.then(
          () => reject(new Error(`process ${index + 1} finished before ${what}`)),
          (error: unknown) =>
            reject(
              new Error(
                `process ${index + 1} failed before ${what}: ${String((error as Error)?.message ?? error)}`,
              ),
            ),
        ),
      ),
  )
  try {
    return await Promise.race([waited, timedOut, ...endedFirst])
  } finally {
    clearTimeout(timer)
    stop.abort(new Error(`stopped waiting for ${what}`))
  }
}
