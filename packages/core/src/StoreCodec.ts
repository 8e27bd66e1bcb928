/**
 * The token file's text, for stores that keep a record somewhere other than a file.
 *
 * A `StoredToken` encoded by this codec is exactly the text `fileStore` writes (versioned JSON,
 * plain or sealed with AES-256-GCM under a raw 32-byte key or a scrypt passphrase), so a value
 * copied out of another store (Redis, a database row) is a valid token file, and vice versa.
 * Shared stores also get the record rules every store follows: the next record of a save
 * (`generation` + 1, `updatedAt`) and the validation of a save's input.
 *
 * - `storeCodec(options)`: a codec for one (optional) encryption key; with a passphrase, the
 *   derived key is cached per salt, and `encode(record, previousText)` reuses the salt of the
 *   value it replaces, so scrypt (~100 ms) runs once per codec.
 * - `nextStoredToken(input, current, now)` and `invalidStoredTokenInput(input)`.
 *
 * Failures are `StoreCodecError`s whose `reason` is a `StoreErrorReason` (`Corrupt`,
 * `UnsupportedVersion`, `KeyRequired`, `WrongKey`, `InvalidKey`): a store turns one into its own
 * `StoreError` by adding its location. No token value ever appears in a failure.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import {
  defaultScrypt,
  deriveKey,
  type KeyMaterial,
  keyMaterial,
  newSalt,
  open,
  seal,
} from "./internal/store/crypto.ts"
import {
  type EncryptedHeader,
  encryptedFile,
  headerAad,
  parseFile,
  plainFile,
  recordFromJson,
  recordToJson,
} from "./internal/store/fileFormat.ts"
import { invalidInputField, nextRecord } from "./internal/store/record.ts"
import type { StoredToken, StoredTokenInput } from "./TokenStore.ts"

/**
 * Why a text could not be decoded or a record encoded. A subset of `StoreErrorReason`.
 *
 * @category models
 * @since 0.1.0
 */
export type StoreCodecErrorReason =
  | "Corrupt"
  | "UnsupportedVersion"
  | "KeyRequired"
  | "WrongKey"
  | "InvalidKey"

const what: Record<StoreCodecErrorReason, string> = {
  Corrupt: "is not a valid token record — restore it, or delete it and provision a new refresh token",
  UnsupportedVersion: "was written by a newer version of @tangoe-token/core — upgrade this library",
  KeyRequired: "is encrypted and no key was given — pass the encryptionKey it was written with",
  WrongKey:
    "is encrypted with another key (or was altered) — pass the original key, or provision a new refresh token",
  InvalidKey: "cannot be processed: the encryption key is not usable — fix the key",
}

/**
 * A token record text could not be decoded, or a record could not be encoded with the key given.
 * `detail` is short and secret-free (a field name, a format version, `key derivation failed`).
 *
 * @category errors
 * @since 0.1.0
 */
export class StoreCodecError extends /* @__PURE__ */ Data.TaggedError("StoreCodecError")<{
  /** What is wrong, as the `reason` of a `StoreError`. */
  readonly reason: StoreCodecErrorReason
  /** A short, secret-free description: the bad field, the version found… */
  readonly detail?: string | undefined
}> {
  /**
   * What is wrong with the stored value and what to do.
   *
   * @since 0.1.0
   */
  override get message(): string {
    return `the stored token value ${what[this.reason]}${this.detail === undefined ? "" : ` (${this.detail})`}`
  }
}

/**
 * Options of `storeCodec`.
 *
 * @category models
 * @since 0.1.0
 */
export interface StoreCodecOptions {
  /**
   * Encrypts with AES-256-GCM, exactly as `fileStore` does: a `Uint8Array` of 32 random bytes
   * (the key), or a passphrase (scrypt N=2^15, r=8, p=1, random salt kept in the text). Without
   * it records are encoded as plain JSON and encrypted texts fail with `KeyRequired`.
   */
  readonly encryptionKey?: Redacted.Redacted<Uint8Array | string> | undefined
}

/**
 * Encodes and decodes token records as token-file text with one (optional) key.
 *
 * @category models
 * @since 0.1.0
 */
