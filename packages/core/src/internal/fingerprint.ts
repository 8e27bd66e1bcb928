/**
 * Every fingerprint core makes of a secret, in one place. Each names a secret (or a family of them)
 * without revealing it; none is reversible. Their formats are persisted (in token files, in Redis, in
 * n8n's credential data), so they never change: a new format gets a new name and a new label.
 *
 * Effect-free: `@tangoe-token/core/host` bundles it into n8n's node file.
 *
 * @internal
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"

/** Hex SHA-256 of the parts, each fed in turn (callers put their own separators or labels). */
const sha256Hex = (...parts: ReadonlyArray<string>): string => {
  const hash = createHash("sha256")
  for (const part of parts) hash.update(part, "utf8")
  return hash.digest("hex")
}

/** 32 hex characters of SHA-256: a secret named in a marker or a log line (the host entry's). */
export const secretFingerprint = (secret: string): string => sha256Hex(secret).slice(0, 32)

/** The identity of one refresh: SHA-256 of token URL, client id and refresh token, newline-separated. */
export const refreshKeyOf = (tokenUrl: string, clientId: string, refreshToken: string): string =>
  sha256Hex(`${tokenUrl}\n${clientId}\n${refreshToken}`)

/** A stored refresh token's fingerprint (64 hex characters, labelled): what stores compare-and-set on. */
export const refreshTokenFingerprint = (refreshToken: string): string =>
  sha256Hex("tangoe-token/refresh-token\0", refreshToken)

/** Whether two fingerprints are equal, in constant time. */
export const sameFingerprint = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))

const ORIGIN_KEY = "@tangoe-token/core provisioned-token origin v1"

/**
 * The `origin` of a provisioned refresh token: HMAC-SHA-256 under a fixed, versioned label, cut to
 * 128 bits, base64url (`o1.` + 22 characters). It identifies a token family: the store can say "this
 * token descends from the one you typed" without keeping what was typed.
 */
export const originFingerprint = (refreshToken: string): string =>
  `o1.${createHmac("sha256", ORIGIN_KEY).update(refreshToken, "utf8").digest().subarray(0, 16).toString("base64url")}`
