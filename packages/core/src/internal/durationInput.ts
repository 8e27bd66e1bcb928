/**
 * Reading a duration option that may be anything a caller passed (milliseconds, a Duration input
 * like "30 seconds", or junk), without throwing. Shared by the request's `timeout` and the
 * manager's `refreshAhead` / `rotationGracePeriod`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/** `u` as a Duration (milliseconds or a Duration input), or undefined; never throws. */
export const durationOf = (u: unknown): Duration.Duration | undefined => {
  if (typeof u === "number" && !Number.isFinite(u)) return undefined
  try {
    return Option.getOrUndefined(Duration.fromInput(u as Duration.Input))
  } catch {
    return undefined
  }
}
