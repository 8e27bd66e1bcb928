/**
 * Building blocks for `TokenStore` implementations outside this package (the Redis store, an
 * adapter's own store, a CLI settings file): the same atomic write, fingerprint and wait that
 * core's own file store uses, so that every store follows one set of rules.
 *
 * - `writeFileAtomic(path, content)`: temp file (mode 0600, `O_EXCL`) + fsync + rename + folder fsync;
 *   a target that is a link, folder, FIFO or device is refused.
 * - `readRegularFile(path)` / `openToOthers(mode)`: read only a regular file, never following a link.
 * - `refreshTokenFingerprint(token)` / `sameFingerprint(a, b)`: compare refresh tokens without
 *   keeping them (constant-time compare).
 * - `errnoCode(cause)`: the `code` of a Node system error (`ENOENT`, `EACCES`…).
 * - `realSleep(ms)`: a wall-clock wait for pacing against other processes, which a `TestClock`
 *   does not freeze.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as fingerprint from "./internal/fingerprint.ts"
import { writeAtomic } from "./internal/store/atomicFile.ts"
import * as crypto from "./internal/store/crypto.ts"
import * as fsError from "./internal/store/fsError.ts"
import * as ownFile from "./internal/store/ownFile.ts"
import * as sleep from "./internal/store/realSleep.ts"
import type { Secret } from "./RefreshRequest.ts"

export { WriteStepError } from "./internal/store/atomicFile.ts"
export { NotARegularFile } from "./internal/store/ownFile.ts"

/**
 * Replaces `path` with `content` atomically and durably: a temp file next to it (created
 * exclusively, mode 0600), fsync, rename over `path`, fsync of the folder. Readers see the old
 * file or the new one, never a mix. Rejects with a `WriteStepError` naming the failed step; the
 * temp file is removed on failure. The folder must exist.
 *
 * @category files
 * @since 0.2.0
 */
export const writeFileAtomic = (path: string, content: string): Promise<void> => writeAtomic(path, content)

/**
 * Reads `path` only if it is a regular file, the way the file store reads its own: `undefined`
 * when it does not exist, its text and permission bits (`mode & 0o777`) otherwise. A symbolic
 * link, folder, FIFO, socket or device is refused with a `NotARegularFile` (whose `found` says
 * which) before anything is read; the file is opened with `O_NOFOLLOW` and `O_NONBLOCK`, and
 * nothing is ever changed. Other file system errors reject as they are.
 *
 * @category files
 * @since 0.3.0
 */
export const readRegularFile = (path: string): Promise<{ text: string; mode: number } | undefined> =>
  ownFile.readOwnFile(path)

/**
 * Whether a file of permission bits `mode` can be read or written by group or others.
 *
 * @category files
 * @since 0.3.0
 */
export const openToOthers = (mode: number): boolean => ownFile.openToOthers(mode)

/**
 * The fingerprint of a refresh token: 64 hex characters of SHA-256 over a fixed label and the
 * token. Stores keep it beside a record so that compare-and-set can compare tokens without the
 * encryption key; it is stable across versions (stored values depend on it).
 *
 * @category fingerprints
 * @since 0.2.0
 */
export const refreshTokenFingerprint = (token: Redacted.Redacted<string>): string =>
  fingerprint.refreshTokenFingerprint(Redacted.value(token))

/**
 * Whether two fingerprints are equal, in time independent of where they differ.
 *
 * @category fingerprints
 * @since 0.2.0
 */
export const sameFingerprint = (a: string, b: string): boolean => fingerprint.sameFingerprint(a, b)

/**
 * The `code` of a Node system error (`ENOENT`, `EACCES`…), or `undefined` for anything else.
 *
 * @category files
 * @since 0.2.0
 */
export const errnoCode = (cause: unknown): string | undefined => fsError.errnoCode(cause)

/**
 * Waits `ms` milliseconds of wall-clock time (interruptible: interrupting clears the timer). For
 * waits that pace against other processes or servers (lock polling, lease renewal), which a
 * `TestClock` must not freeze; waits of the token rules use `Effect.sleep`.
 *
 * @category timing
 * @since 0.2.0
 */
export const realSleep = (ms: number): Effect.Effect<void> => sleep.realSleep(ms)

/**
 * The `origin` fingerprint of a provisioned refresh token, as a manager writes it to the store: a
 * keyed hash (HMAC-SHA-256), truncated, never the token. Adapters and tools that seed a store
 * themselves stamp records with it so that managers recognise the family.
 *
 * @category utils
 * @since 0.1.0
 */
export const originOf = (refreshToken: Secret): string =>
  fingerprint.originFingerprint(
    Redacted.isRedacted(refreshToken) ? Redacted.value(refreshToken) : refreshToken,
  )

const SEALED = /^s1\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/

/**
 * Seals a short secret (a service account's password in a settings file) with AES-256-GCM under a key
 * derived with scrypt (N 2^15) from `passphrase`, the token files' own scheme: `s1.<salt>.<iv>.<tag>.<data>`,
 * base64url. `label` binds the value to its use (a value sealed for one label does not open for
 * another). The same passphrase as the token store's (`TANGOE_STORE_KEY`) is the expected one.
 *
 * @category helpers
 * @since 0.2.0
 */
export const sealSecret = async (
  passphrase: Redacted.Redacted<string>,
  secret: string,
  label: string,
): Promise<string> => {
  const salt = crypto.newSalt()
  const key = await crypto.deriveKey(Redacted.value(passphrase), salt, crypto.defaultScrypt)
  const sealed = crypto.seal(key, secret, `tangoe-token sealed secret v1\0${label}`)
  return ["s1", salt, sealed.iv, sealed.tag, sealed.data]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(".")
}

/**
 * Whether a value is one {@link sealSecret} made (and so needs the passphrase to be read).
 *
 * @category helpers
 * @since 0.2.0
 */
export const isSealedSecret = (value: string): boolean => SEALED.test(value)

/**
 * Opens a value {@link sealSecret} made: the secret, or `undefined` when the passphrase is not the one
 * it was sealed with, the label differs, or the value was altered. Never throws for a bad value.
 *
 * @category helpers
 * @since 0.2.0
 */
export const openSealedSecret = async (
  passphrase: Redacted.Redacted<string>,
  value: string,
  label: string,
): Promise<string | undefined> => {
  const match = SEALED.exec(value)
  if (match === null) return undefined
  const [salt, iv, tag, data] = match.slice(1).map((p) => Buffer.from(p as string, "base64url"))
  const key = await crypto.deriveKey(Redacted.value(passphrase), salt as Buffer, crypto.defaultScrypt)
  return crypto.open(
    key,
    { iv: iv as Buffer, tag: tag as Buffer, data: data as Buffer },
    `tangoe-token sealed secret v1\0${label}`,
  )
}
