/**
 * The node's answer to a refresh race between processes. Two n8n processes (two `n8n execute`, or
 * queue-mode workers) that both see the access token expire both refresh with the same refresh
 * token; the server rotates it for the first and refuses the second (`invalid_grant`). The loser's
 * error carries the fingerprint of the refused token. If n8n's stored refresh token changes within a
 * short wait, another process won and saved its tokens: the request is sent once more, and n8n reads
 * the winner's tokens for it. If it does not change, the token is really dead and the error stands.
 */
import { type IExecuteFunctions, type JsonObject, NodeApiError, sleep } from "n8n-workflow"
import { CREDENTIAL_NAME, readCredentialData } from "../../shared/credentialData"
import { fingerprint } from "../../shared/fingerprint"
import { findTangoeAuthMarker } from "../../shared/TangoeAuthError"

/** How long to wait for another process to save its rotated refresh token. */
export const ROTATION_WAIT_MILLIS = 10_000

/** How often the stored credential is read while waiting. */
export const ROTATION_POLL_MILLIS = 250

/** Options of {@link withRotationRetry} (tests shorten the waits). */
export interface RotationRetryOptions {
  readonly waitMillis?: number
  readonly pollMillis?: number
}

/**
 * Whether the stored refresh token stops being the refused one within the wait: polls the credential
 * (n8n reads it from its database each time).
 */
export async function waitForRotation(
  context: IExecuteFunctions,
  itemIndex: number,
  refusedFingerprint: string,
  options: RotationRetryOptions = {},
): Promise<boolean> {
  const wait = options.waitMillis ?? ROTATION_WAIT_MILLIS
  const poll = options.pollMillis ?? ROTATION_POLL_MILLIS
  for (let waited = 0; ; waited += poll) {
    const current = readCredentialData(await context.getCredentials(CREDENTIAL_NAME, itemIndex))
    if (current.refreshToken !== "" && fingerprint(current.refreshToken) !== refusedFingerprint) return true
    if (waited >= wait) return false
    await sleep(poll)
  }
}

/**
 * Runs `send`; when it fails because the refresh token was refused and another process has meanwhile
 * stored a new one, runs it once more. Other failures are rethrown as n8n errors (an n8n error as is).
 */
export async function withRotationRetry<A>(
  context: IExecuteFunctions,
  itemIndex: number,
  send: () => Promise<A>,
  options: RotationRetryOptions = {},
): Promise<A> {
  try {
    return await send()
  } catch (error) {
    const marker = findTangoeAuthMarker(error)
    const retry =
      marker?.reason === "InvalidGrant" &&
      (await waitForRotation(context, itemIndex, marker.refreshTokenFingerprint, options))
    if (!retry) throw new NodeApiError(context.getNode(), error as JsonObject, { itemIndex })
    return await send()
  }
}
