/**
 * A `TokenStore` in one JSON file, safe to share between processes on one machine.
 *
 * - Format: versioned JSON (`{"version":1,…}`, see internal/store/fileFormat.ts); a file from a
 *   newer version is refused with a message to upgrade, never guessed at. A missing file is an
 *   empty store; a file that is empty, truncated or of the wrong shape is an error (`Corrupt`),
 *   never an empty store, since that would drop the token it holds.
 * - Writes are atomic and durable: temp file in the same folder (mode 0600), fsync, rename,
 *   fsync of the folder. A failed write leaves the previous file as it was.
 * - It touches only its own file: a path that is a symbolic link, a folder, a FIFO or a device (or
 *   an empty path) is refused with `StoreError` `NotAFile` before anything is opened or changed;
 *   the file is opened with `O_NOFOLLOW`. The same holds for its lock files.
 * - The file is created with mode 0600 (owner only). An existing file that group or others can
 *   read or write is refused (`ReadableByOthers`) unless `allowReadableByOthers` is set; the store
 *   never chmods a file (a save replaces the file with a new one of mode 0600).
 * - Optional encryption at rest with AES-256-GCM: give `encryptionKey` as 32 raw bytes or as a
 *   passphrase (stretched with scrypt N=2^15, r=8, p=1 and a random salt stored in the file).
 *   A wrong key fails with `StoreError` `WrongKey`, never garbage. A plain file is read even when
 *   a key is given, and is encrypted by the next save.
 * - `save` is compare-and-set across processes: it holds `<file>.write.lock` while it reads,
 *   compares and writes.
 * - `withRefreshLock` holds `<file>.lock`, an exclusive lock across processes. A holder that
 *   died (on this host: no such pid, a zombie, or a recycled pid) is detected at the waiter's
 *   next poll (≤ 50 ms) and its lock taken over; a holder on another host loses the lock once it
 *   stops renewing its lease (`lockLease`, default 10 s). Waits use the real clock, not `Clock`,
 *   since they pace against other processes.
 *
 * The folder is created (mode 0700) when missing. Files that may appear next to the store:
 * `<file>.lock`, `<file>.write.lock`, and briefly `<file>.<pid>.<hex>.tmp` (left behind only by a
 * crash, and removed by a later save).
 *
 * @since 0.1.0
 */
import { mkdir } from "node:fs/promises"
import { dirname, resolve } from "node:path"
import * as Clock from "effect/Clock"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { InvalidConfig } from "./InvalidConfig.ts"
import { checkFlag } from "./internal/optionChecks.ts"
import { sweepStrays, WriteStepError, writeAtomic } from "./internal/store/atomicFile.ts"
import { withFileLock } from "./internal/store/fileLock.ts"
import { fsStoreError } from "./internal/store/fsError.ts"
import { NotARegularFile, openToOthers, readOwnFile } from "./internal/store/ownFile.ts"
import { checkExpected, invalidInputField, nextRecord } from "./internal/store/record.ts"
import { type StoreCodec, type StoreCodecError, storeCodec } from "./StoreCodec.ts"
import { StoreError, type StoreOperation } from "./StoreError.ts"
import { durationOption, encryptionKeyOption, LOCK_LEASE_RANGE, LOCK_TIMEOUT_RANGE } from "./StoreOptions.ts"
import { type StoredToken, type StoredTokenInput, TokenStore, type TokenStoreShape } from "./TokenStore.ts"

/**
 * Options of `fileStore`.
 *
 * @category models
 * @since 0.1.0
 */
