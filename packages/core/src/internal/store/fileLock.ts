/**
 * An exclusive lock shared by processes through a lock file, with fast takeover from a dead holder.
 *
 * Taking the lock: the holder's record (`{pid, hostname, pidNamespace, startTicks, nonce,
 * startedAt}`) is written to a temp file which is then hard-linked to `<lock>`: `link` fails
 * with EEXIST when the lock is held, and the lock file is never seen half-written. (Where hard
 * links are not supported, an `O_EXCL` create is used instead.)
 *
 * Waiting: a waiter polls with a small jittered backoff (5 ms growing to 50 ms) until its timeout,
 * then fails with `StoreError` `LockTimeout` naming the holder.
 *
 * Takeover: the lock is stale when its holder is certainly dead (same host and pid namespace:
 * no such pid, a zombie, or a pid now used by a process with another start time; see
 * process.ts), or when the file has not been touched for the lease (`staleMs`): the holder
 * touches it every `staleMs / 4` while it holds the lock, so the lease only expires for a holder
 * on another host that died, or one whose event loop is stuck. To remove a stale lock a waiter
 * first claims `<lock>.steal.<nonce>` with `O_EXCL` (only one waiter may remove a given stale
 * lock), then renames `<lock>` aside and checks that what it moved is the stale lock it judged;
 * if a new holder got in meanwhile, it links that file back. Release uses the same
 * rename-and-check, so nobody removes a lock they do not hold.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import {
  closeSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from "node:fs"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { StoreError, type StoreOperation } from "../../StoreError.ts"
import { errnoCode, fsStoreError } from "./fsError.ts"
import { NotARegularFile, notRegular } from "./ownFile.ts"
import { liveness, type ProcessIdentity, selfIdentity } from "./process.ts"
import { realSleep } from "./realSleep.ts"

/** What a lock file holds. */
export interface LockRecord extends ProcessIdentity {
  readonly nonce: string
  readonly startedAt: number
}

/** Settings of one lock file. */
export interface FileLockOptions {
  /** The lock file, e.g. `<store>.lock`. */
  readonly lockPath: string
  /** The store the lock guards, for error messages. */
  readonly location: string
  /** The store operation errors are reported under (`save` for the write lock). */
  readonly operation: StoreOperation
  /** How long a waiter waits before failing with `LockTimeout`. */
  readonly timeoutMs: number
  /** The lease: a lock file untouched for this long is taken over. */
  readonly staleMs: number
}

interface Observed {
  readonly record: Partial<LockRecord> | undefined
  /** The nonce, or for a malformed file an identity made of inode and mtime. */
  readonly id: string
  readonly mtimeMs: number
}

type Attempt =
  | { readonly _tag: "Acquired" }
  | { readonly _tag: "Busy"; readonly holder: Observed | undefined }

const newNonce = (): string => randomBytes(12).toString("hex")

const readObserved = (path: string): Observed | undefined => {
  let text: string
  let stat: ReturnType<typeof lstatSync>
  try {
    // lstat: a lock path that is a link, folder, FIFO or device is refused, never followed or read.
    stat = lstatSync(path)
    const found = notRegular(stat)
    if (found !== undefined) throw new NotARegularFile(path, found)
    text = readFileSync(path, "utf8")
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined
    throw e
  }
  let record: Partial<LockRecord> | undefined
  try {
    const parsed: unknown = JSON.parse(text)
    record = typeof parsed === "object" && parsed !== null ? (parsed as Partial<LockRecord>) : undefined
  } catch {
    record = undefined
  }
  const id = typeof record?.nonce === "string" ? record.nonce : `ino-${stat.ino}-${stat.mtimeMs}`
  return { record, id, mtimeMs: stat.mtimeMs }
}

const unlinkQuietly = (path: string): void => {
  try {
    unlinkSync(path)
  } catch {
    // already gone, or not ours to remove: nothing to do
  }
}

