/**
 * What this process knows about one copy of the credential's data, the object n8n hands to the
 * credential's `preAuthentication` and `authenticate` while it makes one request. In n8n 2.41.1
 * (`httpRequestWithAuthentication` and `requestWithAuthentication`, n8n-core
 * `request-helpers/authentication.js`) both hooks get the SAME object for one request: the refresh
 * hook (only when the access token is empty), `authenticate`, the request, and the refresh hook once
 * more after a failure (a 401, or any error for the HTTP Request node's legacy helper).
 *
 * Nothing here holds a secret beyond the life of n8n's own copy (weak references).
 */
import type { ICredentialDataDecryptedObject } from "n8n-workflow"

/** Copies a request was sent with (`authenticate` let it go). */
const sent = new WeakSet<ICredentialDataDecryptedObject>()

/** Copies whose held token the credential test checked. */
const checked = new WeakSet<ICredentialDataDecryptedObject>()

/** Copies that got their access token from this process's refresh hook, and which one. */
const refreshed = new WeakMap<ICredentialDataDecryptedObject, string>()

/** Records that a request is sent with `copy`. */
export function markSent(copy: ICredentialDataDecryptedObject): void {
  sent.add(copy)
}

/** Whether a request was already sent with `copy` (a refresh hook call is then after a failure). */
export function wasSent(copy: ICredentialDataDecryptedObject): boolean {
  return sent.has(copy)
}

/** Records that the credential test checked the token `copy` holds. */
export function markChecked(copy: ICredentialDataDecryptedObject): void {
  checked.add(copy)
}

/** Whether the credential test checked the token `copy` holds. */
export function wasChecked(copy: ICredentialDataDecryptedObject): boolean {
  return checked.has(copy)
}

/** Records that the refresh hook gave `copy` the access token `accessToken` (n8n copies it in). */
export function markRefreshed(copy: ICredentialDataDecryptedObject, accessToken: string): void {
  refreshed.set(copy, accessToken)
}

/** Whether `copy` still holds the access token the refresh hook gave it (a token fresh from Tangoe). */
export function holdsRefreshedToken(copy: ICredentialDataDecryptedObject): boolean {
  const token = refreshed.get(copy)
  return token !== undefined && token !== "" && copy.accessToken === token
}
