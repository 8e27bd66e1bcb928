/**
 * A `TokenStore` on Redis, so that many processes and hosts sharing one Tangoe client never race
 * each other's refresh: with a rotating refresh token, the loser of a race would spend the token
 * the winner just received.
 *
 * - `load` reads one hash (`HMGET`); nothing else runs in the background: a token manager that
 *   holds a valid access token costs Redis nothing.
 * - `save(next, expected)` is compare-and-set in one Lua script: it writes only if the stored
 *   refresh token is still `expected` (compared by SHA-256 fingerprint, so it works on encrypted
 *   values) and the generation has not moved; it bumps `generation` (the fencing number). The
 *   scripts are sent once and then called by their SHA-1 (`EVALSHA`; `EVAL` again after a
 *   `NOSCRIPT`, e.g. after a Redis restart).
 * - `withRefreshLock(effect)` holds a lease lock (`SET NX PX` with a random owner value), renewed
 *   every third of the lease while `effect` runs and released by its owner only. A save made
 *   under a lease that expired while another process took the lock is refused (fencing):
 *   a process paused past its lease cannot overwrite what the new holder does.
 * - Values are token-file text (core's `storeCodec`, the file store's format): plain JSON, or AES-256-GCM with a raw key
 *   or a scrypt passphrase, exactly the file store's scheme.
 * - Redis unreachable: every operation fails at once with a `StoreError` (reason `Io`) naming the
 *   URL without its password; the client reconnects in the background with backoff. Nothing is
 *   queued, nothing hangs, no token is dropped: a failed save leaves the previous value intact.
 *
 * @since 0.1.0
 */
import type { ConnectionOptions } from "node:tls"
import {
  type InvalidConfig,
  StoreConflict,
  type StoredToken,
  type StoredTokenInput,
  type StoreError,
  TokenStore,
  type TokenStoreShape,
} from "@tangoe-token/core"
import {
  durationOption,
  encryptionKeyOption,
  refreshTokenFingerprint as fingerprint,
  invalidStoredTokenInput,
  LOCK_LEASE_RANGE,
  LOCK_TIMEOUT_RANGE,
  type MillisRange,
  nextStoredToken,
  type StoreCodecError,
  sameFingerprint,
  storeCodec,
  TIMER_RANGE,
} from "@tangoe-token/core/store"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import { openConnection } from "./internal/connection.ts"
import { parseEndpoint } from "./internal/endpoint.ts"
import { isEvicting, type PolicyReading, readEvictionPolicy } from "./internal/evictionPolicy.ts"
import { type EnvironmentName, storeKeys } from "./internal/keys.ts"
import { CurrentLease, makeRefreshLock } from "./internal/lease.ts"
import { runScript, SAVE } from "./internal/scripts.ts"
import { LEASE_LOST, storeErrors } from "./internal/storeError.ts"
import { RedisStoreConfigError } from "./RedisStoreConfigError.ts"

export type { PolicyReading, PolicySource } from "./internal/evictionPolicy.ts"

/**
 * Options of `redisStore`.
 *
 * @category models
 * @since 0.1.0
 */
