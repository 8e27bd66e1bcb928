/**
 * The token file format, version 1, and its validation. Never puts a token value into a
 * description: validation messages name fields and expected types only, and a JSON syntax error
 * is reported without the parser's message (which quotes the input).
 *
 * ```jsonc
 * // plain
 * { "version": 1, "token": { "refreshToken": "…", "accessToken": "…", "tokenType": "Bearer",
 *   "expiresAt": 1767225600000, "issuedAt": 1767218400000, "scope": "MOBPROC",
 *   "origin": "sha256:…", "rejected": ["<fingerprint>"], "generation": 3, "updatedAt": 1767218400123 } }
 * // encrypted: the same "token" object, as JSON, sealed with AES-256-GCM (see crypto.ts)
 * { "version": 1, "encrypted": { "alg": "aes-256-gcm", "kdf": "scrypt", "salt": "<b64>",
 *   "N": 32768, "r": 8, "p": 1, "iv": "<b64>", "tag": "<b64>", "data": "<b64>" } }
 * ```
 *
 * The record is validated with a Schema whose checks name the field (`recordFromJson`).
 * Absent optional fields are left out. Unknown fields are ignored, so a later 1.x may add some
 * (`rejected`, the fingerprints of access tokens an API refused, was added this way: older files
 * read as having none, and older readers ignore it; so were `deadSince`, when the server refused the
 * record's refresh token for good, `healRefused`, the fingerprint of a refused service account, and `healedAt`);
 * a version above 1 is refused (the library must be upgraded), never guessed at.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type { StoredToken } from "../../TokenStore.ts"
import { checked, rule, validate } from "../validation.ts"
import { type ScryptParams, type Sealed, validScrypt } from "./crypto.ts"
import { omitUndefined } from "./record.ts"

/** The format version this code writes and the highest it reads. */
export const FORMAT_VERSION = 1

/** The clear header of an encrypted file. */
export interface EncryptedHeader {
  readonly kdf: "raw" | "scrypt"
  readonly salt?: Buffer | undefined
  readonly scrypt?: ScryptParams | undefined
}

/** What a token file holds, before decryption and record validation. */
export type ParsedFile =
  | { readonly _tag: "Plain"; readonly token: unknown }
  | { readonly _tag: "Encrypted"; readonly header: EncryptedHeader; readonly sealed: Sealed }
  | { readonly _tag: "Invalid"; readonly reason: "Corrupt" | "UnsupportedVersion"; readonly detail: string }

const isObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const corrupt = (detail: string): ParsedFile => ({ _tag: "Invalid", reason: "Corrupt", detail })

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/
const base64Field = (o: Record<string, unknown>, key: string): Buffer | undefined => {
  const value = o[key]
  return typeof value === "string" && value.length % 4 === 0 && BASE64.test(value)
    ? Buffer.from(value, "base64")
    : undefined
}

/** The additional authenticated data of an encrypted file: its header, canonically. */
export const headerAad = (header: EncryptedHeader): string =>
  JSON.stringify([
    "tangoe-token-store",
    FORMAT_VERSION,
    "aes-256-gcm",
    header.kdf,
    header.salt?.toString("base64") ?? null,
    header.scrypt?.N ?? null,
    header.scrypt?.r ?? null,
    header.scrypt?.p ?? null,
  ])

/** Parses a token file's text. */
export const parseFile = (text: string): ParsedFile => {
  if (text.trim().length === 0) return corrupt("the file is empty")
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return corrupt("not JSON, perhaps truncated")
  }
  if (!isObject(json)) return corrupt("not a JSON object")
  const version = json.version
  if (typeof version !== "number" || !Number.isInteger(version)) return corrupt("no integer `version` field")
  if (version > FORMAT_VERSION)
    return { _tag: "Invalid", reason: "UnsupportedVersion", detail: String(version) }
  if (version !== FORMAT_VERSION) return corrupt(`unknown version ${version}`)
  if ("token" in json) return { _tag: "Plain", token: json.token }
  const enc = json.encrypted
  if (!isObject(enc)) return corrupt("neither `token` nor `encrypted` is present")
  if (enc.alg !== "aes-256-gcm") return corrupt("`encrypted.alg` must be aes-256-gcm")
  const iv = base64Field(enc, "iv")
  const tag = base64Field(enc, "tag")
  const data = base64Field(enc, "data")
  if (iv === undefined || tag === undefined || data === undefined) {
    return corrupt("`encrypted.iv`, `.tag` and `.data` must be base64")
  }
  const kdf = enc.kdf
  if (kdf === "raw") return { _tag: "Encrypted", header: { kdf }, sealed: { iv, tag, data } }
  if (kdf !== "scrypt") return corrupt("`encrypted.kdf` must be raw or scrypt")
  const salt = base64Field(enc, "salt")
  const scrypt = { N: enc.N, r: enc.r, p: enc.p } as ScryptParams
  if (salt === undefined || salt.byteLength < 16)
    return corrupt("`encrypted.salt` must be 16+ bytes of base64")
  if (!validScrypt(scrypt)) return corrupt("`encrypted.N`, `.r`, `.p` are not acceptable scrypt parameters")
  return { _tag: "Encrypted", header: { kdf, salt, scrypt }, sealed: { iv, tag, data } }
}

