/**
 * `Effect.retry` that pays for the schedule only once an attempt has failed: the first attempt runs
 * alone (no schedule driver when it succeeds, the common case), and its failure is handed to
 * `Effect.retry` as the outcome of the retry's first run (replayed, not sent again), so the schedule
 * sees exactly the inputs and times it would have seen.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"

/**
 * The retry after a first attempt that already failed with `first`: `first` is replayed as the retried
 * effect's first outcome (not sent again), then `again` runs for each retry the schedule allows.
 */
export const replayIntoRetry = <A, E, R, O, SE, R2>(
  first: E,
  again: Effect.Effect<A, E, R>,
  schedule: () => Schedule.Schedule<O, E, SE, R2>,
): Effect.Effect<A, E | SE, R | R2> => {
  let replay = true
  const next = Effect.suspend(() => {
    if (!replay) return again
    replay = false
    return Effect.fail(first)
  })
  return Effect.retry(next, schedule())
}
