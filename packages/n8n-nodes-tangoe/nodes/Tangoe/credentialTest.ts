/**
 * The credential's Test button, as n8n 2.41.1 runs it: the credential type has no `test` request (n8n
 * would prefer it), and the node's credential entry names this function in `testedBy`. n8n calls it with
 * the credential's data and a context whose only HTTP helper is the legacy `request`.
 *
 * The token check (core's `validateToken`, with effect) is required at run time from the credential's
 * file, where core and effect are bundled once; the node's bundle stays free of effect.
 */
import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from "n8n-workflow"
import { tokenCheck } from "../../credentials/TangoeApi.credentials"
import type { HttpRequestHelper } from "../../shared/refresh"
import { fromLegacyRequest, testTangoeCredential } from "./credentialCheck"

/** The name `testedBy` gives. */
export const CREDENTIAL_TEST = "tangoeApiTest"

/** Runs the credential's checks with n8n's request helper. */
export async function tangoeApiTest(
  this: ICredentialTestFunctions,
  credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
  // n8n 2.41.1 gives a credential test only the legacy `request` helper; use `httpRequest` once it has one.
  const helpers = this.helpers as unknown as Record<string, unknown>
  const modern = helpers.httpRequest
  const http =
    typeof modern === "function"
      ? (modern as HttpRequestHelper)
      : fromLegacyRequest(Reflect.get(helpers, "request") as (options: object) => Promise<unknown>)
  return await testTangoeCredential(tokenCheck, http, credential.data ?? {})
}
