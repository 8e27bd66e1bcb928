/**
 * The error of invalid settings: a refresh request or token manager option that cannot work. It is
 * found before anything is sent or stored, so it is not a reason of `RefreshError` (which tells what
 * happened to a request) but an error of its own, as Effect keeps `ConfigError` apart.
 *
 * @since 0.1.0
 */
import { FinalError } from "./internal/finalError.ts"

/**
 * A setting is invalid; nothing was sent. `field` names the setting, `expected` what it must be,
 * `received` what was given (described, never the value of a secret), `hint` what to do when more
 * than "fix it" can be said.
 *
 * @example
 * ```ts
 * Effect.catchTag(refresh(request), "InvalidConfig", (e) => Console.error(e.message)) // names the field
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidConfig extends /* @__PURE__ */ FinalError("InvalidConfig")<{
  /** The setting at fault, e.g. `clientId` or `environment.tokenUrl`. */
  readonly field: string
  /** What it must be. */
  readonly expected: string
  /** What was given, described (never a secret's value). */
  readonly received: string
  /** What to do, when more can be said than "fix the setting". */
  readonly hint?: string | undefined
}> {
  /** What to do. */
  get advice(): string {
    return this.hint ?? `fix \`${this.field}\``
  }
  /**
   * What is invalid, what was given, and what to do.
   *
   * @since 0.1.0
   */
  override get message(): string {
    return `invalid setting \`${this.field}\`: it must be ${this.expected}, but got ${this.received} — ${this.advice}`
  }
}
