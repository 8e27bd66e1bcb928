/**
 * The side store's key, kept so that it survives a change of Node-RED's `credentialSecret`.
 *
 * The side store file is encrypted with a random data key. That key is kept beside it
 * (`<node id>.keys.json`, mode 0600) wrapped (AES-256-GCM) twice, under two keys that come from
 * different secrets, either of which opens it:
 * - `runtime`: derived from the runtime's credential secret (settings.js `credentialSecret`, the
 *   `_credentialSecret` Node-RED generated, or, with `credentialSecret: false`, a random key file);
 * - `client`: derived from the config node's client id and client secret.
 *
 * When the user changes `credentialSecret` (Node-RED itself then migrates flows_cred.json from its
 * generated secret, or loses the credentials until they are entered again), the `client` copy
 * still opens the data key; when Tangoe's client secret changes, the `runtime` copy does. Either
 * way the key is then wrapped again under the current secrets, so the next change is survived
 * too. Only when both changed at once can the file not be read: the node then reports it (and the
 * refresh token must be entered again, or, once service accounts are built, the chain healed).
 *
 * A store written before key wrapping (version 0.x: the file encrypted directly with a key derived
 * from the credential secret) is adopted: that key becomes its data key.
 *
 * Every candidate key is checked against the store file itself (core's codec decrypts it), so a
 * keyring that does not match its file is never trusted. This module touches only files of its
 * own folder, never follows a link (core's own-file read), and writes atomically.
 *
 * @internal
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto"
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { storeCodec } from "@tangoe-token/core/store"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { readOwnFileSync } from "./ownFileSync.ts"

/** The two secrets a data key is wrapped under. */
export type Slot = "runtime" | "client"

/** What the side store key comes from. */
export interface KeySources {
  /** The side store file. Its keyring is `<same name>.keys.json` beside it. */
  readonly storePath: string
  /** The runtime's credential secret (or the random key file's content when credentials are not encrypted). */
  readonly runtimeSecret: string
  /** The config node's client id and secret. */
  readonly clientId: string
  readonly clientSecret: string
  /** The fingerprint of the refresh token entered in the editor (core's `originOf`). */
  readonly provisionedOrigin: string
  /**
   * The key derived directly from the runtime secret, as version 0.x encrypted the store with: tried
   * when there is no keyring yet.
   */
  readonly legacyKey: Buffer
}

/** How the key was found, for the node's log. */
export type KeyOutcome =
  | { readonly _tag: "Opened"; readonly key: Buffer; readonly rewrapped: ReadonlyArray<Slot> }
  | { readonly _tag: "Created"; readonly key: Buffer }
  /** No key opens the store; it was kept aside as `keptAs` and a new, empty store starts. */
  | { readonly _tag: "SetAside"; readonly key: Buffer; readonly keptAs: string }
  /** No key opens the store and nothing allows starting afresh: it is left as it is. */
  | { readonly _tag: "Unreadable"; readonly location: string }

interface Wrapped {
  readonly iv: string
  readonly tag: string
  readonly data: string
}

interface Keyring {
  readonly version: 1
  /** The origin of the refresh token entered when the keyring was last written. */
  readonly origin?: string
  readonly slots: Partial<Record<Slot, Wrapped>>
}

const SALT = "@tangoe-token/node-red-tangoe"

/** The key-wrapping key of a slot. */
const wrappingKey = (slot: Slot, sources: KeySources): Buffer =>
  Buffer.from(
    hkdfSync(
      "sha256",
      slot === "runtime" ? sources.runtimeSecret : `${sources.clientId}\u0000${sources.clientSecret}`,
      SALT,
      `side-store-wrap/${slot}/v1`,
      32,
    ),
  )

/** The additional data of a wrapped key: a copy moved to another slot or store does not open. */
const aad = (slot: Slot, storePath: string) => Buffer.from(`${slot}\u0000${basename(storePath)}`)

const wrap = (slot: Slot, sources: KeySources, key: Buffer): Wrapped => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", wrappingKey(slot, sources), iv)
  cipher.setAAD(aad(slot, sources.storePath))
  const data = Buffer.concat([cipher.update(key), cipher.final()])
  return {
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    data: data.toString("base64"),
  }
}

const unwrap = (slot: Slot, sources: KeySources, wrapped: Wrapped | undefined): Buffer | undefined => {
  if (wrapped === undefined) return undefined
  try {
    const decipher = createDecipheriv(
      "aes-256-gcm",
      wrappingKey(slot, sources),
      Buffer.from(wrapped.iv, "base64"),
    )
    decipher.setAAD(aad(slot, sources.storePath))
    decipher.setAuthTag(Buffer.from(wrapped.tag, "base64"))
    const key = Buffer.concat([decipher.update(Buffer.from(wrapped.data, "base64")), decipher.final()])
    return key.length === 32 ? key : undefined
  } catch {
    return undefined // another secret, or an altered file
  }
}

