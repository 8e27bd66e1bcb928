/**
 * `Effect.retry(self, schedule)` that pays for the schedule only once `self` has failed: the first
 * run is `self` alone; its failure is handed to `Effect.retry` as the outcome of the retry's first
 * run (replayed, not re-sent), so the schedule sees exactly the inputs and times it would have seen.
 * The common case (the first attempt succeeds) builds no schedule driver at all.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Schedule from "effect/Schedule"

export const retryAfterFailure = <A, E, R, O, SE, R2>(
  self: Effect.Effect<A, E, R>,
  schedule: () => Schedule.Schedule<O, E, SE, R2>,
): Effect.Effect<A, E | SE, R | R2> => Effect.catch(self, (first) => replayIntoRetry(first, self, schedule))

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
