/**
 * Validation of option values shared by `startSimulator`, `configure`, the admin endpoint, fault
 * specs and the CLI: each helper returns the typed value or throws a `SimulatorOptionsError` that
 * names the option and what was expected.
 */
import { SimulatorOptionsError } from "../SimulatorOptionsError.ts"

/** Describes a received value for an error message: short, typed, and never the value of a secret. */
export const describeValue = (value: unknown): string => {
  if (typeof value === "string")
    return value.length > 60 ? `"${value.slice(0, 57)}..."` : JSON.stringify(value)
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) {
    return String(value)
  }
  if (Array.isArray(value)) return "an array"
  return `a ${typeof value}`
}

/** Throws the error for `option` with `expected` and the received value described. */
export const fail = (option: string, expected: string, value: unknown): never => {
  throw new SimulatorOptionsError({ option, expected, received: describeValue(value) })
}

/** A finite number of seconds >= 0 (fractions allowed). */
export const seconds = (option: string, value: unknown): number =>
  typeof value === "number" && Number.isFinite(value) && value >= 0
    ? value
    : fail(option, "a number of seconds >= 0 (fractions allowed)", value)

/** An integer within [min, max]. */
export const integer = (option: string, value: unknown, min: number, max: number): number =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
    ? value
    : fail(option, `an integer from ${min} to ${max}`, value)

/** A boolean. */
export const boolean = (option: string, value: unknown): boolean =>
  typeof value === "boolean" ? value : fail(option, "true or false", value)

/** A non-empty string without control characters. */
export const text = (option: string, value: unknown): string =>
  typeof value === "string" && value.length > 0 && !/\p{Cc}/u.test(value)
    ? value
    : fail(option, "a non-empty string without control characters", value)

/** A plain object (for JSON inputs). */
export const record = (option: string, value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : fail(option, "a JSON object", value)

/** Throws when `value` has a key outside `allowed` (catches typos such as `gracePeriods`). */
export const onlyKeys = (
  option: string,
  value: Record<string, unknown>,
  allowed: ReadonlyArray<string>,
): void => {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      fail(`${option}.${key}`, `one of the keys ${allowed.join(", ")}`, "an unknown key")
  }
}
