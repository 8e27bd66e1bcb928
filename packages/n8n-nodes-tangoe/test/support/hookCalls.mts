/**
 * The credential's hooks called in the order n8n 2.41.1 calls them on one copy of the credential's
 * data (n8n-core `request-helpers/authentication.js`): `preAuthentication` before a request (for an
 * empty access token, or a credential test), `authenticate` for the request, and `preAuthentication`
 * again after the request failed.
 */
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestOptions } from "n8n-workflow"
import { TangoeApi } from "../../credentials/TangoeApi.credentials.ts"

const credential = new TangoeApi()

/** n8n's `httpRequest` helper, as the hook gets it. */
export type HttpRequest = (options: IHttpRequestOptions) => Promise<unknown>

/** When n8n calls the hook: before any request with this copy, or after one made with it failed. */
export type HookMoment = "beforeRequest" | "afterFailedRequest"

/** The credential's `authenticate`, as n8n calls it for a request. */
export async function authenticate(
  copy: ICredentialDataDecryptedObject,
  options: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
  const hook = credential.authenticate
  if (typeof hook !== "function") throw new Error("authenticate must be a function")
  return await hook(copy, options)
}

/** Calls `preAuthentication` on `copy` at `moment` (after a failure: a request was authenticated first). */
export async function preAuthenticate(
  httpRequest: HttpRequest,
  copy: ICredentialDataDecryptedObject,
  moment: HookMoment = "beforeRequest",
): Promise<IDataObject> {
  if (moment === "afterFailedRequest") await authenticate(copy, { url: "https://api.example.com/x" })
  return await credential.preAuthentication.call({ helpers: { httpRequest } } as never, copy)
}
