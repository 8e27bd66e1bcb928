/**
 * The credential's `authenticate`: Tangoe's headers (`shared/apiHeaders.ts`) on every request made with
 * the credential, and the first step of the credential test's token check.
 *
 * n8n 2.41.1 runs the credential's refresh hook for a test only when the access token is empty or after a
 * 401 (`shared/preAuthentication.ts` says why). So when the test's own request (marked by a header that
 * is never sent) comes with a held token that the test has not checked yet, `authenticate` answers it
 * with a 401 before anything is sent: n8n then runs the refresh hook, which checks the token with
 * `validate_bearer` and keeps it or refreshes it (and n8n saves the refresh), and authenticates the
 * request again, which now goes to the API.
 */
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestOptions } from "n8n-workflow"
import { authenticateTangoe } from "./apiHeaders"
import { holdsRefreshedToken, markSent, wasChecked } from "./credentialCopies"

/** The header that marks the credential test's request (removed before it is sent). */
export const TEST_REQUEST_HEADER = "x-tangoe-token-credential-test"

/**
 * The 401 that makes n8n run the credential's refresh hook for a test. Its message is what a user sees
 * only if an n8n version does not run the hook on a 401.
 */
export class HeldTokenNotChecked extends Error {
  readonly response = { status: 401 }

  constructor() {
    super(
      "The credential test could not check the stored access token: this n8n did not run the credential's token check. Run a workflow with the credential, then test again.",
    )
    this.name = "HeldTokenNotChecked"
  }
}

/** The request's headers without the test marker, and whether it was there. */
const withoutMarker = (options: IHttpRequestOptions): { isTest: boolean; options: IHttpRequestOptions } => {
  const headers: Record<string, unknown> = {}
  let isTest = false
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (name.toLowerCase() === TEST_REQUEST_HEADER) isTest = true
    else headers[name] = value
  }
  return {
    isTest,
    options: isTest ? { ...options, headers: headers as IDataObject } : options,
  }
}

/** The credential's `authenticate`, on n8n's copy of the credential's data. */
export async function authenticateCredential(
  copy: ICredentialDataDecryptedObject,
  requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
  const { isTest, options } = withoutMarker(requestOptions)
  if (isTest && !wasChecked(copy) && !holdsRefreshedToken(copy)) throw new HeldTokenNotChecked()
  markSent(copy)
  return await authenticateTangoe(copy, options)
}
