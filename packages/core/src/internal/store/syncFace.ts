/**
 * A store's synchronous face: a store whose `load`, `save` or refresh lock is one synchronous step (the
 * memory store) carries that step on the effect or function itself, under a private symbol, and the
 * token manager calls it directly inside a step it is already running, instead of running the effect
 * (and, for the Promise client, runs a whole refresh without a fiber: manager/directFlight.ts).
 *
 * The face is carried by the member, not by the store object: a store spread into a new object
 * with its `save` (or `load`, or `withRefreshLock`) wrapped keeps only what it wraps, and the manager
 * then runs the wrapper.
 * What a step answers through the face is exactly what the effect would have answered.
 *
 * @internal
 */
import type * as Redacted from "effect/Redacted"
import type * as Result from "effect/Result"
import type { StoreConflict, StoreError } from "../../StoreError.ts"
import type { StoredToken, StoredTokenInput, TokenStoreShape } from "../../TokenStore.ts"

/** The symbol under which a store member carries its synchronous step. */
export const syncStep: unique symbol = Symbol.for("@tangoe-token/core/store/syncStep")

/** A `load` that can answer in the caller's step. */
export type LoadNow = () => StoredToken | undefined

/** A `save` that can answer in the caller's step; `now`: the time the effect's clock would give. */
export type SaveNow = (
  next: StoredTokenInput,
  expected: Redacted.Redacted<string> | undefined,
  now: number,
) => Result.Result<StoredToken, StoreError | StoreConflict>

/**
 * A `withRefreshLock` that can be taken in the caller's step: the release when the lock was free (and
 * is now held), `undefined` when it is not free (then the caller takes the lock the usual way).
 */
export type LockNow = () => (() => void) | undefined

/** Attaches `step` to `member` (an effect or a function), and returns `member`. */
export const withSyncStep = <M extends object, S>(member: M, step: S): M => {
  Object.defineProperty(member, syncStep, { value: step, enumerable: false })
  return member
}

/** The synchronous `load` of `store`, when its `load` carries one. */
export const loadNowOf = (store: TokenStoreShape): LoadNow | undefined =>
  (store.load as { readonly [syncStep]?: LoadNow })[syncStep]

/** The synchronous `save` of `store`, when its `save` carries one. */
export const saveNowOf = (store: TokenStoreShape): SaveNow | undefined =>
  (store.save as { readonly [syncStep]?: SaveNow })[syncStep]

/** The synchronous try-lock of `store`, when its `withRefreshLock` carries one. */
export const lockNowOf = (store: TokenStoreShape): LockNow | undefined =>
  (store.withRefreshLock as { readonly [syncStep]?: LockNow })[syncStep]
