/**
 * The token manager: hands out a valid access token and never loses a rotated refresh token.
 *
 * - `get` serves the access token from memory while more than `refreshAhead` (default 5 minutes,
 *   jittered down by up to 20%, clamped to half the token's lifetime) is left: no store read, no
 *   network. Past that point it refreshes.
 * - Single flight: however many callers arrive at expiry, one refresh runs and they all get its
 *   result. Across processes the store's refresh lock does the same.
 * - Inside the lock it re-reads the store first: if another process already refreshed, it adopts
 *   that token and sends nothing.
 * - Write-ahead: the rotated refresh token is saved (compare-and-set) BEFORE the new access token
 *   is handed to anyone. If the save fails, the new refresh token stays in memory (status
 *   `unsavedRotation`), a `saveFailed` event fires, `get` fails with the `StoreError` and retries
 *   the save next time; the old refresh token is never used again.
 * - `invalid_grant`: the store is re-read once; a newer token there is used, otherwise `get` fails
 *   with a `RefreshError` of reason `InvalidGrant` (re-provision; after an ambiguous attempt the message says a lost response
 *   probably consumed the token).
 * - A refresh token the server refused for good is remembered (in memory, and as `deadSince` on the
 *   stored record) and never sent again: `get` fails at once with `RefreshTokenDead` until a newer token
 *   is stored or another is provisioned.
 * - `serviceAccount`: with no refresh token anywhere, the first `get` takes a password grant and saves it
 *   write-ahead; with `selfHeal` (its default) a dead chain gets ONE new grant under the lock and
 *   compare-and-set (`chainReestablished`), never after a refused grant or `invalid_client`.
 * - Provisioned vs stored: the `refreshToken` option seeds an empty store. A stored token that
 *   descends from it (same `origin` fingerprint) wins over it, since the provisioned value is
 *   stale by design once rotated; a stored token that descends from ANOTHER provisioned token loses
 *   to it (the user re-provisioned). A stored record without `origin` is kept.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { HttpTransport } from "./HttpTransport.ts"
import { makeEmitter } from "./internal/manager/emitter.ts"
import { defaultSaveRetry as internalDefaultSaveRetry, makeTokenEngine } from "./internal/manager/make.ts"
import { DEFAULT_REFRESH_AHEAD_MILLIS } from "./internal/manager/timing.ts"
import type { ServiceAccount } from "./PasswordGrant.ts"
import type { RefreshRequest, Secret } from "./RefreshRequest.ts"
import type { RetryOptions } from "./RetryPolicy.ts"
import type { StoreError } from "./StoreError.ts"
import type { TokenEvent } from "./TokenEvents.ts"
import type { TokenManagerError } from "./TokenManagerError.ts"
import { TokenStore } from "./TokenStore.ts"

/**
 * The access token a manager hands out.
 *
 * @category models
 * @since 0.1.0
 */
export interface AccessToken {
  /** The access token, for `Authorization: <tokenType> <token>`. */
  readonly token: Redacted.Redacted<string>
  /** The token type, `Bearer`. */
  readonly tokenType: string
  /** When it expires, in epoch milliseconds. */
  readonly expiresAt: number
  /** The granted scope, when known. */
  readonly scope?: string
}

/**
 * What a manager is doing and how its token stands. Never holds a secret.
 *
 * - `empty`: no token yet (nothing fetched) and no error.
 * - `valid`: the access token is good and not due for refresh.
 * - `expiring`: past the refresh-ahead point (the next `get` refreshes).
 * - `refreshing`: a refresh is in flight.
 * - `error`: the last refresh failed and no valid token is held, or a rotated token is unsaved.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenStatus {
  readonly state: "empty" | "valid" | "expiring" | "refreshing" | "error"
  /** When the held access token expires. */
  readonly validUntil?: Date
  /** When the manager will refresh it (refresh-ahead point, jittered). */
  readonly refreshAt?: Date
  /** When this manager last refreshed over the network. */
  readonly lastRefreshAt?: Date
  /**
   * The last failure, cleared by the next success: its `_tag`, for a `RefreshError` its reason's tag
   * (`InvalidGrant`…), and its message. Never a secret.
   */
  readonly lastError?: { readonly _tag: string; readonly reason?: string; readonly message: string }
  /** `true` while a rotated refresh token is held in memory because the store refused it: fix the store. */
  readonly unsavedRotation: boolean
  /** How many refreshes this manager sent successfully. */
  readonly refreshCount: number
  /**
   * Whether a service account is configured, and whether it heals a dead chain (`selfHeal`).
   *
   * @since 0.2.0
   */
  readonly serviceAccount?: { readonly selfHeal: boolean } | undefined
  /**
   * The last time this manager got a new chain with its service account, and why (`bootstrap`: no
   * refresh token yet; `deadChain`: the server refused the refresh token for good).
   *
   * @since 0.2.0
   */
  readonly lastHeal?: { readonly at: Date; readonly reason: "bootstrap" | "deadChain" } | undefined
  /**
   * Set while the refresh token held is known dead (the server refused it for good, here or in another
   * process sharing the store): it is not sent again. `since` is when it was refused.
   *
   * @since 0.2.0
   */
  readonly deadRefreshToken?: { readonly since: Date } | undefined
}

