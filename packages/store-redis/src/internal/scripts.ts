/**
 * The Lua scripts of the store. Each runs atomically on the Redis server; each touches only the
 * token key and the lock key of one client, which share a hash tag, so they work on Redis
 * Cluster too (both keys live in one slot).
 *
 * The token key is a hash: `data` (the token file text, plain or encrypted), `fp` (a SHA-256
 * fingerprint of the refresh token, so the compare of compare-and-set runs without the key),
 * `generation` (the fencing number) and `updatedAt`.
 *
 * The lock key is a string: the owner's random value, with a lease (PX).
 *
 * A script is sent once: `runScript` calls it by its SHA-1 (`EVALSHA`); when the server does not
 * know it (`NOSCRIPT`: first use, a Redis restart, `SCRIPT FLUSH`, a failover), it sends the source
 * with `EVAL`, which runs it and caches it on the server for the next `EVALSHA`. A `NOSCRIPT` reply
 * means nothing ran, so sending the script again cannot run it twice.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import type { StoreError, StoreOperation } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import type { Connection, Reply } from "./connection.ts"

/** A Lua script and its SHA-1 (what Redis names it in its script cache). */
export interface Script {
  readonly source: string
  readonly sha1: string
}

const script = (source: string): Script => ({
  source,
  sha1: createHash("sha1").update(source, "utf8").digest("hex"),
})

/**
 * Compare-and-set save with fencing.
 *
 * KEYS: token, lock. ARGV: expected fp (`""` = the store must be empty), generation read by the
 * caller, new fp, new data, lock owner value (`""` = not saving under the refresh lock), new
 * generation, updatedAt.
 *
 * Replies `{status, generation}`, status one of:
 * - `ok`: written.
 * - `fenced`: the caller saves under a lock lease it no longer holds: another process holds the
 *   lock now. Nothing written.
 * - `conflict-empty` / `conflict-other`: the stored refresh token is not the expected one.
 * - `moved`: same refresh token, but the generation changed since the caller read it (a
 *   concurrent save of the same token); the caller reads again and retries.
 */
export const SAVE = script(`
local current = redis.call('HMGET', KEYS[1], 'generation', 'fp')
local generation = current[1] or '0'
local fp = current[2]
if ARGV[5] ~= '' then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[5] then return {'fenced', generation} end
end
if ARGV[1] == '' then
  if fp then return {'conflict-other', generation} end
else
  if not fp then return {'conflict-empty', generation} end
  if fp ~= ARGV[1] then return {'conflict-other', generation} end
end
if generation ~= ARGV[2] then return {'moved', generation} end
redis.call('HSET', KEYS[1], 'data', ARGV[4], 'fp', ARGV[3], 'generation', ARGV[6], 'updatedAt', ARGV[7])
return {'ok', ARGV[6]}
`)

/** Extends the lease if the caller still owns the lock. KEYS: lock. ARGV: owner value, lease ms. Replies 1 or 0. */
export const RENEW = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

/** Deletes the lock if the caller still owns it. KEYS: lock. ARGV: owner value. Replies 1 or 0. */
export const RELEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

/** Runs `script` with `EVALSHA`, or with `EVAL` when the server does not have it cached (yet). */
export const runScript = (
  connection: Connection,
  operation: StoreOperation,
  script: Script,
  keys: ReadonlyArray<string>,
  args: ReadonlyArray<string>,
): Effect.Effect<Reply, StoreError> => {
  const rest = [String(keys.length), ...keys, ...args]
  return Effect.catchIf(
    connection.send(operation, ["EVALSHA", script.sha1, ...rest]),
    (e) => e.detail === "NOSCRIPT",
    () => connection.send(operation, ["EVAL", script.source, ...rest]),
  )
}
