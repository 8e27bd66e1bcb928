/**
 * Encryption at rest for the file store: AES-256-GCM over the token record.
 *
 * The key is either 32 raw bytes (`kdf: "raw"`) or a passphrase stretched with scrypt
 * (N = 2^15, r = 8, p = 1, 32-byte output) and a random 16-byte salt stored in the file
 * (`kdf: "scrypt"`); the salt is kept across saves, so the derived key is computed once per
 * store instance. Each save draws a fresh 12-byte IV. The file's header (format version, kdf,
 * salt, scrypt parameters) is bound to the ciphertext as additional authenticated data, and the
 * 16-byte GCM tag makes a wrong key or an altered file fail authentication instead of
 * decrypting to garbage.
 *
 * @internal
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto"
import * as Redacted from "effect/Redacted"

/** The key material a user supplies, checked. */
export type KeyMaterial =
  | { readonly kdf: "raw"; readonly key: Buffer }
  | { readonly kdf: "scrypt"; readonly passphrase: string }

/** The key material, or a secret-free description of what is wrong with it. */
export const keyMaterial = (key: Redacted.Redacted<Uint8Array | string>): KeyMaterial | string => {
  // A caller without types may pass the key plain: read it as given rather than throw.
  const value: unknown = Redacted.isRedacted(key) ? Redacted.value(key) : key
  if (typeof value === "string") {
    return value.length === 0 ? "the passphrase is empty" : { kdf: "scrypt", passphrase: value }
  }
  if (value instanceof Uint8Array) {
    return value.byteLength === 32
      ? { kdf: "raw", key: Buffer.from(value) }
      : `a raw key must be 32 bytes, got ${value.byteLength}`
  }
  return "the key must be a Redacted Uint8Array (32 bytes) or a Redacted string (passphrase)"
}

/** scrypt cost parameters written to (and read from) the file. */
export interface ScryptParams {
  readonly N: number
  readonly r: number
  readonly p: number
}

/** The parameters used for new files. */
export const defaultScrypt: ScryptParams = { N: 2 ** 15, r: 8, p: 1 }

/** Upper bounds accepted from a file, so a crafted header cannot make us burn memory. */
export const validScrypt = (s: ScryptParams): boolean =>
  Number.isInteger(s.N) &&
  s.N >= 2 ** 10 &&
  s.N <= 2 ** 20 &&
  (s.N & (s.N - 1)) === 0 &&
  Number.isInteger(s.r) &&
  s.r >= 1 &&
  s.r <= 32 &&
  Number.isInteger(s.p) &&
  s.p >= 1 &&
  s.p <= 16

/** Derives the 32-byte key from a passphrase. */
export const deriveKey = (passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scrypt(
      passphrase,
      salt,
      32,
      { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    )
  })

/** A new random salt for a passphrase-keyed file. */
export const newSalt = (): Buffer => randomBytes(16)

/** Ciphertext and what is needed to open it (all base64 in the file). */
export interface Sealed {
  readonly iv: Buffer
  readonly tag: Buffer
  readonly data: Buffer
}

/** Encrypts `plaintext` with `key`, binding `aad`. */
export const seal = (key: Buffer, plaintext: string, aad: string): Sealed => {
  const iv = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", key, iv)
  cipher.setAAD(Buffer.from(aad, "utf8"))
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
  return { iv, tag: cipher.getAuthTag(), data }
}

/** Decrypts, or returns undefined when the key does not match or the file was altered. */
export const open = (key: Buffer, sealed: Sealed, aad: string): string | undefined => {
  if (sealed.iv.byteLength !== 12 || sealed.tag.byteLength !== 16) return undefined
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv, { authTagLength: 16 })
    decipher.setAAD(Buffer.from(aad, "utf8"))
    decipher.setAuthTag(sealed.tag)
    return Buffer.concat([decipher.update(sealed.data), decipher.final()]).toString("utf8")
  } catch {
    return undefined
  }
}
