/**
 * Checks of one option value that may be anything a caller passed (JavaScript callers, JSON files,
 * adapters): durations within a range, flags, what was received described without showing a value
 * that could be secret. Each failure is an `InvalidConfig` naming the option. Shared by the request,
 * the manager, the Promise client, the file store and (through `@tangoe-token/core/store`) the Redis
 * store, so that every entry point applies one rule per kind of option.
 *
 * Written by hand, not with Schema: these run on the refresh path that adapters bundle.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import { InvalidConfig } from "../InvalidConfig.ts"
import { durationOf } from "./durationInput.ts"

/** The longest delay Node's timers accept (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MILLIS = 2_147_483_647

/** What was given, described: a short string is quoted, anything else named by its kind. */
export const describeReceived = (u: unknown): string => {
  if (u === null) return "null"
  if (u === undefined) return "nothing (undefined)"
  if (Array.isArray(u)) return "an array"
  if (typeof u === "string") {
    if (u.trim() === "") return u.length === 0 ? "an empty string" : "a string of only spaces"
    return u.length <= 24 ? JSON.stringify(u) : `a string of ${u.length} characters`
  }
  if (typeof u === "number") return Number.isFinite(u) ? String(u) : `the number ${String(u)}`
  return typeof u === "object" ? "an object" : `a ${typeof u}`
}

/** A millisecond count as people read it: `100ms`, `30s`, `24d 20h 31m 23s 647ms`. */
const showMillis = (ms: number): string => Duration.format(Duration.millis(ms))

/** The range of a duration option, in milliseconds (both inclusive). */
export interface MillisRange {
  readonly min: number
  readonly max: number
}

/**
 * What a duration option in `range` must be, in words, e.g. `a duration from 100 ms to 24.8 days
 * (milliseconds, or a Duration input like "30 seconds")`.
 */
export const durationExpected = (range: MillisRange, example = "30 seconds"): string =>
  `a duration from ${showMillis(range.min)} to ${showMillis(range.max)} (milliseconds, or a Duration input like "${example}")`

/**
 * `u` as milliseconds within `range`, `fallback` when absent (`undefined`), or an `InvalidConfig`
 * naming `field`. Never throws.
 */
export const checkMillis = (
  field: string,
  u: unknown,
  range: MillisRange,
  fallback: number,
  example?: string,
): Result.Result<number, InvalidConfig> => {
  if (u === undefined) return Result.succeed(fallback)
  const duration = durationOf(u)
  const ms = duration === undefined ? Number.NaN : Duration.toMillis(duration)
  if (Number.isFinite(ms) && ms >= range.min && ms <= range.max) return Result.succeed(ms)
  return Result.fail(
    new InvalidConfig({
      field,
      expected: durationExpected(range, example),
      received:
        duration === undefined
          ? describeReceived(u)
          : Number.isFinite(ms)
            ? showMillis(ms)
            : "an infinite duration",
    }),
  )
}

/** `true`/`false`, `false` when absent, or an `InvalidConfig` naming `field`. */
export const checkFlag = (field: string, u: unknown): Result.Result<boolean, InvalidConfig> =>
  u === undefined || typeof u === "boolean"
    ? Result.succeed(u === true)
    : Result.fail(new InvalidConfig({ field, expected: "true or false", received: describeReceived(u) }))

/** Whether `u` is an object (not null, not an array) whose `names` are all functions or Effects. */
export const hasMembers = (u: unknown, names: ReadonlyArray<string>): boolean => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return false
  try {
    return names.every((name) => {
      const member: unknown = (u as Record<string, unknown>)[name]
      return typeof member === "function" || (typeof member === "object" && member !== null)
    })
  } catch {
    return false
  }
}

const isOptionsObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !Schedule.isSchedule(u)

/**
 * Retry options (`{ schedule?, rotationGracePeriod? }`) under `field`, or why not; `allowFalse`:
 * `false` (one attempt) is accepted too. `undefined` is always accepted.
 */
export const checkRetryOptions = (
  field: string,
  u: unknown,
  allowFalse: boolean,
): InvalidConfig | undefined => {
  if (u === undefined || (allowFalse && u === false)) return undefined
  if (!isOptionsObject(u)) {
    return new InvalidConfig({
      field,
      expected: `${allowFalse ? "false or " : ""}{ schedule?, rotationGracePeriod? }`,
      received: describeReceived(u),
    })
  }
  if (u.schedule !== undefined && !Schedule.isSchedule(u.schedule)) {
    return new InvalidConfig({
      field: `${field}.schedule`,
      expected: "a Schedule (e.g. from makeRetrySchedule)",
      received: describeReceived(u.schedule),
    })
  }
  const grace = checkMillis(`${field}.rotationGracePeriod`, u.rotationGracePeriod, GRACE_RANGE, 0)
  return Result.isFailure(grace) ? grace.failure : undefined
}

/** A rotation grace period: zero or more, within what a timer accepts. */
export const GRACE_RANGE: MillisRange = { min: 0, max: MAX_TIMER_MILLIS }

/** An HTTP transport option (`{ send }`) under `field`, or why not; `undefined` is accepted. */
export const checkTransportOption = (u: unknown, field = "transport"): InvalidConfig | undefined =>
  u === undefined || hasMembers(u, ["send"])
    ? undefined
    : new InvalidConfig({
        field,
        expected: "an HttpTransport (an object with send, e.g. fromPromise(…))",
        received: describeReceived(u),
      })
