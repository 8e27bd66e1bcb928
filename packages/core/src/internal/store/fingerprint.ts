/**
 * The SHA-256 fingerprint of a refresh token, so that a store can compare tokens (the compare of
 * compare-and-set) without keeping or revealing them, and the constant-time compare of two
 * fingerprints.
 *
 * @internal
 */
import { createHash, timingSafeEqual } from "node:crypto"
import * as Redacted from "effect/Redacted"

/** 64 hex characters: SHA-256 over a fixed label and the token. Stable: stores persist it. */
export const refreshTokenFingerprint = (token: Redacted.Redacted<string>): string =>
  createHash("sha256")
    .update("tangoe-token/refresh-token\0", "utf8")
    .update(Redacted.value(token), "utf8")
    .digest("hex")

/** Whether two fingerprints are equal, in time independent of where they differ. */
export const sameFingerprint = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))