export interface RedisStoreOptions {
  /**
   * The server: `redis://[user[:password]@]host[:port][/db]`, or `rediss://…` for TLS. The
   * password may be given here (percent-encoded) or in `password`. Pass it `Redacted` when it
   * carries a password you do not want in memory dumps of your options.
   */
  readonly url: string | Redacted.Redacted<string>
  /** The Tangoe environment of the client: `"production"`, `"qa"`, or `{ tokenUrl }`. Part of the key. */
  readonly environment: EnvironmentName
  /** The client id whose token this is. Part of the key (hashed, never in clear). */
  readonly clientId: string
  /** Replaces `<environment>:<client id hash>` in the keys, e.g. to share a token across renamed clients. */
  readonly namespace?: string | undefined
  /** The first part of every key. Default `tangoe-token`. */
  readonly keyPrefix?: string | undefined
  /** The ACL user name; overrides the URL's. */
  readonly username?: string | undefined
  /** The password; overrides the URL's. */
  readonly password?: string | Redacted.Redacted<string> | undefined
  /** The database number; overrides the URL's path. Default 0. */
  readonly database?: number | undefined
  /** TLS settings (CA, client certificate, servername…), used with a `rediss://` URL. */
  readonly tls?: ConnectionOptions | undefined
  /**
   * Encrypts values at rest with AES-256-GCM, exactly as core's file store does: 32 raw bytes,
   * or a passphrase (scrypt). Every process sharing the store needs the same key. Without it
   * values are plain JSON: protect Redis itself (ACL, TLS, no public port). Best wrapped with
   * `Redacted.make`; a plain `Uint8Array` or string is accepted and wrapped at once.
   */
  readonly encryptionKey?: Redacted.Redacted<Uint8Array | string> | Uint8Array | string | undefined
  /**
   * The lease of the refresh lock: renewed every third of it while a refresh runs; a holder that
   * dies loses the lock this long after its last renewal. From 100 ms to 1 hour (core's
   * `LOCK_LEASE_RANGE`); zero or a negative lease is refused. Default 10 s.
   */
  readonly lockLease?: Duration.Input | undefined
  /** How long `withRefreshLock` waits for a lock held by another process: 1 ms to 1 hour. Default 30 s. */
  readonly lockTimeout?: Duration.Input | undefined
  /**
   * How long one connection attempt may take, and how long the first operation waits for the first
   * connection: 1 ms to 2^31 - 1 ms (what Node's timers accept). Default 5 s.
   */
  readonly connectTimeout?: Duration.Input | undefined
  /** How long one command may take: 1 ms to 2^31 - 1 ms (what Node's timers accept). Default 5 s. */
  readonly commandTimeout?: Duration.Input | undefined
  /**
   * Lets the process exit while the connection is open and idle (a short-lived CLI, a script).
   * Default `false`: an open store keeps the process alive until `close()`.
   */
  readonly unref?: boolean | undefined
  /** The reconnect backoff: exponential from `min` (default 100 ms) to `max` (default 2 s), jittered; each 1 ms to 2^31 - 1 ms. */
  readonly reconnectDelay?:
    | { readonly min?: Duration.Input | undefined; readonly max?: Duration.Input | undefined }
    | undefined
  /**
   * Accept a server whose `maxmemory-policy` may evict the token key (`allkeys-lru`, `allkeys-lfu`,
   * `allkeys-random`). Default `false`: every operation then fails with a `StoreError` (reason
   * `EvictionPolicy`) telling to set `maxmemory-policy noeviction`, because an evicted token key is a
   * lost refresh token (callers end with `InvalidGrant`). Set it only when the token key cannot be
   * evicted for another reason (e.g. memory is never full), and you accept the risk.
   *
   * @since 0.2.0
   */
  readonly allowEvictingPolicy?: boolean | undefined
}

/**
 * A Redis token store: a `TokenStore` service value plus what it needs to be shut down.
 *
 * @category models
 * @since 0.1.0
 */
export interface RedisTokenStore extends TokenStoreShape {
  /** The server, as a URL without its password, e.g. `redis://app@cache:6379/0`. */
  readonly url: string
  /** The key of the token hash. */
  readonly tokenKey: string
  /** The key of the refresh lock. */
  readonly lockKey: string
  /** Whether the client is connected now (it reconnects in the background when not). */
  readonly isConnected: () => boolean
  /** Quits the Redis client. Idempotent; operations after it fail with `StoreError`. */
  readonly close: () => Promise<void>
  /**
   * The server's `maxmemory-policy` as read when the current connection became ready (from
   * `CONFIG GET`, or `INFO memory` where CONFIG is disabled), or `undefined` before the first
   * operation. `source: "unreadable"` when neither could be read: the store then proceeds (and emits
   * a process warning, code `TANGOE_REDIS_POLICY_UNKNOWN`), since it cannot tell.
   *
   * @since 0.2.0
   */
  readonly evictionPolicy: () => PolicyReading | undefined
}

/** A duration option within `range`, in ms, or a `RedisStoreConfigError` naming it (core's rule). */
const millis = (field: string, value: unknown, range: MillisRange, fallback: number): number =>
  fromCore(durationOption(field, value, range, fallback))

/** Core's `InvalidConfig` as this package's error (same field, same expectation). */
const fromCore = <A>(checked: Result.Result<A, InvalidConfig>): A => {
  if (Result.isSuccess(checked)) return checked.success
  throw new RedisStoreConfigError({ field: checked.failure.field, expected: checked.failure.expected })
}

const asString = (u: unknown): string | undefined =>
  typeof u === "string" ? u : u instanceof Buffer ? u.toString("utf8") : undefined

/** The reply of the save script: `[status, generation]`. */
const parseSaveReply = (reply: unknown): { status: string; generation: string } | undefined => {
  if (!Array.isArray(reply)) return undefined
  const status = asString(reply[0])
  const generation = asString(reply[1])
  return status === undefined || generation === undefined ? undefined : { status, generation }
}

