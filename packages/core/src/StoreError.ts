/**
 * The two ways a `TokenStore` operation can fail.
 *
 * - `StoreError`: the store could not be read, written or locked. One error type whose `reason`
 *   says what went wrong and whose message, computed from the fields, says what to do.
 * - `StoreConflict`: a compare-and-set `save` found a different refresh token than the caller
 *   expected, because another process or client saved one in between. Not a fault: load again.
 *
 * Neither ever carries a token: messages name the store location, the operation and the reason.
 * Messages have the same shape as `RefreshError`'s: what failed, why, then what to do after a dash.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * The store operation that failed.
 *
 * @category models
 * @since 0.1.0
 */
export type StoreOperation = "load" | "save" | "lock"

/**
 * What kind of store failed: a `file` (the file store, and the default) or a `redis` server (the
 * `@tangoe-token/store-redis` store). It chooses the words of the message: a file's permissions and
 * disk, or a Redis value and server.
 *
 * @category models
 * @since 0.1.0
 */
export type StoreKind = "file" | "redis"

/**
 * Why a store operation failed.
 *
 * - `NotWritable`: the folder or file cannot be written (permissions, read-only file system,
 *   a parent that is a file, a target that is a folder).
 * - `NotReadable`: the file exists but cannot be read (permissions, it is a folder).
 * - `Corrupt`: the file is not a token file this library wrote (truncated JSON, wrong shape).
 * - `UnsupportedVersion`: the file was written by a newer version of this library.
 * - `KeyRequired`: the file is encrypted and no key was given.
 * - `WrongKey`: the file is encrypted with a different key (or was tampered with).
 * - `InvalidKey`: the key given is not usable (a raw key must be exactly 32 bytes).
 * - `InvalidInput`: the token handed to `save` is not storable (empty refresh token…).
 * - `LockTimeout`: another holder kept the lock longer than the lock timeout (for Redis, also a
 *   save whose refresh-lock lease ran out: `detail` is then `lease lost`).
 * - `Io`: any other file system failure (disk full, I/O error…), or Redis unreachable or failing.
 * - `EvictionPolicy`: the store may evict the token (a Redis `maxmemory-policy` of `allkeys-lru`,
 *   `allkeys-lfu` or `allkeys-random`, named in `detail`); not retryable: the server's setting must change.
 * - `NotAFile`: the path (or its lock file) is not a regular file: a symbolic link, a folder, a
 *   FIFO, a device, or an empty path (`detail` says which). The store never follows a link nor
 *   touches what it found. (since 0.3.0)
 * - `ReadableByOthers`: the existing file's mode lets group or others read or write it, and the
 *   store was not told to accept that (`allowReadableByOthers`). `detail` is the mode. (since 0.3.0)
 *
 * @category models
 * @since 0.1.0
 */
export type StoreErrorReason =
  | "NotWritable"
  | "NotReadable"
  | "Corrupt"
  | "UnsupportedVersion"
  | "KeyRequired"
  | "WrongKey"
  | "InvalidKey"
  | "InvalidInput"
  | "LockTimeout"
  | "Io"
  | "EvictionPolicy"
  | "NotAFile"
  | "ReadableByOthers"

/**
 * Who held a lock when waiting for it timed out (`LockTimeout` only).
 *
 * @category models
 * @since 0.1.0
 */
export interface LockHolder {
  /** Process id of the holder, when the lock file names one. */
  readonly pid?: number | undefined
  /** Host name of the holder, when the lock file names one. */
  readonly hostname?: string | undefined
  /** How long the lock had been held when the wait gave up, in milliseconds. */
  readonly heldForMs: number
}

/**
 * A token store could not be read, written or locked.
 *
 * `message` is computed from the fields and always ends with what to do. `detail` is a short,
 * secret-free description (an errno code, the name of a bad field); `cause` is only ever a file
 * system error (which names paths, never file contents).
 *
 * @example
 * ```ts
 * Effect.catchTag(store.load, "StoreError", (e) => Console.error(e.message))
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class StoreError extends /* @__PURE__ */ Data.TaggedError("StoreError")<{
  /** The operation that failed. */
  readonly operation: StoreOperation
  /** Where the store lives: a file path, a Redis URL (without password) and key, or a label such as `memory`. */
  readonly location: string
  /** What kind of store it is; `file` when not given. */
  readonly kind?: StoreKind | undefined
  /** Why it failed. */
  readonly reason: StoreErrorReason
  /** A short, secret-free detail: an errno code, a field name, a version number. */
  readonly detail?: string | undefined
  /** The lock holder, for `LockTimeout`. */
  readonly holder?: LockHolder | undefined
  /** The underlying file system error, if any. */
  readonly cause?: unknown
}> {
  /**
   * Whether trying the same operation again later can succeed without anyone changing
   * anything (`LockTimeout`, `Io`). A token manager keeps the new token in memory and retries
   * a save that failed for any reason; this only tells whether waiting alone may help.
   *
   * @since 0.1.0
   */
  get retryable(): boolean {
    return this.reason === "LockTimeout" || this.reason === "Io"
  }

  /**
   * What failed, where, and what to do about it.
   *
   * @since 0.1.0
   */
  override get message(): string {
    return this.kind === "redis" ? redisMessage(this) : fileMessage(this)
  }
}

