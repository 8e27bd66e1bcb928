/**
 * Everything a token manager can fail with: `TokenManagerError`, the union of the token request's
 * errors, the store's, and the two failures that belong to the manager itself:
 *
 * - `NotProvisioned`: there is no refresh token at all: the store is empty and none was given.
 * - `TokenManagerClosed`: the manager (or the Promise client) was closed.
 *
 * Neither carries a token. Each message says what to do.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { InvalidConfig } from "./InvalidConfig.ts"
import type { RefreshError } from "./RefreshError.ts"
import type { StoreError } from "./StoreError.ts"

/**
 * Any error a token manager's `get` or `refreshNow` can fail with: the token request's
 * (`RefreshError`, whose `reason` says what happened), invalid settings (`InvalidConfig`), the
 * store's (`StoreError`), and the manager's own (`NotProvisioned`, `TokenManagerClosed`).
 *
 * @category models
 * @since 0.1.0
 */
export type TokenManagerError =
  | RefreshError
  | InvalidConfig
  | StoreError
  | NotProvisioned
  | RefreshTokenDead
  | TokenManagerClosed

/**
 * No refresh token to refresh with: the token store is empty and no refresh token was
 * provisioned. Nothing was sent.
 *
 * @example
 * ```ts
 * Effect.catchTag(manager.get, "NotProvisioned", (e) => Console.error(e.message))
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class NotProvisioned extends /* @__PURE__ */ Data.TaggedError("NotProvisioned")<{
  /** Where the store lives (a file path, `memory`…). */
  readonly location: string
}> {
  /**
   * What is missing and what to do.
   *
   * @since 0.1.0
   */
  override get message(): string {
    return `no refresh token: token store ${this.location} is empty and no refresh token was provisioned — pass \`refreshToken\` (the one Tangoe issued for this client), or store one first (for example with \`tangoe-token init\`)`
  }
  /** Never: someone has to provide a refresh token. */
  get retryable(): boolean {
    return false
  }
  /** No: nothing was sent. */
  get ambiguous(): boolean {
    return false
  }
}

/**
 * The refresh token the manager would send was already refused by the server for good
 * (`invalid_grant`, with nothing newer in the store), by this process or another sharing the store, at
 * `since`. It is NOT sent again: a server may lock out or flag a client that keeps sending a dead token.
 * Nothing was sent. It ends when a newer token is stored (another process, `tangoe-token init`), the
 * user provisions another refresh token, or a service account heals the chain; `healRefused` says why
 * a configured service account did not (its grant was refused: fix its settings).
 *
 * @category errors
 * @since 0.2.0
 */
export class RefreshTokenDead extends /* @__PURE__ */ Data.TaggedError("RefreshTokenDead")<{
  /** Where the store lives (a file path, `memory`…). */
  readonly location: string
  /** When the server refused the token, in epoch milliseconds. */
  readonly since: number
  /** Why the service account did not heal the chain (the reason tag of its refused grant), if one is set. */
  readonly healRefused?: string | undefined
}> {
  /**
   * What happened and what to do.
   *
   * @since 0.2.0
   */
  override get message(): string {
    const act =
      this.healRefused === undefined
        ? "provision a new refresh token (pass `refreshToken`, or store one, for example with `tangoe-token init`), or configure a service account to heal the chain"
        : `the service account's grant was refused too (${this.healRefused}): fix \`serviceAccount\` (its username or password), or provision a new refresh token`
    return `the refresh token in token store ${this.location} was refused by the server for good at ${new Date(this.since).toISOString()} and is not sent again — ${act}`
  }
  /** Never: someone has to provide new credentials. */
  get retryable(): boolean {
    return false
  }
  /** No: nothing was sent. */
  get ambiguous(): boolean {
    return false
  }
}

/**
 * The token manager was closed (its scope ended, or `close()` was called on the client): it
 * refreshes nothing and hands out nothing any more. An in-flight refresh that was cancelled by
 * the close ends with this error too; a rotated token already received is saved before the
 * close completes.
 *
 * @category errors
 * @since 0.1.0
 */
export class TokenManagerClosed extends /* @__PURE__ */ Data.TaggedError("TokenManagerClosed")<
  Record<never, never>
> {
  /**
   * What happened and what to do.
   *
   * @since 0.1.0
   */
  override get message(): string {
    return "the token manager was closed — create a new token client (or manager) to get tokens again"
  }
  /** Never. */
  get retryable(): boolean {
    return false
  }
  /** No. */
  get ambiguous(): boolean {
    return false
  }
}