export interface FileStoreOptions {
  /**
   * Encrypts the file with AES-256-GCM. A `Uint8Array` must be exactly 32 random bytes (used as
   * the key); a string is a passphrase (stretched with scrypt and a salt stored in the file).
   * Keep it out of the file's folder. Without it the file is plain JSON protected by mode 0600.
   * Best given `Redacted` (`Redacted.make(key)`), so that it never shows in logs of your options;
   * a plain string or `Uint8Array` is accepted too and wrapped at once (since 0.3.0).
   */
  readonly encryptionKey?: Redacted.Redacted<Uint8Array | string> | Uint8Array | string | undefined
  /**
   * How long `withRefreshLock` and `save` wait for a lock held by another process: from 1 ms to
   * 1 hour (`LOCK_TIMEOUT_RANGE`). Default 30 s.
   */
  readonly lockTimeout?: Duration.Input | undefined
  /**
   * The lease of a lock held by a process this host cannot check (another host, another pid
   * namespace): the holder renews it every quarter lease; a lock not renewed for this long is
   * taken over. From 100 ms to 1 hour (`LOCK_LEASE_RANGE`): zero or a negative lease is refused,
   * never read as "no lock". Default 10 s.
   */
  readonly lockLease?: Duration.Input | undefined
  /**
   * Use an existing file that group or others can read or write (mode wider than 0600). Without
   * it such a file is refused with `StoreError` `ReadableByOthers`, and left as it is. The store
   * never changes a file's mode either way; its own saves write a new file of mode 0600.
   *
   * @since 0.3.0
   */
  readonly allowReadableByOthers?: boolean | undefined
}

interface Current {
  readonly record: StoredToken | undefined
  /** The file's text as read: the next save reuses its encryption salt. */
  readonly text: string | undefined
}

const fail = (operation: StoreOperation, location: string, reason: StoreError["reason"], detail?: string) =>
  Effect.fail(new StoreError({ operation, location, reason, detail }))

/**
 * A file store at `path` (resolved against the working directory). Fails with `InvalidConfig`
 * naming the option when an option is of the wrong type or out of range (see `FileStoreOptions`),
 * and with `StoreError` when `encryptionKey` is not usable (`InvalidKey`: not 32 bytes, an empty
 * passphrase) or the path is empty (`NotAFile`); the file itself is first touched by `load`,
 * `save` or `withRefreshLock`.
 *
 * @example
 * ```ts
 * const store = yield* fileStore("/var/lib/app/tangoe-token.json", {
 *   encryptionKey: Redacted.make(process.env.TOKEN_STORE_PASSPHRASE!),
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fileStore = (
  path: string,
  options: FileStoreOptions = {},
): Effect.Effect<TokenStoreShape, StoreError | InvalidConfig> =>
  Effect.suspend((): Effect.Effect<TokenStoreShape, StoreError | InvalidConfig> => {
    if (typeof path !== "string" || path.trim() === "") {
      return fail("load", String(path), "NotAFile", "the path is empty")
    }
    const settings = resolveFileStoreOptions(options)
    if (Result.isFailure(settings)) return Effect.fail(settings.failure)
    const location = resolve(path)
    const codec = storeCodec({ encryptionKey: settings.success.encryptionKey })
    return Result.isFailure(codec)
      ? Effect.fail(fromCodec("load", location, codec.failure))
      : Effect.succeed(makeFileStore(location, codec.success, settings.success))
  })

/** The file store's options, checked. */
interface FileStoreSettings {
  readonly encryptionKey: Redacted.Redacted<Uint8Array | string> | undefined
  readonly lockTimeoutMs: number
  readonly lockLeaseMs: number
  readonly allowReadableByOthers: boolean
}

const resolveFileStoreOptions = (options: unknown): Result.Result<FileStoreSettings, InvalidConfig> => {
  if (options === undefined) return resolveFileStoreOptions({})
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return Result.fail(
      new InvalidConfig({
        field: "options",
        expected: "an object of file store options",
        received: typeof options,
      }),
    )
  }
  const o = options as Record<string, unknown>
  return Result.all({
    encryptionKey: encryptionKeyOption(o.encryptionKey),
    lockTimeoutMs: durationOption("lockTimeout", o.lockTimeout, LOCK_TIMEOUT_RANGE, 30_000),
    lockLeaseMs: durationOption("lockLease", o.lockLease, LOCK_LEASE_RANGE, 10_000),
    allowReadableByOthers: checkFlag("allowReadableByOthers", o.allowReadableByOthers),
  })
}

