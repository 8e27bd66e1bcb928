/**
 * Where a client keeps its rotating refresh token so that it is never lost.
 *
 * PingFederate rolls the refresh token on every refresh: the token just sent may be dead, and
 * the new one must be persisted before anything else happens. `TokenStore` is the service a
 * token manager talks to:
 *
 * - `load`: the stored record, or `undefined` when nothing was stored yet.
 * - `save(next, expected)`: compare-and-set. It writes `next` only if the stored refresh token
 *   is still `expected` (or the store is still empty when `expected` is `undefined`), and fails
 *   with `StoreConflict` otherwise. Each save bumps `generation` (a fencing number).
 * - `withRefreshLock(effect)`: runs `effect` while holding the store's exclusive refresh lock,
 *   so that of N fibers / processes sharing a store, one refreshes and the others read its
 *   result. For the file store the lock works across processes.
 *
 * The typical refresh, as a token manager does it:
 *
 * ```ts
 * const store = yield* TokenStore
 * yield* store.withRefreshLock(Effect.gen(function* () {
 *   const current = yield* store.load                  // another process may have refreshed
 *   if (current && stillValid(current)) return current
 *   const tokens = yield* refresh({ ...request, refreshToken: current!.refreshToken })
 *   return yield* store.save(toStored(tokens), current?.refreshToken)  // BEFORE handing it out
 * }))
 * ```
 *
 * Implementations: `memoryStore` (MemoryStore.ts), `fileStore` (FileStore.ts); store-redis and
 * the adapters bring their own by providing this service.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { StoreConflict, StoreError } from "./StoreError.ts"

/**
 * The record a token store keeps. Secrets stay `Redacted` in memory; the file store writes their
 * values (encrypted when a key is given) and reads them back as `Redacted`.
 *
 * @category models
 * @since 0.1.0
 */
export interface StoredToken {
  /** The current refresh token: the one to send on the next refresh. Never empty. */
  readonly refreshToken: Redacted.Redacted<string>
  /** The last access token, if it is worth keeping (lets a restarted process skip a refresh). */
  readonly accessToken?: Redacted.Redacted<string> | undefined
  /** The token type the server sent, e.g. `Bearer`. */
  readonly tokenType?: string | undefined
  /** When the access token expires, in epoch milliseconds. */
  readonly expiresAt?: number | undefined
  /** When the token set was issued, in epoch milliseconds. */
  readonly issuedAt?: number | undefined
  /** The scope granted, e.g. `MOBPROC`. */
  readonly scope?: string | undefined
  /**
   * A fingerprint (never the token itself) of the user-provisioned refresh token this one
   * descends from. An adapter compares it with the token the user typed last: when they
   * differ, the newly typed token wins over the stored one.
   */
  readonly origin?: string | undefined
  /**
   * Fingerprints (never the tokens) of access tokens an API rejected (401/403, `invalidate()`), the
   * most recent last, at most 16. No process adopts a stored access token whose fingerprint is here.
   */
  readonly rejected?: ReadonlyArray<string> | undefined
  /**
   * When the server refused THIS record's refresh token for good (`invalid_grant`, and the store held
   * nothing newer), in epoch milliseconds. No process sends a dead token again: a token manager fails
   * with `RefreshTokenDead` (or heals with its service account) until a newer token is stored or the
   * user provisions another. A save of any other record drops it.
   *
   * @since 0.2.0
   */
  readonly deadSince?: number | undefined
  /**
   * A fingerprint (never the values) of the service account whose password grant the server refused
   * (wrong password, locked or unknown account, client not allowed the grant). A process configured with
   * the same account does not try it again: one refusal, not one per process. Changing the password
   * changes the fingerprint.
   *
   * @since 0.2.0
   */
  readonly healRefused?: string | undefined
  /**
   * When a service account last re-established this token family's dead chain (epoch milliseconds):
   * written by the heal and carried on by every rotation of the family. Never a secret.
   *
   * @since 0.2.0
   */
  readonly healedAt?: number | undefined
  /**
   * The rotation generation: it rises with every save (by one, or above `supersedes`), starting at 1.
   * Within one token family (`origin`), a higher generation is a newer record: a process never adopts
   * a record of its own family with a lower generation than the one it holds (the store went back in
   * time) and writes its newer record back instead. A record of another family (a re-provisioned
   * token) is adopted whatever its generation.
   */
  readonly generation: number
  /** When this record was saved, in epoch milliseconds (from `Clock`). */
  readonly updatedAt: number
}

/**
 * What a caller hands to `save`: a `StoredToken` without the fields the store assigns
 * (`generation`, `updatedAt`). Passing a whole `StoredToken` works too: those two are ignored.
 *
 * @category models
 * @since 0.1.0
 */
export type StoredTokenInput = Omit<StoredToken, "generation" | "updatedAt"> & {
  readonly generation?: number | undefined
  readonly updatedAt?: number | undefined
  /**
   * The generation this record must rise above, besides the stored one: a process writing back the
   * newer record it holds after the store went back in time passes the generation it holds, so the
   * record keeps its place in the order. The store writes `max(stored, supersedes) + 1`.
   */
  readonly supersedes?: number | undefined
}

/**
 * The operations every token store offers. See the module comment for the refresh pattern.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenStoreShape {
  /** Where the store lives, for messages: a file path, `memory`, a Redis key… Never a secret. */
  readonly location: string
  /**
   * The stored record, or `undefined` when nothing was stored yet. A file that exists but cannot
   * be understood fails with `StoreError` (reason `Corrupt`, `WrongKey`…): it is never taken
   * for an empty store, since that would drop the token it holds.
   */
  readonly load: Effect.Effect<StoredToken | undefined, StoreError>
  /**
   * Compare-and-set: stores `next` only if the stored refresh token is still `expected`, or, with
   * `expected` `undefined`, only if the store is still empty (first save, seeding). Tokens are
   * compared in constant time. Returns the record as stored (`generation` = the greater of the
   * previous one and `next.supersedes`, + 1,
   * `updatedAt` = now). Fails with `StoreConflict` when someone else saved in between, and with
   * `StoreError` when the write failed, in which case the previous record is left intact.
   */
  readonly save: (
    next: StoredTokenInput,
    expected: Redacted.Redacted<string> | undefined,
  ) => Effect.Effect<StoredToken, StoreError | StoreConflict>
  /**
   * Runs `effect` while holding the store's exclusive refresh lock (waiting for it first).
   * Across processes for the file store; within the process for the memory store. The lock is
   * not reentrant: do not nest `withRefreshLock` on the same store. `save` does not need it
   * (it is atomic on its own) and may be called inside it. Fails with `StoreError` (operation
   * `lock`) when the lock cannot be taken in time.
   */
  readonly withRefreshLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StoreError, R>
}

/**
 * The token store service. Provide it with `layerMemoryStore`, `layerFileStore`, or your own
 * `Layer.succeed(TokenStore)(shape)`.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const store = yield* TokenStore
 *   return yield* store.load
 * }).pipe(Effect.provide(layerFileStore("/var/lib/app/tangoe-token.json")))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class TokenStore extends /* @__PURE__ */ Context.Service<TokenStore, TokenStoreShape>()(
  "@tangoe-token/core/TokenStore",
) {}