/**
 * How a manager gets and keeps its token.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenManagerOptions {
  /** The refresh request minus the refresh token: environment, clientId, clientSecret, scope, placement, clientAuth, timeout. */
  readonly request: Omit<RefreshRequest, "refreshToken">
  /**
   * The refresh token the user provisioned. It seeds an empty store; see the module description for
   * how it competes with a stored token. `undefined` or `null`: none was provisioned, the store must
   * hold one (otherwise `get` fails with `NotProvisioned` and nothing is sent). An empty or
   * whitespace-only string is an `InvalidConfig`.
   */
  readonly refreshToken?: Secret | null | undefined
  /** Refresh when less than this is left; default 5 minutes; jittered down by up to 20%; clamped to half the token lifetime. */
  readonly refreshAhead?: Duration.Input | undefined
  /** The retry policy of one refresh (see `withRefreshRetry`); `false`: one attempt. Default: core's rotation-safe policy. */
  readonly retry?: RetryOptions | false | undefined
  /**
   * How long the server keeps accepting a refresh token after it rotated (PingFederate's grace period),
   * when known. It lets the retry policy retry an ambiguous attempt. Default: none.
   */
  readonly rotationGracePeriod?: Duration.Input | undefined
  /** Refresh in the background at each refresh-ahead point; default `false`. Its timers never keep the process alive. */
  readonly keepWarm?: boolean | undefined
  /** Retries of a failed save of a rotated token, within one `get`; default 3 retries from 100 ms, doubling. */
  readonly saveRetry?: Schedule.Schedule<unknown, StoreError> | undefined
  /**
   * A Tangoe service account (`{ username, password }`): when neither the store nor `refreshToken` holds
   * a refresh token, the first `get` takes a password grant with it and saves the new chain write-ahead,
   * like a rotation. With `selfHeal` (the default when it is given) it also re-establishes a dead chain.
   * It costs this: the password lives in the process's configuration. See the README.
   *
   * @since 0.2.0
   */
  readonly serviceAccount?: ServiceAccount | undefined
  /**
   * With a `serviceAccount`: when the chain is dead (`invalid_grant`, and the store, read again, holds
   * nothing newer), take ONE new password grant under the store's lock and compare-and-set, so that N
   * processes sharing the store take one grant between them. Never more than one grant per dead chain;
   * a failed grant is reported, not retried in a burst; never after `invalid_client` or a refused
   * password. Default `true` when `serviceAccount` is given; `false` keeps the account for the first
   * grant only.
   *
   * @since 0.2.0
   */
  readonly selfHeal?: boolean | undefined
}

/**
 * The manager's operations.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenManagerShape {
  /** A valid access token: from memory, from the store, or refreshed (one refresh for all concurrent callers). */
  readonly get: Effect.Effect<AccessToken, TokenManagerError>
  /**
   * Refreshes now (joining a refresh already in flight), unless another process refreshed since
   * the call: then its token is adopted and nothing is sent.
   */
  readonly refreshNow: Effect.Effect<AccessToken, TokenManagerError>
  /**
   * The API answered 401 (or 403) for `rejected` (default: the current token): it is never handed out
   * again, here or by any process sharing the store: the store records its fingerprint (never the
   * token) and drops it from its record. Recording in the store is best effort: a failing store is
   * logged, and this process still never hands the token out.
   */
  readonly invalidate: (rejected?: Redacted.Redacted<string>) => Effect.Effect<void>
  /** The current status. */
  readonly status: Effect.Effect<TokenStatus>
  /** Calls `listener` for every event until the returned function is called. */
  readonly subscribe: (listener: (event: TokenEvent) => void) => () => void
}

/**
 * The default refresh-ahead: 5 minutes.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_REFRESH_AHEAD: Duration.Duration = /* @__PURE__ */ Duration.millis(
  DEFAULT_REFRESH_AHEAD_MILLIS,
)

/**
 * The default retries of a failed save: 3 retries, 100 ms then doubling.
 *
 * @category constants
 * @since 0.1.0
 */
export const defaultSaveRetry: Schedule.Schedule<unknown, StoreError> = internalDefaultSaveRetry

/**
 * The token manager service.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const manager = yield* TokenManager
 *   const { token } = yield* manager.get
 *   // fetch(url, { headers: { authorization: `Bearer ${Redacted.value(token)}` } })
 * }).pipe(
 *   Effect.provide(TokenManager.layer({ request: { environment: "qa", clientId, clientSecret, scope: "MOBPROC" }, refreshToken })),
 *   Effect.provide(layerFileStore("/var/lib/app/tangoe-token.json")),
 * )
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class TokenManager extends /* @__PURE__ */ Context.Service<TokenManager, TokenManagerShape>()(
  "@tangoe-token/core/TokenManager",
) {
  /**
   * Makes a manager that lives as long as the scope: closing it cancels keep-warm and any refresh
   * in flight (a rotated token already received is still saved first). The HTTP transport is the
   * `HttpTransport` in context (Node's HTTP client by default: `nodeHttpTransport`).
   *
   * @since 0.1.0
   */
  static make(
    options: TokenManagerOptions,
  ): Effect.Effect<TokenManagerShape, never, TokenStore | Scope.Scope> {
    return Effect.gen(function* () {
      const store = yield* TokenStore
      const transport = yield* HttpTransport
      const scope = yield* Effect.scope
      const emitter = makeEmitter()
      yield* Scope.addFinalizer(scope, Effect.sync(emitter.clear))
      const engine = yield* makeTokenEngine(options, store, transport, scope, emitter)
      return {
        get: engine.get,
        refreshNow: engine.refreshNow,
        invalidate: engine.invalidate,
        status: engine.status,
        subscribe: emitter.subscribe,
      }
    })
  }

  /**
   * A layer of `make`: the manager lives as long as the layer.
   *
   * @since 0.1.0
   */
  static layer(options: TokenManagerOptions): Layer.Layer<TokenManager, never, TokenStore> {
    return Layer.effect(TokenManager)(TokenManager.make(options))
  }
}
