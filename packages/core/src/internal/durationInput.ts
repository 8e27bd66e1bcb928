/**
 * Reading a duration option that may be anything a caller passed (milliseconds, a Duration input
 * like "30 seconds", or junk), without throwing. Shared by the request's `timeout`, the manager's
 * `refreshAhead` / `rotationGracePeriod` and the stores' lock and timer options.
 *
 * Stricter than `Duration.fromInput`, which reads some junk as zero: an object without a single
 * duration field (`{}`, `{ "": 0 }`), a field that is not a finite number, a pair holding `NaN`, a
 * negative number (`-5e-324` would round to zero). Those are `undefined` here.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

const UNITS = new Set([
  "weeks",
  "days",
  "hours",
  "minutes",
  "seconds",
  "milliseconds",
  "microseconds",
  "nanoseconds",
])

const finite = (u: unknown): boolean => typeof u === "number" && Number.isFinite(u)

/** Whether `u` has a shape `Duration.fromInput` reads without guessing. */
const wellFormed = (u: unknown): boolean => {
  if (typeof u === "number") return Number.isFinite(u) && !(u < 0)
  if (typeof u !== "object" || u === null || Duration.isDuration(u)) return true
  if (Array.isArray(u)) return u.length === 2 && u.every(finite)
  const entries = Object.entries(u)
  return (
    entries.length > 0 &&
    entries.every(([key, value]) => UNITS.has(key) && (value === undefined || finite(value)))
  )
}

/** `u` as a Duration (milliseconds or a Duration input), or undefined; never throws. */
export const durationOf = (u: unknown): Duration.Duration | undefined => {
  try {
    if (!wellFormed(u)) return undefined
    return Option.getOrUndefined(Duration.fromInput(u as Duration.Input))
  } catch {
    return undefined
  }
}
