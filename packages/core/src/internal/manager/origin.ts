/**
 * The `origin` fingerprint of a provisioned refresh token: a keyed hash (HMAC-SHA-256 under a fixed,
 * versioned label), truncated to 128 bits and base64url-encoded. It identifies a token family
 * without revealing the token: the store can say "this token descends from the one you typed"
 * without keeping what was typed.
 *
 * @internal
 */
import { createHmac } from "node:crypto"
import * as Redacted from "effect/Redacted"

const KEY = "@tangoe-token/core provisioned-token origin v1"

/** `o1.` + 22 base64url characters. */
export const fingerprint = (token: Redacted.Redacted<string>): string =>
  `o1.${createHmac("sha256", KEY).update(Redacted.value(token), "utf8").digest().subarray(0, 16).toString("base64url")}`
