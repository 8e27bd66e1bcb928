/**
 * The rules of the options every token store shares (`lockLease`, `lockTimeout`, timeouts handed to
 * Node's timers, `encryptionKey`), so that the file store and the Redis store (and any store an
 * adapter writes) accept and refuse the same values. Each check returns the value or an
 * `InvalidConfig` naming the option and what it must be; none throws.
 *
 * @since 0.3.0
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { InvalidConfig } from "./InvalidConfig.ts"
import { checkMillis, describeReceived, MAX_TIMER_MILLIS, type MillisRange } from "./internal/optionChecks.ts"

export type { MillisRange } from "./internal/optionChecks.ts"

/**
 * The range of a lock lease: 100 ms to 1 hour. A shorter lease expires under a holder that is
 * merely slow, and two processes then hold the lock at once; a longer one keeps a dead holder's
 * lock for hours. Zero or a negative lease is refused: it would turn the lock off.
 *
 * @category ranges
 * @since 0.3.0
 */
export const LOCK_LEASE_RANGE: MillisRange = { min: 100, max: 3_600_000 }

/**
 * The range of a lock wait: 1 ms to 1 hour.
 *
 * @category ranges
 * @since 0.3.0
 */
export const LOCK_TIMEOUT_RANGE: MillisRange = { min: 1, max: 3_600_000 }

/**
 * The range of a delay handed to Node's timers (a connect or command timeout, a backoff): 1 ms to
 * 2^31 - 1 ms (about 24.8 days); Node fires a longer timer at once.
 *
 * @category ranges
 * @since 0.3.0
 */
export const TIMER_RANGE: MillisRange = { min: 1, max: MAX_TIMER_MILLIS }

/**
 * A duration option in milliseconds: `fallback` when absent, the value when it is a duration
 * (milliseconds, or a Duration input like `"2 seconds"`) within `range`, otherwise an
 * `InvalidConfig` naming `field`.
 *
 * @example
 * ```ts
 * const lease = durationOption("lockLease", options.lockLease, LOCK_LEASE_RANGE, 10_000)
 * if (Result.isFailure(lease)) throw lease.failure // names `lockLease`
 * ```
 *
 * @category validation
 * @since 0.3.0
 */
export const durationOption = (
  field: string,
  value: unknown,
  range: MillisRange,
  fallback: number,
): Result.Result<number, InvalidConfig> => checkMillis(field, value, range, fallback, "2 seconds")

/**
 * An `encryptionKey` option, made `Redacted`: absent, or 32 raw bytes or a passphrase, given
 * `Redacted` (`Redacted.make(key)`) or plain (like `clientSecret`, it is wrapped at once). Anything
 * else is an `InvalidConfig` naming `field`. Whether the key is usable (32 bytes exactly, a
 * non-empty passphrase) is the codec's check (`StoreError` `InvalidKey`).
 *
 * @category validation
 * @since 0.3.0
 */
export const encryptionKeyOption = (
  value: unknown,
  field = "encryptionKey",
): Result.Result<Redacted.Redacted<Uint8Array | string> | undefined, InvalidConfig> => {
  if (value === undefined) return Result.succeed(undefined)
  const raw: unknown = Redacted.isRedacted(value) ? unwrap(value) : value
  if (typeof raw === "string" || raw instanceof Uint8Array) {
    return Result.succeed(
      Redacted.isRedacted(value) ? (value as Redacted.Redacted<Uint8Array | string>) : Redacted.make(raw),
    )
  }
  return Result.fail(
    new InvalidConfig({
      field,
      expected: "32 random bytes (a Uint8Array) or a passphrase (a string), best wrapped with Redacted.make",
      received: `${Redacted.isRedacted(value) ? "a Redacted holding " : ""}${typeof raw === "string" ? "a string" : describeReceived(raw)}`,
    }),
  )
}

/** A wiped Redacted throws on access: treat it as holding nothing. */
const unwrap = (value: Redacted.Redacted<unknown>): unknown => {
  try {
    return Redacted.value(value)
  } catch {
    return undefined
  }
}
