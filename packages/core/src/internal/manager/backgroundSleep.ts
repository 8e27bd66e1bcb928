/**
 * A sleep for background work (keep-warm) that never keeps the process alive.
 *
 * Effect's live `Clock` sleeps with a plain `setTimeout`, which holds the Node.js event loop open.
 * With the live clock this sleeps with an `unref`'d timer instead; with any other clock (the
 * `TestClock` of a test) it defers to that clock, so tests still move time by hand.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

/** Effect's live clock, made on first use: nothing runs when the module loads (it stays tree-shakable). */
let liveClock: Clock.Clock | undefined
const isLiveClock = (clock: Clock.Clock): boolean => {
  if (liveClock === undefined) liveClock = Clock.Clock.defaultValue()
  return clock instanceof (liveClock.constructor as abstract new (...args: never) => unknown)
}

const unrefSleep = (millis: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const handle = setTimeout(() => resume(Effect.void), Math.min(millis, 2 ** 31 - 1))
    handle.unref?.()
    return Effect.sync(() => clearTimeout(handle))
  })

/** Sleeps `millis` without holding the process open (live clock), or on the current test clock. */
export const backgroundSleep = (millis: number): Effect.Effect<void> =>
  Clock.clockWith((clock) =>
    millis <= 0
      ? Effect.yieldNow
      : isLiveClock(clock)
        ? unrefSleep(millis)
        : clock.sleep(Duration.millis(millis)),
  )