/** The file text of a plain store. */
export const plainFile = (token: Record<string, unknown>): string =>
  `${JSON.stringify({ version: FORMAT_VERSION, token }, null, 2)}\n`

/** The file text of an encrypted store. */
export const encryptedFile = (header: EncryptedHeader, sealed: Sealed): string =>
  `${JSON.stringify(
    {
      version: FORMAT_VERSION,
      encrypted: {
        alg: "aes-256-gcm",
        kdf: header.kdf,
        ...(header.salt === undefined ? {} : { salt: header.salt.toString("base64") }),
        ...header.scrypt,
        iv: sealed.iv.toString("base64"),
        tag: sealed.tag.toString("base64"),
        data: sealed.data.toString("base64"),
      },
    },
    null,
    2,
  )}\n`

/** The JSON object of a record (secrets revealed: only for writing into the file). */
export const recordToJson = (record: StoredToken): Record<string, unknown> =>
  omitUndefined({
    refreshToken: Redacted.value(record.refreshToken),
    accessToken: record.accessToken === undefined ? undefined : Redacted.value(record.accessToken),
    tokenType: record.tokenType,
    expiresAt: record.expiresAt,
    issuedAt: record.issuedAt,
    scope: record.scope,
    origin: record.origin,
    rejected: record.rejected,
    deadSince: record.deadSince,
    healRefused: record.healRefused,
    healedAt: record.healedAt,
    generation: record.generation,
    updatedAt: record.updatedAt,
  })

type FieldType = "string" | "number"

const isAbsent = (u: unknown): boolean => u === undefined || u === null
const hasType = (u: unknown, type: FieldType): boolean =>
  typeof u === type && (type === "string" || Number.isFinite(u))

/** One field of the record: absent (when optional) or of its type; reports a secret-free description. */
const field = (key: string, type: FieldType, required: boolean) =>
  checked(
    rule((u) => !required || !isAbsent(u), `\`token.${key}\` is missing`),
    rule((u) => isAbsent(u) || hasType(u, type), `\`token.${key}\` must be a ${type}`),
  )

/** The record's fields (checked in this order), then the rules across them. */
const tokenRecord = () =>
  Schema.Struct({
    refreshToken: field("refreshToken", "string", true),
    accessToken: field("accessToken", "string", false),
    tokenType: field("tokenType", "string", false),
    expiresAt: field("expiresAt", "number", false),
    issuedAt: field("issuedAt", "number", false),
    scope: field("scope", "string", false),
    origin: field("origin", "string", false),
    deadSince: field("deadSince", "number", false),
    healRefused: field("healRefused", "string", false),
    healedAt: field("healedAt", "number", false),
    generation: field("generation", "number", true),
    updatedAt: field("updatedAt", "number", true),
    rejected: checked(
      rule(
        (u) => isAbsent(u) || (Array.isArray(u) && u.every((f) => typeof f === "string")),
        "`token.rejected` must be an array of strings",
      ),
    ),
  }).check(
    rule((t) => (t as { refreshToken: string }).refreshToken.length > 0, "`token.refreshToken` is empty"),
    rule((t) => {
      const generation = (t as { generation: number }).generation
      return Number.isInteger(generation) && generation >= 0
    }, "`token.generation` must be a non-negative integer"),
  )

const validateRecord = (input: unknown) =>
  validate<ReturnType<typeof tokenRecord>, string>(tokenRecord, input)

/** The record in a file's `token` object, or a description naming the first bad field. */
export const recordFromJson = (token: unknown): StoredToken | { readonly invalid: string } => {
  if (!isObject(token)) return { invalid: "`token` is not an object" }
  // Absent and null fields are both "absent"; every key is present for the schema.
  const optional = <A>(key: string): A | undefined => (token[key] ?? undefined) as A | undefined
  const fields = {
    refreshToken: optional<string>("refreshToken"),
    accessToken: optional<string>("accessToken"),
    tokenType: optional<string>("tokenType"),
    expiresAt: optional<number>("expiresAt"),
    issuedAt: optional<number>("issuedAt"),
    scope: optional<string>("scope"),
    origin: optional<string>("origin"),
    deadSince: optional<number>("deadSince"),
    healRefused: optional<string>("healRefused"),
    healedAt: optional<number>("healedAt"),
    generation: optional<number>("generation"),
    updatedAt: optional<number>("updatedAt"),
    rejected: optional<unknown>("rejected"),
  }
  const result = validateRecord(fields)
  if (Result.isFailure(result)) return { invalid: result.failure.rule ?? "`token` is not a valid record" }
  const { accessToken, rejected } = fields
  return omitUndefined({
    refreshToken: Redacted.make(fields.refreshToken as string),
    accessToken: accessToken === undefined ? undefined : Redacted.make(accessToken),
    tokenType: fields.tokenType,
    expiresAt: fields.expiresAt,
    issuedAt: fields.issuedAt,
    scope: fields.scope,
    origin: fields.origin,
    rejected: Array.isArray(rejected) && rejected.length > 0 ? (rejected as Array<string>) : undefined,
    deadSince: fields.deadSince,
    healRefused: fields.healRefused,
    healedAt: fields.healedAt,
    generation: fields.generation as number,
    updatedAt: fields.updatedAt as number,
  })
}
