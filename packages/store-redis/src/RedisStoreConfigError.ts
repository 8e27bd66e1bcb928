/**
 * The error `redisStore` throws (and `makeRedisStore` / `layerRedisStore` fail with) when its
 * options are not usable: a URL that is not `redis://` or `rediss://`, a database that is not a
 * number, an empty (or only spaces) client id, a missing environment, a duration of the wrong type
 * or out of range (core's rules: a lease of 100 ms to 1 hour, timeouts within what Node's timers
 * accept), an unusable encryption key. Each is checked before anything connects.
 *
 * The message names the option and what was expected; it never repeats the value given, since
 * a URL may carry a password.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * An option of `redisStore` is not usable. Nothing was connected.
 *
 * @example
 * ```ts
 * try {
 *   redisStore({ url: "http://localhost", environment: "qa", clientId })
 * } catch (e) {
 *   if (e instanceof RedisStoreConfigError) console.error(e.message) // names `url`, never its value
 * }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class RedisStoreConfigError extends Data.TaggedError("RedisStoreConfigError")<{
  /** The option at fault, e.g. `url`, `database`, `lockLease`. */
  readonly field: string
  /** What the option must be, e.g. `a redis:// or rediss:// URL`. */
  readonly expected: string
}> {
  /**
   * Which option, what it must be, and what to do.
   *
   * @since 0.1.0
   */
  override get message(): string {
    return `invalid Redis token store option \`${this.field}\`: expected ${this.expected} — fix the option and create the store again`
  }
}
