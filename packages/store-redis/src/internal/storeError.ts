/**
 * Core's `StoreError`, with messages that speak of Redis rather than files.
 *
 * It IS a `StoreError` (same `_tag`, `instanceof StoreError`, same fields), so a token manager
 * and `Effect.catchTag("StoreError", …)` treat it as any store failure; only the computed
 * message differs. It never carries a `cause`: library errors are reduced to a short code
 * (`ECONNREFUSED`, `WRONGPASS`, `command timed out`), so no URL or password can leak through them.
 *
 * @internal
 */
import { StoreError, type StoreErrorReason, type StoreOperation } from "@tangoe-token/core"

const verb: Record<StoreOperation, string> = {
  load: "cannot read",
  save: "cannot write",
  lock: "cannot lock",
}

/** The `detail` of a save refused because this process no longer holds the refresh lock. */
export const LEASE_LOST = "lease lost"

const redisMessage = (e: StoreError): string => {
  const head = `${verb[e.operation]} token store ${e.location}`
  const detail = e.detail === undefined ? "" : ` (${e.detail})`
  switch (e.reason) {
    case "Io":
      return `${head}: Redis is unreachable or failed${detail} — check that Redis is running and reachable from this host and that the URL, TLS settings and credentials are right; the store reconnects in the background, and a valid access token already held keeps being served`
    case "Corrupt":
      return `${head}: the Redis value is not a valid token record${detail} — restore it, or delete the key and provision a new refresh token; it was left untouched`
    case "UnsupportedVersion":
      return `${head}: the Redis value has format version ${e.detail ?? "?"}, newer than this library understands — upgrade @tangoe-token/store-redis and @tangoe-token/core`
    case "KeyRequired":
      return `${head}: the Redis value is encrypted and no key was given — pass the encryptionKey it was written with`
    case "WrongKey":
      return `${head}: the encryption key does not match the one the Redis value was written with (or the value was altered)${detail} — pass the original key, or delete the key and provision a new refresh token`
    case "LockTimeout": {
      if (e.detail === LEASE_LOST) {
        return `${head}: this process's refresh lock lease expired and another process holds the lock now (lease lost) — nothing was written; the token just obtained must be kept in memory and saved again once the lock is free, or the store reloaded if it changed`
      }
      const h = e.holder
      const who =
        h?.pid === undefined
          ? "another process"
          : `pid ${h.pid}${h.hostname === undefined ? "" : ` on ${h.hostname}`}`
      const held = h === undefined ? "" : ` for ${(h.heldForMs / 1000).toFixed(1)} s`
      return `${head}: the refresh lock is held by ${who}${held}${detail} — wait and retry; a holder that died loses the lock when its lease runs out`
    }
    default:
      return e.message
  }
}

/** A `StoreError` whose message speaks of Redis. */
class RedisStoreError extends StoreError {
  override get message(): string {
    return redisMessage(this)
  }
}

/** The fields of a store error for one store location. */
export interface StoreErrorFields {
  readonly operation: StoreOperation
  readonly reason: StoreErrorReason
  readonly detail?: string | undefined
  readonly holder?: StoreError["holder"]
}

/** Builds store errors for `location` (the URL without password and the key). */
export const storeErrors =
  (location: string) =>
  (fields: StoreErrorFields): StoreError =>
    new RedisStoreError({ ...fields, location })