export interface StoreCodec {
  /** Whether `encode` encrypts. */
  readonly encrypted: boolean
  /** The record in a token-file text (plain, or encrypted with this codec's key). */
  readonly decode: (text: string) => Effect.Effect<StoredToken, StoreCodecError>
  /**
   * The token-file text of `record`. Pass the text it replaces as `previousText`: with a
   * passphrase, its salt is reused, so the derived key is not computed again.
   */
  readonly encode: (
    record: StoredToken,
    previousText?: string | undefined,
  ) => Effect.Effect<string, StoreCodecError>
}

const failure = (reason: StoreCodecErrorReason, detail?: string) =>
  Effect.fail(new StoreCodecError({ reason, detail }))

/**
 * A codec for `options.encryptionKey`, or a `StoreCodecError` (`InvalidKey`) when the key is not
 * usable (a raw key that is not 32 bytes, an empty passphrase).
 *
 * @example
 * ```ts
 * const codec = Result.getOrThrow(storeCodec({ encryptionKey: Redacted.make(passphrase) }))
 * const text = yield* codec.encode(nextStoredToken(input, current, now), previousText)
 * const record = yield* codec.decode(text)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const storeCodec = (options: StoreCodecOptions = {}): Result.Result<StoreCodec, StoreCodecError> => {
  if (options.encryptionKey === undefined) return Result.succeed(makeCodec(undefined))
  const material = keyMaterial(options.encryptionKey)
  return typeof material === "string"
    ? Result.fail(new StoreCodecError({ reason: "InvalidKey", detail: material }))
    : Result.succeed(makeCodec(material))
}

const makeCodec = (key: KeyMaterial | undefined): StoreCodec => {
  const derived = new Map<string, Promise<Buffer>>()

  const secretFor = (header: EncryptedHeader): Effect.Effect<Buffer, StoreCodecError> => {
    if (key === undefined) return failure("KeyRequired")
    if (key.kdf !== header.kdf) {
      return failure(
        "WrongKey",
        key.kdf === "raw"
          ? "the value was written with a passphrase"
          : "the value was written with a raw key",
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
      catch: () => new StoreCodecError({ reason: "InvalidKey", detail: "key derivation failed" }),
    })
  }

  const decode = (text: string): Effect.Effect<StoredToken, StoreCodecError> =>
    Effect.gen(function* () {
      const parsed = parseFile(text)
      let token: unknown
      switch (parsed._tag) {
        case "Invalid":
          return yield* failure(parsed.reason, parsed.detail)
        case "Plain":
          token = parsed.token
          break
        case "Encrypted": {
          const secret = yield* secretFor(parsed.header)
          const plaintext = open(secret, parsed.sealed, headerAad(parsed.header))
          if (plaintext === undefined) return yield* failure("WrongKey")
          try {
            token = JSON.parse(plaintext)
          } catch {
            return yield* failure("Corrupt", "the decrypted content is not JSON")
          }
        }
      }
      const record = recordFromJson(token)
      return "invalid" in record ? yield* failure("Corrupt", record.invalid) : record
    })

  const encode = (
    record: StoredToken,
    previousText?: string | undefined,
  ): Effect.Effect<string, StoreCodecError> => {
    const json = recordToJson(record)
    if (key === undefined) return Effect.succeed(plainFile(json))
    const previous = previousText === undefined ? undefined : parseFile(previousText)
    const header: EncryptedHeader =
      key.kdf === "raw"
        ? { kdf: "raw" }
        : previous?._tag === "Encrypted" && previous.header.kdf === "scrypt"
          ? previous.header
          : { kdf: "scrypt", salt: newSalt(), scrypt: defaultScrypt }
    return Effect.map(secretFor(header), (secret) =>
      encryptedFile(header, seal(secret, JSON.stringify(json), headerAad(header))),
    )
  }

  return { encrypted: key !== undefined, decode, encode }
}

/**
 * The record a store saves after `current`: the input's fields (absent ones left out),
 * `generation` = `current.generation` + 1 (1 for an empty store), `updatedAt` = `now`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const nextStoredToken = (
  input: StoredTokenInput,
  current: StoredToken | undefined,
  now: number,
): StoredToken => nextRecord(input, current, now)

/**
 * The first reason a save's input is not storable (e.g. `refreshToken must be a non-empty
 * Redacted string`), naming the field and never its value; `undefined` when it is storable. A
 * store fails such a save with `StoreError` reason `InvalidInput` and this as `detail`.
 *
 * @category validation
 * @since 0.1.0
 */
export const invalidStoredTokenInput = (input: StoredTokenInput): string | undefined =>
  invalidInputField(input)
