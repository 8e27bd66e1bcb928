/**
 * Short, one-way fingerprints of secrets, so that in-process maps and error markers can refer to a
 * refresh token without holding or showing it.
 */
import { createHash } from "node:crypto"

/**
 * A SHA-256 fingerprint (32 hex characters) of a secret. It cannot be turned back into the secret
 * and never equals it.
 */
export function fingerprint(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 32)
}

/**
 * The identity of one refresh: token URL, client and (the fingerprint of) the refresh token. Two
 * refreshes with the same key would send the same refresh token, so only one of them may go out.
 */
export function refreshKey(tokenUrl: string, clientId: string, refreshToken: string): string {
  return `${tokenUrl}\n${clientId}\n${fingerprint(refreshToken)}`
}