/** The keyring file of a store. */
export const keyringPath = (storePath: string): string => `${storePath.replace(/\.json$/, "")}.keys.json`

const readKeyring = (path: string): Keyring | undefined => {
  const text = readOwnFileSync(path)
  if (text === undefined) return undefined
  try {
    const parsed = JSON.parse(text) as Keyring
    return parsed.version === 1 && typeof parsed.slots === "object" && parsed.slots !== null
      ? parsed
      : undefined
  } catch {
    return undefined // unreadable: as if absent; a key must still open the store itself
  }
}

/** Replaces `path` with `content` atomically and durably (temp file 0600, fsync, rename). */
const writeAtomicSync = (path: string, content: string): void => {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`)
  const fd = openSync(temp, "wx", 0o600)
  try {
    writeSync(fd, content)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, path)
}

const writeKeyring = (sources: KeySources, key: Buffer | undefined): void => {
  const ring: Keyring = {
    version: 1,
    origin: sources.provisionedOrigin,
    slots:
      key === undefined
        ? {}
        : { runtime: wrap("runtime", sources, key), client: wrap("client", sources, key) },
  }
  writeAtomicSync(keyringPath(sources.storePath), `${JSON.stringify(ring, null, 2)}\n`)
}

/** Whether `key` opens the store text (a plain or corrupt file is core's to report, not a key problem). */
const opens = (text: string | undefined, key: Buffer): boolean => {
  if (text === undefined) return true
  const codec = storeCodec({ encryptionKey: Redacted.make(key) })
  if (Result.isFailure(codec)) return false
  const decoded = Effect.runSync(Effect.result(codec.success.decode(text)))
  return !(
    Result.isFailure(decoded) &&
    (decoded.failure.reason === "WrongKey" || decoded.failure.reason === "KeyRequired")
  )
}

/**
 * Finds (or makes) the side store's data key; see the module description. `startAfresh(keyringOrigin)`
 * decides what happens when no key opens the store: `true` sets the store aside (kept, renamed) and
 * starts an empty one. The caller says yes when the user entered a refresh token other than the one
 * the keyring was written for (a newly provisioned token), or when it can heal the chain itself.
 * The folder must exist. Throws only file system errors.
 */
export const sideStoreDataKey = (
  sources: KeySources,
  startAfresh: (keyringOrigin: string | undefined) => boolean,
): KeyOutcome => {
  const store = readOwnFileSync(sources.storePath)
  const ring = readKeyring(keyringPath(sources.storePath))
  const unwrapped = {
    runtime: unwrap("runtime", sources, ring?.slots.runtime),
    client: unwrap("client", sources, ring?.slots.client),
  }
  // A store without wrapped keys was written by version 0.x, with the legacy key (it opens again if
  // the user went back to the credential secret of then).
  const wrapped = ring !== undefined && Object.keys(ring.slots).length > 0
  const legacy = !wrapped && store !== undefined ? sources.legacyKey : undefined
  const candidates = [unwrapped.runtime, unwrapped.client, legacy]
  const key = candidates.find((k): k is Buffer => k !== undefined && opens(store, k))
  if (key !== undefined) {
    const rewrapped = (["runtime", "client"] as const).filter((slot) => !unwrapped[slot]?.equals(key))
    if (rewrapped.length > 0 || ring?.origin !== sources.provisionedOrigin) writeKeyring(sources, key)
    return { _tag: "Opened", key, rewrapped }
  }
  if (store === undefined) {
    // No store yet (or a keyring for other secrets and no store: nothing to lose).
    const fresh = randomBytes(32)
    writeKeyring(sources, fresh)
    return { _tag: "Created", key: fresh }
  }
  // No key opens the store. Remember which token this is about, so that a new one can be told apart.
  if (!startAfresh(ring?.origin)) {
    if (ring === undefined) writeKeyring(sources, undefined)
    return { _tag: "Unreadable", location: sources.storePath }
  }
  const keptAs = `${sources.storePath}.unreadable-${new Date().toISOString().replace(/[:.]/g, "-")}`
  renameSync(sources.storePath, keptAs)
  const fresh = randomBytes(32)
  writeKeyring(sources, fresh)
  return { _tag: "SetAside", key: fresh, keptAs }
}