/**
 * A layer providing a file store (see `fileStore`).
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFileStore = (
  path: string,
  options: FileStoreOptions = {},
): Layer.Layer<TokenStore, StoreError | InvalidConfig> => Layer.effect(TokenStore)(fileStore(path, options))

/** A codec failure (bad key, corrupt file…) as the store error of `operation` on this file. */
const fromCodec = (operation: StoreOperation, location: string, error: StoreCodecError) =>
  new StoreError({ operation, location, reason: error.reason, detail: error.detail })

const makeFileStore = (location: string, codec: StoreCodec, options: FileStoreSettings): TokenStoreShape => {
  const timeoutMs = options.lockTimeoutMs
  const staleMs = options.lockLeaseMs
  const refreshLock = withFileLock({
    lockPath: `${location}.lock`,
    location,
    operation: "lock",
    timeoutMs,
    staleMs,
  })
  const writeLock = withFileLock({
    lockPath: `${location}.write.lock`,
    location,
    operation: "save",
    timeoutMs,
    staleMs,
  })
  const readCurrent = (operation: StoreOperation): Effect.Effect<Current, StoreError> =>
    Effect.gen(function* () {
      const file = yield* Effect.tryPromise({
        try: () => readOwnFile(location),
        catch: (e) =>
          e instanceof NotARegularFile
            ? new StoreError({ operation, location, reason: "NotAFile", detail: `it is ${e.found}` })
            : fsStoreError(operation, location, "cannot read the file", e, "read"),
      })
      if (file === undefined) return { record: undefined, text: undefined }
      if (openToOthers(file.mode) && !options.allowReadableByOthers) {
        return yield* fail(operation, location, "ReadableByOthers", `mode ${file.mode.toString(8)}`)
      }
      const text = file.text
      const record = yield* Effect.mapError(codec.decode(text), (e) => fromCodec(operation, location, e))
      return { record, text }
    })

  const ensureFolder = (operation: StoreOperation) =>
    Effect.tryPromise({
      try: () => mkdir(dirname(location), { recursive: true, mode: 0o700 }),
      catch: (e) => fsStoreError(operation, location, `cannot create the folder ${dirname(location)}`, e),
    })

  const write = (text: string) =>
    Effect.tryPromise({
      try: () => writeAtomic(location, text),
      catch: (e) =>
        e instanceof WriteStepError && e.cause instanceof NotARegularFile
          ? new StoreError({
              operation: "save",
              location,
              reason: "NotAFile",
              detail: `it is ${e.cause.found}`,
            })
          : e instanceof WriteStepError
            ? fsStoreError("save", location, e.step, e.cause)
            : fsStoreError("save", location, "cannot write", e),
    })

  const load = Effect.map(readCurrent("load"), (current) => current.record)

  const save = (next: StoredTokenInput, expected: Redacted.Redacted<string> | undefined) =>
    Effect.gen(function* () {
      const invalid = invalidInputField(next)
      if (invalid !== undefined) return yield* fail("save", location, "InvalidInput", invalid)
      yield* ensureFolder("save")
      return yield* writeLock(
        Effect.gen(function* () {
          const current = yield* readCurrent("save")
          const conflict = checkExpected(location, current.record, expected)
          if (conflict !== undefined) return yield* Effect.fail(conflict)
          const record = nextRecord(next, current.record, yield* Clock.currentTimeMillis)
          yield* write(
            yield* Effect.mapError(codec.encode(record, current.text), (e) => fromCodec("save", location, e)),
          )
          yield* Effect.promise(() => sweepStrays(location))
          return record
        }),
      )
    })

  return {
    location,
    load,
    save,
    withRefreshLock: (effect) => Effect.andThen(ensureFolder("lock"), refreshLock(effect)),
  }
}
