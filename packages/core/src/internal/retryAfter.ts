/**
 * Parses an HTTP `Retry-After` header: a number of seconds or an HTTP date.
 *
 * @internal
 */
import * as Duration from "effect/Duration"

/** The delay a `Retry-After` value asks for, measured from `now` (epoch ms); `undefined` when absent or invalid. */
export const parseRetryAfter = (value: string | undefined, now: number): Duration.Duration | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d{1,10}$/.test(trimmed)) return Duration.seconds(Number(trimmed))
  if (!/[a-z]/i.test(trimmed)) return undefined
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return undefined
  return Duration.millis(Math.max(0, at - now))
}