/**
 * A Redis token store. Connects in the background at once; the first operation waits for that
 * connection at most `connectTimeout`. Usable as `store` of core's `createTokenClient`, or as the
 * `TokenStore` service (`layerRedisStore` does that and closes it with the layer). Call
 * `close()` when done, or the open connection keeps the process alive.
 *
 * Throws `RedisStoreConfigError` when an option is not usable (the message never quotes the URL).
 *
 * @example
 * ```ts
 * import { createTokenClient } from "@tangoe-token/core"
 * import { redisStore } from "@tangoe-token/store-redis"
 *
 * const store = redisStore({ url: process.env.REDIS_URL!, environment: "production", clientId })
 * const client = createTokenClient({ environment: "production", clientId, clientSecret, scope: "MOBPROC", store })
 * // …
 * await client.close()
 * await store.close()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const redisStore = (options: RedisStoreOptions): RedisTokenStore => {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new RedisStoreConfigError({
      field: "options",
      expected: "an object with url, environment and clientId",
    })
  }
  const endpoint = parseEndpoint(options.url, options)
  const keys = storeKeys({
    prefix: options.keyPrefix === undefined ? "tangoe-token" : options.keyPrefix,
    namespace: options.namespace,
    environment: options.environment,
    clientId: options.clientId,
  })
  const codecResult = storeCodec({ encryptionKey: fromCore(encryptionKeyOption(options.encryptionKey)) })
  if (Result.isFailure(codecResult)) {
    throw new RedisStoreConfigError({
      field: "encryptionKey",
      expected: `a usable key: ${codecResult.failure.detail ?? "a Redacted passphrase or 32 bytes"}`,
    })
  }
  const codec = codecResult.success
  const leaseMs = millis("lockLease", options.lockLease, LOCK_LEASE_RANGE, 10_000)
  const lockTimeoutMs = millis("lockTimeout", options.lockTimeout, LOCK_TIMEOUT_RANGE, 30_000)
  const connectTimeoutMs = millis("connectTimeout", options.connectTimeout, TIMER_RANGE, 5_000)
  const commandTimeoutMs = millis("commandTimeout", options.commandTimeout, TIMER_RANGE, 5_000)
  const reconnect: unknown = options.reconnectDelay
  if (reconnect !== undefined && (typeof reconnect !== "object" || reconnect === null)) {
    throw new RedisStoreConfigError({ field: "reconnectDelay", expected: "{ min?, max? } durations" })
  }
  const reconnectMinMs = millis("reconnectDelay.min", options.reconnectDelay?.min, TIMER_RANGE, 100)
  const reconnectMaxMs = millis("reconnectDelay.max", options.reconnectDelay?.max, TIMER_RANGE, 2_000)

  for (const field of ["allowEvictingPolicy", "unref"] as const) {
    const value: unknown = options[field]
    if (value !== undefined && typeof value !== "boolean") {
      throw new RedisStoreConfigError({ field, expected: "true or false" })
    }
  }
  const tls: unknown = options.tls
  if (tls !== undefined && (typeof tls !== "object" || tls === null || Array.isArray(tls))) {
    throw new RedisStoreConfigError({ field: "tls", expected: "TLS connection options (an object)" })
  }
  const allowEvicting = options.allowEvictingPolicy === true

  const location = `${endpoint.display} key ${keys.token}`
  const error = storeErrors(location)
  let policyReading: PolicyReading | undefined
  let warnedUnreadable = false
  const connection = openConnection({
    verify: async (send) => {
      const reading = await readEvictionPolicy(send)
      policyReading = reading
      if (reading.source === "unreadable" && !warnedUnreadable) {
        warnedUnreadable = true
        process.emitWarning(
          `cannot read maxmemory-policy of ${endpoint.display} (CONFIG and INFO are both denied): make sure it is noeviction, or the token key may be evicted`,
          { code: "TANGOE_REDIS_POLICY_UNKNOWN" },
        )
      }
      return isEvicting(reading.policy) && !allowEvicting
        ? { reason: "EvictionPolicy", detail: reading.policy }
        : undefined
    },
    endpoint,
    tls: options.tls,
    connectTimeoutMs,
    commandTimeoutMs,
    reconnectMinMs,
    reconnectMaxMs: Math.max(reconnectMinMs, reconnectMaxMs),
    unref: options.unref === true,
    error,
  })
  const withRefreshLock = makeRefreshLock({
    connection,
    lockKey: keys.lock,
    leaseMs,
    timeoutMs: lockTimeoutMs,
    error,
  })

  const codecError = (operation: "load" | "save") => (f: StoreCodecError) =>
    error({ operation, reason: f.reason, detail: f.detail })

  /** `[generation, fp, data]` of the stored hash, each undefined when absent. */
  const readHash = (operation: "load" | "save") =>
    Effect.gen(function* () {
      const reply = yield* Effect.catchIf(
        connection.send(operation, ["HMGET", keys.token, "generation", "fp", "data"]),
        (e) => e.detail === "WRONGTYPE",
        () => Effect.fail(error({ operation, reason: "Corrupt", detail: "the key is not a hash" })),
      )
      const [generation, fp, data] = Array.isArray(reply) ? reply.map(asString) : []
      if (data === undefined && (generation !== undefined || fp !== undefined)) {
        return yield* Effect.fail(
          error({ operation, reason: "Corrupt", detail: "the hash has no `data` field" }),
        )
      }
      if (data !== undefined && fp === undefined) {
        return yield* Effect.fail(
          error({ operation, reason: "Corrupt", detail: "the hash has no `fp` field" }),
        )
      }
      return { generation, fp, data }
    })

  const load: Effect.Effect<StoredToken | undefined, StoreError> = Effect.gen(function* () {
    const { data } = yield* readHash("load")
    if (data === undefined) return undefined
    return yield* Effect.mapError(codec.decode(data), codecError("load"))
  })

  const save = (
    next: StoredTokenInput,
    expected: Redacted.Redacted<string> | undefined,
  ): Effect.Effect<StoredToken, StoreError | StoreConflict> =>
    Effect.gen(function* () {
      const invalid = invalidStoredTokenInput(next)
      if (invalid !== undefined)
        return yield* Effect.fail(error({ operation: "save", reason: "InvalidInput", detail: invalid }))
      const expectedFp = expected === undefined ? "" : fingerprint(expected)
      const lease = (yield* CurrentLease).find((held) => held.lockKey === keys.lock)
      const conflict = (found: "empty" | "other-token", generation: string | undefined) =>
        new StoreConflict({
          location,
          expected: expected === undefined ? "empty" : "token",
          found,
          generation: generation === undefined ? undefined : Number(generation),
        })
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = yield* readHash("save")
        if (expected === undefined ? current.fp !== undefined : current.fp === undefined) {
          return yield* Effect.fail(
            conflict(current.fp === undefined ? "empty" : "other-token", current.generation),
          )
        }
        if (current.fp !== undefined && !sameFingerprint(current.fp, expectedFp)) {
          return yield* Effect.fail(conflict("other-token", current.generation))
        }
        const generationRead = current.generation ?? "0"
        const record: StoredToken = {
          ...nextStoredToken(next, undefined, yield* Clock.currentTimeMillis),
          // Above the stored generation and the caller's `supersedes` (a write-back after a rollback).
          generation: Math.max(Number(generationRead), next.supersedes ?? 0) + 1,
        }
        const data = yield* Effect.mapError(codec.encode(record, current.data), codecError("save"))
        const reply = parseSaveReply(
          yield* runScript(
            connection,
            "save",
            SAVE,
            [keys.token, keys.lock],
            [
              expectedFp,
              generationRead,
              fingerprint(record.refreshToken),
              data,
              lease?.value ?? "",
              String(record.generation),
              String(record.updatedAt),
            ],
          ),
        )
        switch (reply?.status) {
          case "ok":
            return record
          case "moved":
            continue
          case "conflict-empty":
            return yield* Effect.fail(conflict("empty", undefined))
          case "conflict-other":
            return yield* Effect.fail(conflict("other-token", reply.generation))
          case "fenced":
            return yield* Effect.fail(error({ operation: "save", reason: "LockTimeout", detail: LEASE_LOST }))
          default:
            return yield* Effect.fail(
              error({ operation: "save", reason: "Io", detail: "unexpected reply from the save script" }),
            )
        }
      }
      return yield* Effect.fail(
        error({ operation: "save", reason: "Io", detail: "the record kept changing during the save; retry" }),
      )
    })

  return {
    location,
    url: endpoint.display,
    tokenKey: keys.token,
    lockKey: keys.lock,
    load,
    save,
    withRefreshLock,
    isConnected: connection.isReady,
    evictionPolicy: () => policyReading,
    close: connection.close,
  }
}

/**
 * A Redis token store whose client is closed when the scope closes.
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeRedisStore = (
  options: RedisStoreOptions,
): Effect.Effect<RedisTokenStore, RedisStoreConfigError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => redisStore(options),
      catch: (e) =>
        e instanceof RedisStoreConfigError
          ? e
          : new RedisStoreConfigError({ field: "options", expected: "valid options" }),
    }),
    (store) => Effect.promise(store.close),
  )

/**
 * A layer providing core's `TokenStore` service on Redis; the client is quit when the layer is
 * released.
 *
 * @example
 * ```ts
 * const TokenLive = TokenManager.layer(managerOptions).pipe(
 *   Layer.provide(layerRedisStore({ url: "redis://cache:6379", environment: "qa", clientId })),
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerRedisStore = (options: RedisStoreOptions): Layer.Layer<TokenStore, RedisStoreConfigError> =>
  Layer.effect(TokenStore)(makeRedisStore(options))
