/**
 * A sleep on the real timer, for waits that pace against other processes (lock polling, lease
 * renewal): a `TestClock` must not freeze them. Interruptible.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** Waits `ms` milliseconds of wall-clock time; interrupting the fiber cancels the timer. */
export const realSleep = (ms: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), ms)
    return Effect.sync(() => clearTimeout(timer))
  })
