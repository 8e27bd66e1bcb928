/**
 * Validation of the manager's own options (those beside the refresh request): `refreshAhead`,
 * `rotationGracePeriod`, `keepWarm`, `retry` and `saveRetry`, and the Promise client's `store` and
 * `transport`. A failure is an `InvalidConfig` naming the option, what was expected and what was
 * received, reported by the first `get` before any network call.
 *
 * Written by hand, not with Schema: this is on the refresh path that adapters bundle, where Schema
 * would add about 37 kB to the n8n credential.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import { InvalidConfig } from "../../InvalidConfig.ts"
import { durationOf } from "../durationInput.ts"
import { checkRetryOptions, describeReceived, hasMembers } from "../optionChecks.ts"
import { DEFAULT_REFRESH_AHEAD_MILLIS } from "./timing.ts"

/** A short string is shown; anything else is named by its type (never a value that could be secret). */
const received = (u: unknown): string =>
  typeof u === "string" && u.length <= 24 ? JSON.stringify(u) : typeof u

/** Absent, or a finite duration of zero or more. */
const isDurationOption = (u: unknown): boolean => {
  if (u === undefined) return true
  const d = durationOf(u)
  return d !== undefined && Duration.isFinite(d) && Duration.toMillis(d) >= 0
}

/** Each option, its rule and what it must be; checked in this order. */
const rules: ReadonlyArray<readonly [field: string, ok: (u: unknown) => boolean, expected: string]> = [
  [
    "refreshAhead",
    isDurationOption,
    'a finite duration of zero or more (milliseconds, or a Duration input like "5 minutes")',
  ],
  [
    "rotationGracePeriod",
    isDurationOption,
    'a finite duration of zero or more (milliseconds, or a Duration input like "30 seconds")',
  ],
  ["keepWarm", (u) => u === undefined || typeof u === "boolean", "true or false"],
]

/** The manager's own options, checked. */
export interface ManagerSettings {
  readonly refreshAheadMillis: number
}

/** Checks `refreshAhead`, `rotationGracePeriod`, `keepWarm`, `retry` and `saveRetry`, and applies the refresh-ahead default. */
export const resolveManagerSettings = (options: {
  readonly refreshAhead?: unknown
  readonly rotationGracePeriod?: unknown
  readonly keepWarm?: unknown
  readonly retry?: unknown
  readonly saveRetry?: unknown
}): Result.Result<ManagerSettings, InvalidConfig> => {
  const values: Record<string, unknown> = {
    refreshAhead: options.refreshAhead,
    rotationGracePeriod: options.rotationGracePeriod,
    keepWarm: options.keepWarm,
  }
  for (const [field, ok, expected] of rules) {
    const value = values[field]
    if (!ok(value)) return Result.fail(new InvalidConfig({ field, expected, received: received(value) }))
  }
  const retry = checkRetryOptions("retry", options.retry, true)
  if (retry !== undefined) return Result.fail(retry)
  if (options.saveRetry !== undefined && !Schedule.isSchedule(options.saveRetry)) {
    return Result.fail(
      new InvalidConfig({
        field: "saveRetry",
        expected: "a Schedule of the retries of a failed save",
        received: describeReceived(options.saveRetry),
      }),
    )
  }
  const refreshAhead = options.refreshAhead === undefined ? undefined : durationOf(options.refreshAhead)
  return Result.succeed({
    refreshAheadMillis:
      refreshAhead === undefined ? DEFAULT_REFRESH_AHEAD_MILLIS : Duration.toMillis(refreshAhead),
  })
}

/**
 * The Promise client's `store`: absent, a store (`load`, `save`, `withRefreshLock`), or the Effect
 * that makes one. A path given as a string is refused with the way to make a file store of it.
 */
export const checkStoreOption = (u: unknown): InvalidConfig | undefined => {
  if (u === undefined || Effect.isEffect(u) || hasMembers(u, ["load", "save", "withRefreshLock"]))
    return undefined
  return new InvalidConfig({
    field: "store",
    expected:
      "a token store (memoryStore(), redisStore(…), your own TokenStoreShape) or the Effect that makes one (fileStore(path))",
    received: typeof u === "string" ? "a string (a path?)" : describeReceived(u),
    hint:
      typeof u === "string"
        ? "For a file, pass `store: fileStore(path)` (imported from @tangoe-token/core)."
        : undefined,
  })
}
