/**
 * The node's side of core's recovery after a refresh race lost to another process (core's
 * `retryAfterRefusal`): two n8n processes (two `n8n execute`, or queue-mode workers) that both see the
 * access token expire both refresh with the same refresh token, and the server refuses the second
 * (`invalid_grant`). Here only the n8n translation: the refused token's fingerprint comes from the
 * credential error's marker, the host's copy is the credential n8n reads from its database, the pause
 * is n8n's `sleep`, and a failure becomes an n8n error.
 */
import { retryAfterRefusal } from "@tangoe-token/core/host"
import { type IExecuteFunctions, type JsonObject, NodeApiError, sleep } from "n8n-workflow"
import { CREDENTIAL_NAME, readCredentialData } from "../../shared/credentialData"
import { findTangoeAuthMarker } from "../../shared/TangoeAuthError"

/** Options of {@link withRefusalRecovery} (tests shorten the waits; core's defaults otherwise). */
export interface RefusalRecoveryOptions {
  readonly waitMillis?: number
  readonly pollMillis?: number
}

/** The fingerprint of the refresh token an `invalid_grant` anywhere in `error`'s causes refused. */
const refusedFingerprintOf = (error: unknown): string | undefined => {
  const marker = findTangoeAuthMarker(error)
  return marker?.reason === "InvalidGrant" ? marker.refreshTokenFingerprint : undefined
}

/**
 * Runs `send`; when it failed because the refresh token was refused and n8n's stored credential then
 * holds a newer one, runs it once more (n8n reads the winner's tokens for it). A failure of the first
 * send that is not recovered becomes a `NodeApiError`; a failure of the second is rethrown as is.
 */
export async function withRefusalRecovery<A>(
  context: IExecuteFunctions,
  itemIndex: number,
  send: () => Promise<A>,
  options: RefusalRecoveryOptions = {},
): Promise<A> {
  let sends = 0
  const outcome = await retryAfterRefusal({
    send: () => {
      sends++
      return send()
    },
    refusedFingerprintOf,
    reread: async () =>
      readCredentialData(await context.getCredentials(CREDENTIAL_NAME, itemIndex)).refreshToken,
    sleep,
    waitMillis: options.waitMillis,
    pollMillis: options.pollMillis,
  }).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  if (outcome.ok) return outcome.value
  // The second send's failure is its own (an n8n error already, or the item's handler wraps it).
  if (sends > 1) throw outcome.error
  throw new NodeApiError(context.getNode(), outcome.error as JsonObject, { itemIndex })
}
