/**
 * Store-independent rules for a token record: the compare of compare-and-set (constant time),
 * and building the next record from a caller's input (validation, generation, updatedAt).
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import { StoreConflict } from "../../StoreError.ts"
import type { StoredToken, StoredTokenInput } from "../../TokenStore.ts"
import { refreshTokenFingerprint, sameFingerprint } from "../fingerprint.ts"

/** The fingerprint of each `Redacted` compared so far (never the secret; dropped with the instance). */
const fingerprints = new WeakMap<Redacted.Redacted<string>, string>()

const fingerprintOf = (token: Redacted.Redacted<string>): string => {
  let fingerprint = fingerprints.get(token)
  if (fingerprint === undefined) {
    fingerprint = refreshTokenFingerprint(Redacted.value(token))
    fingerprints.set(token, fingerprint)
  }
  return fingerprint
}

/**
 * Whether two refresh tokens are equal, in time independent of where they differ. The same
 * `Redacted` instance is equal to itself without hashing (the usual case: a store hands back the
 * instance it was given); identity says nothing about the secret's content.
 */
export const sameToken = (a: Redacted.Redacted<string>, b: Redacted.Redacted<string>): boolean =>
  a === b || sameFingerprint(fingerprintOf(a), fingerprintOf(b))

/** The conflict to fail with when `current` is not what the caller `expected`, else undefined. */
export const checkExpected = (
  location: string,
  current: StoredToken | undefined,
  expected: Redacted.Redacted<string> | undefined,
): StoreConflict | undefined => {
  if (expected === undefined) {
    return current === undefined
      ? undefined
      : new StoreConflict({
          location,
          expected: "empty",
          found: "other-token",
          generation: current.generation,
        })
  }
  if (current === undefined) return new StoreConflict({ location, expected: "token", found: "empty" })
  return sameToken(current.refreshToken, expected)
    ? undefined
    : new StoreConflict({ location, expected: "token", found: "other-token", generation: current.generation })
}

const isRedactedString = (u: unknown): u is Redacted.Redacted<string> =>
  Redacted.isRedacted(u) && typeof Redacted.value(u) === "string"

const optionalTypes: ReadonlyArray<readonly [keyof StoredTokenInput, "string" | "number"]> = [
  ["tokenType", "string"],
  ["expiresAt", "number"],
  ["issuedAt", "number"],
  ["scope", "string"],
  ["origin", "string"],
  ["deadSince", "number"],
  ["healRefused", "string"],
  ["healedAt", "number"],
]

/** The name of the first field of a save input that is not storable, or undefined. Never a value. */
export const invalidInputField = (input: StoredTokenInput): string | undefined => {
  if (!isRedactedString(input.refreshToken) || Redacted.value(input.refreshToken).length === 0) {
    return "refreshToken must be a non-empty Redacted string"
  }
  if (input.accessToken !== undefined && !isRedactedString(input.accessToken)) {
    return "accessToken must be a Redacted string"
  }
  if (
    input.rejected !== undefined &&
    (!Array.isArray(input.rejected) || !input.rejected.every((f) => typeof f === "string"))
  ) {
    return "rejected must be an array of strings"
  }
  if (
    input.supersedes !== undefined &&
    (typeof input.supersedes !== "number" || !Number.isSafeInteger(input.supersedes) || input.supersedes < 0)
  ) {
    return "supersedes must be a non-negative integer"
  }
  for (let i = 0; i < optionalTypes.length; i++) {
    // Indexed, not destructured: this runs on every save, often before the JIT has optimized it.
    const entry = optionalTypes[i] as (typeof optionalTypes)[number]
    const key = entry[0]
    const type = entry[1]
    const value = input[key]
    if (value !== undefined && (typeof value !== type || (type === "number" && !Number.isFinite(value)))) {
      return `${key} must be a ${type === "number" ? "finite number" : type}`
    }
  }
  return undefined
}

/** `a` without its keys whose value is `undefined`, so absent fields stay absent. */
export const omitUndefined = <A extends object>(a: A): A => {
  const out: Record<string, unknown> = {}
  for (const key in a) if (a[key] !== undefined) out[key] = a[key]
  return out as A
}

/** How many rejected access-token fingerprints a record keeps (the most recent). */
export const MAX_REJECTED_FINGERPRINTS = 16

/** The generation a save writes over `current`: above both it and the input's `supersedes`. */
export const nextGeneration = (currentGeneration: number | undefined, input: StoredTokenInput): number =>
  Math.max(currentGeneration ?? 0, input.supersedes ?? 0) + 1

/**
 * The record to store after `current`: the input's fields that hold a value, the next generation,
 * `updatedAt` = now. One check per field, in the record's order (this runs on every save).
 */
export const nextRecord = (
  input: StoredTokenInput,
  current: StoredToken | undefined,
  now: number,
): StoredToken => {
  const record: { -readonly [K in keyof StoredToken]?: StoredToken[K] } = { refreshToken: input.refreshToken }
  if (input.accessToken !== undefined) record.accessToken = input.accessToken
  if (input.tokenType !== undefined) record.tokenType = input.tokenType
  if (input.expiresAt !== undefined) record.expiresAt = input.expiresAt
  if (input.issuedAt !== undefined) record.issuedAt = input.issuedAt
  if (input.scope !== undefined) record.scope = input.scope
  if (input.origin !== undefined) record.origin = input.origin
  if (input.rejected !== undefined && input.rejected.length > 0) {
    record.rejected = input.rejected.slice(-MAX_REJECTED_FINGERPRINTS)
  }
  if (input.deadSince !== undefined) record.deadSince = input.deadSince
  if (input.healRefused !== undefined) record.healRefused = input.healRefused
  if (input.healedAt !== undefined) record.healedAt = input.healedAt
  record.generation = nextGeneration(current?.generation, input)
  record.updatedAt = now
  return record as StoredToken
}