const verb: Record<StoreOperation, string> = {
  load: "cannot read",
  save: "cannot write",
  lock: "cannot lock",
}

const headOf = (e: StoreError): string => `${verb[e.operation]} token store ${e.location}`

const detailOf = (e: StoreError): string => (e.detail === undefined ? "" : ` (${e.detail})`)

const holderOf = (e: StoreError, unknown: string): string => {
  const h = e.holder
  const who =
    h?.pid === undefined ? unknown : `pid ${h.pid}${h.hostname === undefined ? "" : ` on ${h.hostname}`}`
  return h === undefined ? who : `${who} for ${(h.heldForMs / 1000).toFixed(1)} s`
}

const fileMessage = (e: StoreError): string => {
  const head = headOf(e)
  const detail = detailOf(e)
  switch (e.reason) {
    case "NotWritable":
      return `${head}: the folder or file is not writable${detail} — give a writable path or fix the permissions${e.operation === "save" ? "; the previous file was left as it was" : ""}`
    case "NotReadable":
      return `${head}: the file cannot be read${detail} — fix its permissions or give another path`
    case "Corrupt":
      return `${head}: the file is not a valid token file${detail} — restore it from a backup or delete it and provision a new refresh token; it was left untouched`
    case "UnsupportedVersion":
      return `${head}: the file has format version ${e.detail ?? "?"}, newer than this library understands — upgrade @tangoe-token/core`
    case "KeyRequired":
      return `${head}: the file is encrypted and no key was given — pass the encryption key it was written with`
    case "WrongKey":
      return `${head}: the encryption key does not match the one the file was written with (or the file was altered) — pass the original key, or delete the file and provision a new refresh token`
    case "InvalidKey":
      return `${head}: the encryption key is not usable${detail} — pass 32 random bytes or a non-empty passphrase`
    case "InvalidInput":
      return `${head}: the token to store is not valid${detail} — this is a bug in the caller; nothing was written`
    case "LockTimeout":
      return `${head}: the ${e.operation === "save" ? "write" : "refresh"} lock is held by ${holderOf(e, "another holder")} — wait and retry; if that process is stuck, stop it (a dead holder's lock is taken over automatically)`
    case "Io":
      return `${head}: file system error${detail} — check free space and the disk, then retry`
    case "EvictionPolicy":
      return `${head}: the store may evict the token${detail} — use a store that keeps it`
    case "NotAFile":
      return `${head}: the path is not a regular file${detail} — give the path of a regular file (or of one to create); the store does not follow links nor use folders, FIFOs or devices, and left what it found untouched`
    case "ReadableByOthers":
      return `${head}: the file can be read or written by other users${detail} — restrict it with \`chmod 600 ${e.location}\`, or accept it with the option \`allowReadableByOthers: true\`; it was left untouched`
  }
}

/** The `detail` of a Redis save refused because this process's refresh-lock lease ran out. */
const LEASE_LOST = "lease lost"

const redisMessage = (e: StoreError): string => {
  const head = headOf(e)
  const detail = detailOf(e)
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
    case "EvictionPolicy":
      return `${head}: Redis's maxmemory-policy is ${e.detail ?? "an evicting policy"}, which may evict the token key under memory pressure and lose the refresh token — set \`maxmemory-policy noeviction\` (CONFIG SET maxmemory-policy noeviction, and in redis.conf), or pass allowEvictingPolicy: true to accept the risk; nothing was read or written`
    case "LockTimeout":
      return e.detail === LEASE_LOST
        ? `${head}: this process's refresh lock lease expired and another process holds the lock now (lease lost) — nothing was written; the token just obtained must be kept in memory and saved again once the lock is free, or the store reloaded if it changed`
        : `${head}: the refresh lock is held by ${holderOf(e, "another process")}${detail} — wait and retry; a holder that died loses the lock when its lease runs out`
    default:
      return fileMessage(e)
  }
}

/**
 * A compare-and-set `save` found a different refresh token than the caller expected: another
 * process or client saved one in between (it probably refreshed). Nothing was written.
 *
 * What to do: `load` the store again and use the token it holds; do not refresh with the token
 * you had, it may already be spent.
 *
 * @category errors
 * @since 0.1.0
 */
export class StoreConflict extends /* @__PURE__ */ Data.TaggedError("StoreConflict")<{
  /** Where the store lives: a file path, or a label such as `memory`. */
  readonly location: string
  /** What the caller expected: an empty store, or a particular refresh token. */
  readonly expected: "empty" | "token"
  /** What the store held: nothing, or another refresh token. */
  readonly found: "empty" | "other-token"
  /** The generation of the record found, if any. */
  readonly generation?: number | undefined
}> {
  /**
   * What was expected, what was found, and what to do.
   *
   * @since 0.1.0
   */
  override get message(): string {
    const expected = this.expected === "empty" ? "an empty store" : "the refresh token last read"
    const found =
      this.found === "empty"
        ? "an empty store"
        : `another refresh token${this.generation === undefined ? "" : ` (generation ${this.generation})`}`
    return `token store ${this.location} changed since it was read: expected ${expected}, found ${found} — another process probably refreshed; load the store again and use its token`
  }
}
