/**
 * What a token manager reports as it works: one event per refresh, per adoption of a token another
 * process stored, per failure, and per save of a rotated refresh token. Listen with
 * `manager.subscribe(listener)` (Effect) or `client.on(type, listener)` (Promise).
 *
 * No event ever carries a token or a secret: only dates, generations, the store location and the
 * error (whose message is secret-free by construction).
 *
 * @since 0.1.0
 */
import type { RefreshError } from "./RefreshError.ts"
import type { StoreError } from "./StoreError.ts"
import type { TokenManagerError } from "./TokenManagerError.ts"

/**
 * A new access token was obtained from the server and its refresh token saved; it is now handed out.
 *
 * @category models
 * @since 0.1.0
 */
export interface RefreshedEvent {
  readonly type: "refreshed"
  /** When the refresh completed. */
  readonly at: Date
  /** When the new access token expires. */
  readonly expiresAt: Date
  /** When the manager will refresh it (the refresh-ahead point, jittered). */
  readonly refreshAt: Date
  /** Whether the server sent a new refresh token (it rotated). */
  readonly rotated: boolean
  /** The store generation of the saved record. */
  readonly generation: number
}

/**
 * The manager took the token held by its store instead of its own (another process refreshed, or
 * this is the first read of the store). Nothing was sent to the server.
 *
 * @category models
 * @since 0.1.0
 */
export interface AdoptedFromStoreEvent {
  readonly type: "adoptedFromStore"
  readonly at: Date
  /** When the stored access token expires, if the store holds one. */
  readonly expiresAt?: Date | undefined
  /** The store generation of the record adopted. */
  readonly generation: number
}

/**
 * A refresh (or the store work around it) failed. `servedPrevious` is `true` when callers got the
 * previous, still valid access token instead of the error; the manager tries again later.
 *
 * @category models
 * @since 0.1.0
 */
export interface RefreshFailedEvent {
  readonly type: "refreshFailed"
  readonly at: Date
  /** The error (its `message` says what to do). */
  readonly error: TokenManagerError
  /** Whether callers were served the previous, still valid access token. */
  readonly servedPrevious: boolean
}

/**
 * A token request failed in a way that is safe to retry, and the retry policy scheduled another
 * attempt: what failed, when the next attempt starts and, with core's default schedule, the last
 * moment a retry may start (after that the refresh fails with the last error, and `refreshFailed`
 * follows). One event per scheduled retry; a failure that is not retried emits none.
 *
 * @category models
 * @since 0.4.0
 */
export interface RetryScheduledEvent {
  readonly type: "retryScheduled"
  /** When the failure was seen. */
  readonly at: Date
  /** What failed (its `message` says what happened; never a secret). */
  readonly error: RefreshError
  /** The number of the attempt that failed: 1 for the first. */
  readonly attempt: number
  /** When the next attempt starts. */
  readonly nextAttemptAt: Date
  /**
   * No retry starts after this: the retry budget ends (the default schedule's two minutes from the
   * first failure). Absent when a caller's own schedule decides, which core cannot foresee.
   */
  readonly giveUpAt?: Date | undefined
}

/**
 * A rotated refresh token was saved durably to the store (write-ahead: before its access token was
 * handed to anyone).
 *
 * @category models
 * @since 0.1.0
 */
export interface RotationSavedEvent {
  readonly type: "rotationSaved"
  readonly at: Date
  /** The store generation written. */
  readonly generation: number
  /** Where the store lives. */
  readonly location: string
  /** Whether this save caught up on an earlier save that had failed. */
  readonly recovered: boolean
}

/**
 * A rotated refresh token could NOT be saved. The manager keeps it in memory (status
 * `unsavedRotation: true`), never goes back to the old one, retries the save on the next `get`, and
 * fails `get` with the `StoreError` until the store accepts it. Fix the store (see the message).
 *
 * @category models
 * @since 0.1.0
 */
export interface SaveFailedEvent {
  readonly type: "saveFailed"
  readonly at: Date
  /** Why the save failed, and what to do. */
  readonly error: StoreError
  /** How many save attempts this report covers. */
  readonly attempts: number
  /** Where the store lives. */
  readonly location: string
}

/**
 * The store went back in time: it held an OLDER record of the token family this manager follows
 * (Redis restarted from an old snapshot, a failover to a replica that lagged, a token file restored
 * from a backup). Its refresh token is dead, so it was not adopted: the manager wrote its newer
 * record back (compare-and-set on the older one) and goes on with it. Generations only, never a token.
 * Investigate why the store lost writes (e.g. Redis without AOF, backups restored over a live file).
 *
 * @category models
 * @since 0.1.0
 */
export interface StoreRolledBackEvent {
  readonly type: "storeRolledBack"
  readonly at: Date
  /** Where the store lives. */
  readonly location: string
  /** The generation the store held (older). */
  readonly storedGeneration: number
  /** The generation this manager held (newer). */
  readonly heldGeneration: number
  /** The generation written back (above both). */
  readonly generation: number
}

/**
 * The manager got a new chain with its service account (a password grant) and saved it write-ahead,
 * like a rotation: `reason` is `"bootstrap"` (no refresh token anywhere yet) or `"deadChain"` (the server
 * refused the refresh token for good and the store held nothing newer). `cause` names what killed the
 * chain (`InvalidGrant`, `RefreshTokenDead`) or `NotProvisioned` for a bootstrap. Never a secret.
 *
 * @category models
 * @since 0.2.0
 */
export interface ChainReestablishedEvent {
  readonly type: "chainReestablished"
  readonly at: Date
  /** Why a grant was needed. */
  readonly reason: "bootstrap" | "deadChain"
  /** What ended the previous chain (or `NotProvisioned`: there was none). */
  readonly cause: string
  /** The store generation of the saved record. */
  readonly generation: number
  /** When the new access token expires. */
  readonly expiresAt: Date
}

/**
 * The server refused the refresh token for good (`invalid_grant`, and the store held nothing newer).
 * The manager remembers it (in the store too, as a mark on the record, never the token) and never sends
 * it again; `willHeal` says whether the service account heals the chain now.
 *
 * @category models
 * @since 0.2.0
 */
export interface RefreshTokenDeadEvent {
  readonly type: "refreshTokenDead"
  readonly at: Date
  /** Where the store lives. */
  readonly location: string
  /** Whether a service account takes a new grant now. */
  readonly willHeal: boolean
}

/**
 * Everything a token manager reports.
 *
 * @category models
 * @since 0.1.0
 */
export type TokenEvent =
  | RefreshedEvent
  | AdoptedFromStoreEvent
  | RefreshFailedEvent
  | RotationSavedEvent
  | SaveFailedEvent
  | StoreRolledBackEvent
  | RetryScheduledEvent
  | ChainReestablishedEvent
  | RefreshTokenDeadEvent

/**
 * The event names: `"refreshed" | "adoptedFromStore" | "refreshFailed" | "rotationSaved" | "saveFailed"
 * | "storeRolledBack" | "retryScheduled" | "chainReestablished" | "refreshTokenDead"`.
 *
 * @category models
 * @since 0.1.0
 */
export type TokenEventType = TokenEvent["type"]

/**
 * The event of a given name.
 *
 * @category models
 * @since 0.1.0
 */
export type TokenEventOf<T extends TokenEventType> = Extract<TokenEvent, { readonly type: T }>

/**
 * A listener. It is called synchronously; what it throws is ignored (it cannot break a refresh).
 *
 * @category models
 * @since 0.1.0
 */
export type TokenEventListener<T extends TokenEventType = TokenEventType> = (event: TokenEventOf<T>) => void