/** Creates `path` holding `content`, atomically and only if it does not exist. */
const createExclusive = (path: string, content: string): boolean => {
  const tmp = `${path}.${process.pid}.${newNonce()}.tmp`
  const fd = openSync(tmp, "wx", 0o600)
  try {
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  try {
    linkSync(tmp, path)
    return true
  } catch (e) {
    const code = errnoCode(e)
    if (code === "EEXIST") return false
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS" && code !== "EOPNOTSUPP") throw e
  } finally {
    unlinkQuietly(tmp)
  }
  // No hard links on this file system: fall back to O_EXCL (a crash mid-write leaves a malformed
  // lock file, which expires by lease).
  try {
    const fd2 = openSync(path, "wx", 0o600)
    try {
      writeSync(fd2, content)
    } finally {
      closeSync(fd2)
    }
    return true
  } catch (e) {
    if (errnoCode(e) === "EEXIST") return false
    throw e
  }
}

/**
 * Moves `path` aside if it is still the lock identified by `id`; puts back anything else it
 * moved. Returns whether the lock `id` was removed (or was already gone).
 */
const removeIfStill = (path: string, id: string, graveNonce: string): boolean => {
  const grave = `${path}.gone.${graveNonce}`
  try {
    renameSync(path, grave)
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return true
    throw e
  }
  const moved = readObserved(grave)
  if (moved === undefined || moved.id === id) {
    unlinkQuietly(grave)
    return true
  }
  // Someone else's lock: put it back unless a newer one already took its place.
  try {
    linkSync(grave, path)
  } catch {
    // EEXIST: a newer holder is in; the one we moved lost its file (only possible when two
    // waiters raced over a stale steal claim; the store's compare-and-set still protects data).
  }
  unlinkQuietly(grave)
  return false
}

const isStale = (holder: Observed, staleMs: number, now: number): boolean =>
  (holder.record !== undefined && liveness(holder.record) === "dead") || now - holder.mtimeMs > staleMs

/** Removes a stale lock, if this waiter wins the right to; the caller then tries again. */
const steal = (options: FileLockOptions, holder: Observed, nonce: string): void => {
  const claim = `${options.lockPath}.steal.${holder.id}`
  const me = selfIdentity()
  if (!createExclusive(claim, JSON.stringify({ ...me, nonce, startedAt: Date.now() }))) {
    // Another waiter is removing it. If that waiter died mid-way, clear its claim so the
    // next round can proceed (a claim is held for microseconds).
    const other = readObserved(claim)
    if (other !== undefined && isStale(other, 2_000, Date.now())) removeIfStill(claim, other.id, nonce)
    return
  }
  try {
    removeIfStill(options.lockPath, holder.id, nonce)
  } finally {
    unlinkQuietly(claim)
  }
}

const attempt = (options: FileLockOptions, nonce: string): Attempt => {
  const record: LockRecord = { ...selfIdentity(), nonce, startedAt: Date.now() }
  const content = JSON.stringify(record)
  // A few rounds: a lock released or stolen between our calls is retried at once.
  for (let round = 0; round < 4; round++) {
    if (createExclusive(options.lockPath, content)) return { _tag: "Acquired" }
    const holder = readObserved(options.lockPath)
    if (holder === undefined) continue
    if (!isStale(holder, options.staleMs, Date.now())) return { _tag: "Busy", holder }
    steal(options, holder, nonce)
  }
  return { _tag: "Busy", holder: readObserved(options.lockPath) }
}

const timeoutError = (options: FileLockOptions, holder: Observed | undefined) =>
  new StoreError({
    operation: options.operation,
    location: options.location,
    reason: "LockTimeout",
    detail: `waited ${options.timeoutMs} ms for ${options.lockPath}`,
    holder: {
      pid: holder?.record?.pid,
      hostname: holder?.record?.hostname,
      heldForMs:
        holder === undefined ? 0 : Math.max(0, Date.now() - (holder.record?.startedAt ?? holder.mtimeMs)),
    },
  })

/** Waits for the lock, polling; only the sleeps are interruptible. Returns the holder's nonce. */
const acquire = (options: FileLockOptions): Effect.Effect<string, StoreError> =>
  Effect.gen(function* () {
    const nonce = newNonce()
    const deadline = Date.now() + options.timeoutMs
    let delay = 5
    for (;;) {
      const result = yield* Effect.try({
        try: () => attempt(options, nonce),
        catch: (e) =>
          e instanceof NotARegularFile
            ? new StoreError({
                operation: options.operation,
                location: options.location,
                reason: "NotAFile",
                detail: `its lock file ${e.path} is ${e.found}`,
              })
            : fsStoreError(
                options.operation,
                options.location,
                `cannot create lock file ${options.lockPath}`,
                e,
              ),
      })
      if (result._tag === "Acquired") return nonce
      const left = deadline - Date.now()
      if (left <= 0) return yield* Effect.fail(timeoutError(options, result.holder))
      const jittered = delay * (0.8 + Math.random() * 0.4)
      yield* Effect.interruptible(realSleep(Math.min(jittered, left)))
      delay = Math.min(delay * 1.5, 50)
    }
  })

/** Gives the lock up, if it is still ours. Never fails. */
const release = (options: FileLockOptions, nonce: string): Effect.Effect<void> =>
  Effect.sync(() => {
    try {
      removeIfStill(options.lockPath, nonce, newNonce())
    } catch {
      // The lock file or its folder vanished or became unwritable: nothing left to release.
    }
  })

/** Touches the lock file every `staleMs / 4` while it is ours, so its lease does not expire. */
const heartbeat = (options: FileLockOptions, nonce: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const every = Math.max(10, Math.floor(options.staleMs / 4))
    for (;;) {
      yield* realSleep(every)
      yield* Effect.sync(() => {
        try {
          if (readObserved(options.lockPath)?.id === nonce) {
            const now = new Date()
            utimesSync(options.lockPath, now, now)
          }
        } catch {
          // A failed touch only shortens the lease.
        }
      })
    }
  })

/**
 * Runs `effect` holding the lock file exclusively. Fibers of this process wait on the file like
 * other processes do (the token manager's single-flight already keeps that to one per process).
 */
export const withFileLock =
  (options: FileLockOptions) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreError, R> =>
    Effect.acquireUseRelease(
      Effect.flatMap(acquire(options), (nonce) =>
        Effect.map(Effect.forkChild(Effect.interruptible(heartbeat(options, nonce))), (fiber) => ({
          nonce,
          fiber,
        })),
      ),
      () => effect,
      ({ nonce, fiber }) => Effect.andThen(Fiber.interrupt(fiber), release(options, nonce)),
    )
