/**
 * The adapter's one seam to @tangoe-token/core: the token client and stores it uses, and two
 * store decorators of its own (mirroring saved rotations into Node-RED's credentials, seeding
 * an empty store). Every token rule (single flight, write-ahead save, origin rule, retries,
 * invalid_grant handling) stays in core.
 *
 * @internal
 */
import { fileStore as coreFileStore, type StoreError, type TokenStoreShape } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

export {
  createTangoeApi,
  createTokenClient,
  type Environment,
  type InvalidConfig,
  isRefreshError,
  isTangoeApiError,
  memoryStore,
  REFRESH_ERROR_REASON_TAGS,
  resolvePasswordGrantRequest,
  resolveRefreshRequest,
  type TangoeApiClient,
  type TangoeApiClientOptions,
  type TangoeApiError,
  type TangoePage,
  type TokenClient,
  type TokenInfo,
} from "@tangoe-token/core"
export { originOf } from "@tangoe-token/core/store"

/** Core's token store. */
export type TokenStore = TokenStoreShape

/**
 * Core's encrypted file store (AES-256-GCM, atomic writes, cross-process lock). Built lazily by
 * the client: an unusable key then fails the first token request with a `StoreError`.
 */
export const fileStore = (
  path: string,
  options: { readonly encryptionKey: Uint8Array },
): Effect.Effect<TokenStore, StoreError> =>
  // The only option given is a Uint8Array key, so core's option check (`InvalidConfig`) cannot fail.
  coreFileStore(path, { encryptionKey: Redacted.make(options.encryptionKey) }).pipe(
    Effect.catchTag("InvalidConfig", Effect.die),
  )

/** What a store decorator learns after each durable save: the new refresh token and its origin. */
export interface SavedRotation {
  readonly refreshToken: string
  readonly origin: string | undefined
}

/** A store that calls `onSaved` after each durable save (never before: write-ahead stays core's). */
export const mirrorSaves = (store: TokenStore, onSaved: (saved: SavedRotation) => void): TokenStore => ({
  location: store.location,
  load: store.load,
  save: (next, expected) =>
    store
      .save(next, expected)
      .pipe(
        Effect.tap((saved) =>
          Effect.sync(() =>
            onSaved({ refreshToken: Redacted.value(saved.refreshToken), origin: saved.origin }),
          ),
        ),
      ),
  withRefreshLock: store.withRefreshLock,
})

/** A rotated refresh token to put into an empty store, stamped with the family it descends from. */
export interface Seed {
  readonly refreshToken: string
  readonly origin: string
}

/**
 * A store that, when found empty, first saves `seed` (compare-and-set against "empty", so a
 * concurrent first save wins) and then reads on as usual.
 */
export const seedWhenEmpty = (store: TokenStore, seed: Seed | undefined): TokenStore =>
  seed === undefined
    ? store
    : {
        ...store,
        load: Effect.flatMap(store.load, (record) =>
          record !== undefined
            ? Effect.succeed(record)
            : store
                .save({ refreshToken: Redacted.make(seed.refreshToken), origin: seed.origin }, undefined)
                .pipe(Effect.catchTag("StoreConflict", () => store.load)),
        ),
      }
