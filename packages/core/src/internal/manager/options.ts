/**
 * Validation of the manager's own options (those beside the refresh request) with a Schema:
 * `refreshAhead`, `rotationGracePeriod` and `keepWarm`. A failure is an `InvalidConfig` naming the
 * option, what was expected and what was received, reported by the first `get` before any network
 * call.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { InvalidConfig } from "../../RefreshError.ts"
import { checked, durationOf, rule, validator } from "../validation.ts"
import { DEFAULT_REFRESH_AHEAD_MILLIS } from "./timing.ts"

/** What a failed check expected. */
interface Expected {
  readonly expected: string
}

const duration = (expected: string) =>
  checked(
    rule(
      (u) => {
        if (u === undefined) return true
        const d = durationOf(u)
        return d !== undefined && Duration.isFinite(d) && Duration.toMillis(d) >= 0
      },
      { expected },
    ),
  )

const managerOptions = () =>
  Schema.Struct({
    refreshAhead: duration(
      'a finite duration of zero or more (milliseconds, or a Duration input like "5 minutes")',
    ),
    rotationGracePeriod: duration(
      'a finite duration of zero or more (milliseconds, or a Duration input like "30 seconds")',
    ),
    keepWarm: checked(rule((u) => u === undefined || typeof u === "boolean", { expected: "true or false" })),
  })

const validateOptions = validator<ReturnType<typeof managerOptions>, Expected>(managerOptions)

/** A short string is shown; anything else is named by its type (never a value that could be secret). */
const received = (u: unknown): string =>
  typeof u === "string" && u.length <= 24 ? JSON.stringify(u) : typeof u

/** The manager's own options, checked. */
export interface ManagerSettings {
  readonly refreshAheadMillis: number
}

/** Checks `refreshAhead`, `rotationGracePeriod` and `keepWarm`, and applies the refresh-ahead default. */
export const resolveManagerSettings = (options: {
  readonly refreshAhead?: unknown
  readonly rotationGracePeriod?: unknown
  readonly keepWarm?: unknown
}): Result.Result<ManagerSettings, InvalidConfig> => {
  const fields = {
    refreshAhead: options.refreshAhead,
    rotationGracePeriod: options.rotationGracePeriod,
    keepWarm: options.keepWarm,
  }
  const result = validateOptions(fields)
  if (Result.isFailure(result)) {
    const key = (result.failure.path[0] ?? "refreshAhead") as keyof typeof fields
    return Result.fail(
      new InvalidConfig({
        field: key,
        expected: result.failure.rule?.expected ?? "a valid value",
        received: received(fields[key]),
      }),
    )
  }
  const refreshAhead = fields.refreshAhead === undefined ? undefined : durationOf(fields.refreshAhead)
  return Result.succeed({
    refreshAheadMillis:
      refreshAhead === undefined ? DEFAULT_REFRESH_AHEAD_MILLIS : Duration.toMillis(refreshAhead),
  })
}
