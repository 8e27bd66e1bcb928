/**
 * A `TokenStore` that keeps the record in this process's memory: for tests, for short-lived
 * scripts, and as the model the other stores follow. Nothing survives a restart, and the
 * refresh lock only excludes fibers of this process.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { makeMemoryLock } from "./internal/store/memoryLock.ts"
import { checkExpected, invalidInputField, nextRecord } from "./internal/store/record.ts"
import { type LoadNow, type SaveNow, withSyncStep } from "./internal/store/syncFace.ts"
import { type StoreConflict, StoreError } from "./StoreError.ts"
import { type StoredToken, type StoredTokenInput, TokenStore, type TokenStoreShape } from "./TokenStore.ts"

const LOCATION = "memory"

/**
 * A memory store, optionally seeded with a record. A seed without `generation` starts at
 * generation 1; without `updatedAt` it has `updatedAt` 0 (never saved). Each call makes an
 * independent store.
 *
 * @example
 * ```ts
 * const store = memoryStore({ refreshToken: Redacted.make(process.env.TANGOE_REFRESH_TOKEN!) })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const memoryStore = (initial?: StoredTokenInput): TokenStoreShape => {
  let current: StoredToken | undefined =
    initial === undefined
      ? undefined
      : { ...nextRecord(initial, undefined, initial.updatedAt ?? 0), generation: initial.generation ?? 1 }
  // Taken by fibers, or in the caller's step by the token manager's flight without a fiber.
  const lock = makeMemoryLock()
  // One synchronous step each; the token manager takes them inside its own steps (see syncFace.ts).
  const loadNow: LoadNow = () => current
  const saveNow: SaveNow = (next, expected, now) => {
    const invalid = invalidInputField(next)
    if (invalid !== undefined) {
      return Result.fail(
        new StoreError({
          operation: "save",
          location: LOCATION,
          reason: "InvalidInput",
          detail: invalid,
        }),
      )
    }
    // Compare and set in one synchronous step: no other fiber runs in between.
    const conflict = checkExpected(LOCATION, current, expected)
    if (conflict !== undefined) return Result.fail(conflict)
    current = nextRecord(next, current, now)
    return Result.succeed(current)
  }
  return {
    location: LOCATION,
    load: withSyncStep(
      Effect.sync(() => loadNow()),
      loadNow,
    ),
    save: withSyncStep(
      (next: StoredTokenInput, expected: Redacted.Redacted<string> | undefined) =>
        Effect.clockWith((clock): Effect.Effect<StoredToken, StoreError | StoreConflict> => {
          const result = saveNow(next, expected, clock.currentTimeMillisUnsafe())
          return Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)
        }),
      saveNow,
    ),
    withRefreshLock: withSyncStep(lock.withLock, lock.lockNow),
  }
}

/**
 * A layer providing a fresh memory store (see `memoryStore`).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemoryStore = (initial?: StoredTokenInput): Layer.Layer<TokenStore> =>
  Layer.sync(TokenStore)(() => memoryStore(initial))
