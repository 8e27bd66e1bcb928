/**
 * The credential's `preAuthentication` hook: when n8n calls it, either refresh (and hand n8n the
 * rotated refresh token to save) or keep the held access token and have n8n save nothing.
 *
 * n8n 2.41.1 (n8n `credentials-helper.js`, `CredentialsHelper.preAuthentication`) calls the hook when
 * the access token is empty and after a failed request (a 401; any error in the HTTP Request node's
 * legacy helper). It means to call it for every credential test too, but its test detection compares
 * the test node's type with `n8n-nodes-base.noOp` while the node carries the description's name
 * (`noOp`), so a test with a held token reaches the hook only through a 401: the credential's test
 * request provokes one (`shared/credentialTestRequest.ts`). Whatever the hook returns is saved into the
 * stored credential (read afresh from the database, the returned keys written over it) before the
 * request is sent, but only when the returned object has the access token: an object without one makes
 * n8n save nothing.
 *
 * - No access token: refresh (with a service account: the first grant, or a new one for a dead chain).
 * - The held token is the one this hook just gave the same copy (fresh from Tangoe): keep it (a new
 *   one would not fare better, and would cost a rotation).
 * - No request was sent with this copy yet, so the call is a credential test's: check the held token
 *   with Tangoe's `validate_bearer`. Valid for a while yet: keep it (a valid token of another tenant
 *   than the credential's fails, with the fields to fix). Not valid, about to expire, not checkable (the
 *   client is not permitted to validate, or validation failed): refresh, which n8n saves like any other.
 * - Otherwise a request with the held token failed: refresh.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from "n8n-workflow"
import { holdsRefreshedToken, markChecked, markRefreshed, wasSent } from "./credentialCopies"
import { readCredentialData } from "./credentialData"
import type { HttpRequestHelper } from "./refresh"
import { credentialTokens } from "./serviceAccount"
import { TangoeAuthError } from "./TangoeAuthError"
import { tenantMismatch, validateStoredToken } from "./tokenValidation"

/** A validated token with less time left than this is refreshed by a test (core's refresh-ahead skew). */
export const TEST_MIN_VALIDITY_SECONDS = 300

/** Nothing to save: n8n keeps the stored credential as it is and sends the request with the held token. */
const KEEP: IDataObject = {}

/** Refreshes (or grants) and returns exactly the fields n8n must save. */
async function refreshed(
  httpRequest: HttpRequestHelper,
  copy: ICredentialDataDecryptedObject,
): Promise<IDataObject> {
  const outcome = await credentialTokens(httpRequest, readCredentialData(copy))
  markRefreshed(copy, outcome.accessToken)
  return {
    accessToken: outcome.accessToken,
    refreshToken: outcome.refreshToken,
    expiresAt: new Date(outcome.expiresAt).toISOString(),
    ...(outcome.grant === undefined ? {} : { healedAt: new Date().toISOString() }),
  }
}

/** The credential test's check of the held token: keep it, refresh, or fail on another tenant. */
async function checkHeldToken(
  httpRequest: HttpRequestHelper,
  copy: ICredentialDataDecryptedObject,
): Promise<IDataObject> {
  markChecked(copy)
  const data = readCredentialData(copy)
  const validation = await validateStoredToken(httpRequest, data)
  if (validation.kind !== "valid") return await refreshed(httpRequest, copy)
  const mismatch = tenantMismatch(validation, data.tenant)
  if (mismatch !== undefined) {
    throw new TangoeAuthError(mismatch, { reason: "TenantMismatch", refreshTokenFingerprint: "" })
  }
  if (validation.secondsLeft !== undefined && validation.secondsLeft < TEST_MIN_VALIDITY_SECONDS) {
    return await refreshed(httpRequest, copy)
  }
  return KEEP
}

/** The hook, with n8n's `httpRequest` and the copy of the credential's data n8n passed. */
export async function tangoePreAuthentication(
  httpRequest: HttpRequestHelper,
  copy: ICredentialDataDecryptedObject,
): Promise<IDataObject> {
  if (readCredentialData(copy).accessToken === "") return await refreshed(httpRequest, copy)
  if (holdsRefreshedToken(copy)) return KEEP
  if (!wasSent(copy)) return await checkHeldToken(httpRequest, copy)
  return await refreshed(httpRequest, copy)
}
