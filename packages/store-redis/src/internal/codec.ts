/**
 * A token record to and from the text stored in Redis: exactly the text of a core token file
 * (versioned JSON, plain or sealed with AES-256-GCM), so encryption at rest is the file store's
 * scheme, and a value copied out of Redis is a valid token file.
 *
 * With a passphrase, the scrypt salt of the stored value is reused by the next save, so the key
 * is derived once per store instance (scrypt costs ~100 ms).
 *
 * @internal
 */

import type { StoredToken } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import {
  defaultScrypt,
  deriveKey,
  type EncryptedHeader,
  encryptedFile,
  headerAad,
  type KeyMaterial,
  keyMaterial,
  newSalt,
  open,
  parseFile,
  plainFile,
  recordFromJson,
  recordToJson,
  seal,
} from "./coreStore.ts"

/** Why a stored value could not be turned into a record (a `StoreError` reason and detail). */
export interface CodecFailure {
  readonly reason: "Corrupt" | "UnsupportedVersion" | "KeyRequired" | "WrongKey" | "InvalidKey"
  readonly detail?: string | undefined
}

/** A decoded value: the record and the header to reuse when writing the next one. */
export interface Decoded {
  readonly record: StoredToken
  readonly header: EncryptedHeader | undefined
}

/** Encodes and decodes records with one (optional) key. */
export interface Codec {
  readonly encrypted: boolean
  readonly decode: (text: string) => Effect.Effect<Decoded, CodecFailure>
  /** The clear encryption header of a stored value, if it is an encrypted one (for salt reuse). */
  readonly headerOf: (text: string | undefined) => EncryptedHeader | undefined
  readonly encode: (
    record: StoredToken,
    previous: EncryptedHeader | undefined,
  ) => Effect.Effect<string, CodecFailure>
}

/** The checked key, or a secret-free description of what is wrong with it. */
export const checkKey = (
  key: Redacted.Redacted<Uint8Array | string> | undefined,
): KeyMaterial | undefined | { readonly invalid: string } => {
  if (key === undefined) return undefined
  const material = keyMaterial(key)
  return typeof material === "string" ? { invalid: material } : material
}

const failure = (reason: CodecFailure["reason"], detail?: string): CodecFailure => ({ reason, detail })

/** A codec for `key` (undefined: values are written in clear, and encrypted ones are refused). */
export const makeCodec = (key: KeyMaterial | undefined): Codec => {
  const derived = new Map<string, Promise<Buffer>>()

  const secretFor = (header: EncryptedHeader): Effect.Effect<Buffer, CodecFailure> => {
    if (key === undefined) return Effect.fail(failure("KeyRequired"))
    if (key.kdf !== header.kdf) {
      return Effect.fail(
        failure(
          "WrongKey",
          key.kdf === "raw"
            ? "the value was written with a passphrase"
            : "the value was written with a raw key",
        ),
      )
    }
    if (key.kdf === "raw") return Effect.succeed(key.key)
    const { passphrase } = key
    const salt = header.salt ?? Buffer.alloc(0)
    const params = header.scrypt ?? defaultScrypt
    const id = `${salt.toString("base64")}/${params.N}/${params.r}/${params.p}`
    return Effect.tryPromise({
      try: () => {
        let pending = derived.get(id)
        if (pending === undefined) {
          pending = deriveKey(passphrase, salt, params)
          derived.set(id, pending)
          pending.catch(() => derived.delete(id))
        }
        return pending
      },
      catch: () => failure("InvalidKey", "key derivation failed"),
    })
  }

  const decode = (text: string): Effect.Effect<Decoded, CodecFailure> =>
    Effect.gen(function* () {
      const parsed = parseFile(text)
      let token: unknown
      let header: EncryptedHeader | undefined
      switch (parsed._tag) {
        case "Invalid":
          return yield* Effect.fail(failure(parsed.reason, parsed.detail))
        case "Plain":
          token = parsed.token
          break
        case "Encrypted": {
          header = parsed.header
          const secret = yield* secretFor(header)
          const plaintext = open(secret, parsed.sealed, headerAad(header))
          if (plaintext === undefined) return yield* Effect.fail(failure("WrongKey"))
          try {
            token = JSON.parse(plaintext)
          } catch {
            return yield* Effect.fail(failure("Corrupt", "the decrypted content is not JSON"))
          }
        }
      }
      const record = recordFromJson(token)
      if ("invalid" in record) return yield* Effect.fail(failure("Corrupt", record.invalid))
      return { record, header }
    })

  const headerOf = (text: string | undefined): EncryptedHeader | undefined => {
    if (text === undefined) return undefined
    const parsed = parseFile(text)
    return parsed._tag === "Encrypted" ? parsed.header : undefined
  }

  const encode = (
    record: StoredToken,
    previous: EncryptedHeader | undefined,
  ): Effect.Effect<string, CodecFailure> => {
    const json = recordToJson(record)
    if (key === undefined) return Effect.succeed(plainFile(json))
    const header: EncryptedHeader =
      key.kdf === "raw"
        ? { kdf: "raw" }
        : previous?.kdf === "scrypt"
          ? previous
          : { kdf: "scrypt", salt: newSalt(), scrypt: defaultScrypt }
    return Effect.map(secretFor(header), (secret) =>
      encryptedFile(header, seal(secret, JSON.stringify(json), headerAad(header))),
    )
  }

  return { encrypted: key !== undefined, decode, headerOf, encode }
}
