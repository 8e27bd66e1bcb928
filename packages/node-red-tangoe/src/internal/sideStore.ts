/**
 * Where and how a config node keeps its rotated refresh token between runs: one encrypted file
 * per config node under the runtime's user dir, `<userDir>/tangoe-token/<node id>.json`, encrypted
 * with a data key that `sideStoreKeys.ts` keeps wrapped under the runtime's credential secret (the
 * one that encrypts `flows_cred.json`) and under the client's secret, so that it survives a change
 * of either.
 *
 * Node-RED only writes credentials on deploy, so this file is what carries a rotated token
 * across restarts, "reload" deploys and crashes. Core's file store does the atomic, locked,
 * write-ahead part; this module only picks the path and the secrets.
 *
 * @internal
 */
import { hkdfSync, randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { RuntimeSettings } from "./red.ts"

/** The folder under the user dir that holds the side stores. */
export const SIDE_STORE_DIR = "tangoe-token"

/** The side store file of one config node. Node ids are sanitised into a file name. */
export const sideStorePath = (userDir: string, nodeId: string): string =>
  join(userDir, SIDE_STORE_DIR, `${nodeId.replace(/[^A-Za-z0-9._-]/g, "_")}.json`)

/**
 * The runtime's credential secret: `credentialSecret` from settings.js, else the one Node-RED
 * generated and keeps in `.config.runtime.json` (`_credentialSecret`). `undefined` when
 * credentials are not encrypted (`credentialSecret: false`) or the settings are not loaded.
 */
export const credentialSecretOf = (settings: RuntimeSettings): string | undefined => {
  const configured = settings.credentialSecret
  if (typeof configured === "string" && configured.length > 0) return configured
  if (configured === false) return undefined
  try {
    const generated = settings.get?.("_credentialSecret")
    return typeof generated === "string" && generated.length > 0 ? generated : undefined
  } catch {
    return undefined // settings not available (e.g. a test runtime): no generated secret
  }
}

/** A 32-byte AES key for the side store, derived (HKDF-SHA256) from a credential secret. */
export const deriveSideStoreKey = (secret: string): Buffer =>
  Buffer.from(hkdfSync("sha256", secret, "@tangoe-token/node-red-tangoe", "side-store-key/v1", 32))

/**
 * The side store key of version 0.x for this runtime, derived from the credential secret alone.
 * Since key wrapping (`sideStoreKeys.ts`) it is only the key a store written then is adopted with.
 */
export const sideStoreKey = (settings: RuntimeSettings, userDir: string): Buffer =>
  deriveSideStoreKey(runtimeSecretOf(settings, userDir))

/**
 * The runtime's secret for the side stores: its credential secret, or without one (Node-RED then
 * keeps credentials unencrypted), a random key kept beside the stores (`.key`, mode 0600), so the
 * files are never plaintext and keep working across restarts.
 */
export const runtimeSecretOf = (settings: RuntimeSettings, userDir: string): string => {
  const secret = credentialSecretOf(settings)
  if (secret !== undefined) return secret
  const dir = join(userDir, SIDE_STORE_DIR)
  const file = join(dir, ".key")
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  try {
    writeFileSync(file, randomBytes(32).toString("base64"), { flag: "wx", mode: 0o600 })
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "EEXIST") throw cause
  }
  return readFileSync(file, "utf8").trim()
}
