/**
 * The credential's Test button, as a declarative test request (the credential type's `test`). n8n
 * 2.41.1 runs it through its routing path (n8n `credentials-tester.service.js`, `runRequestTest`, then
 * n8n-core `httpRequestWithAuthentication`), where the credential's refresh hook runs and n8n SAVES what
 * a refresh returns, rotated refresh token included: for an empty access token before the request, and
 * for a held one on the 401 that the credential's `authenticate` answers this request with until the
 * hook has checked the token with `validate_bearer` (`shared/credentialAuthenticate.ts`,
 * `shared/preAuthentication.ts`). Then this request goes out with the credential's headers
 * (`Authorization`, `X-TNGO-TENANT`, `client_id`, a correlation id).
 *
 * The request is one GET on the API Base URL. Statuses in `except` fail, with the rule's message where
 * there is one: 401 and 403 (Tangoe answers an expired or unauthorized token with either), 400 (Tangoe's
 * answer to a missing or unknown tenant), every other 3xx, 4xx and 5xx. 2xx and 404 pass: an API root
 * need not be a resource. n8n shows a rule's message as it is (no status text, no body).
 */
import type { IAuthenticateRuleResponseCode, ICredentialTestRequest } from "n8n-workflow"
import { TEST_REQUEST_HEADER } from "./credentialAuthenticate"

/** How long the API check may take. */
export const API_TEST_TIMEOUT_MILLIS = 30_000

/** Statuses an API root may answer a valid token and tenant with. */
const ACCEPTED = new Set([404])

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** Every status that fails the test: 3xx (redirects are not followed), 4xx but 404, 5xx. */
export const FAILING_STATUSES: readonly number[] = range(300, 599).filter((status) => !ACCEPTED.has(status))

/** What the test says for a failing status. */
export function failureMessage(status: number): string {
  const where = "The Tangoe API at the credential's API Base URL"
  if (status === 401 || status === 403) {
    return `${where} refused the call with ${status}, although the credential holds a valid or freshly refreshed token: the client is not authorized for the credential's Tenant (check the Tenant field and the client's access with Tangoe), or the API Base URL is not the Tangoe API.`
  }
  if (status === 400) {
    return `${where} answered 400, Tangoe's answer to a missing or unknown tenant: set the credential's Tenant field to the customer's tenant code Tangoe assigned.`
  }
  if (status >= 500) return `${where} answered ${status}: the API is failing, or the API Base URL is wrong.`
  if (status >= 300 && status < 400) {
    return `${where} answered ${status} (a redirect, not followed): set the API Base URL to the address it redirects to.`
  }
  return `${where} answered ${status}: check the API Base URL.`
}

/** The rules: one per failing status, each with its message. */
const rules: IAuthenticateRuleResponseCode[] = FAILING_STATUSES.map((status) => ({
  type: "responseCode",
  properties: { value: status, message: failureMessage(status) },
}))

/** The credential type's `test`. */
export const TANGOE_CREDENTIAL_TEST: ICredentialTestRequest = {
  request: {
    method: "GET",
    url: "={{$credentials.apiBaseUrl}}",
    headers: { [TEST_REQUEST_HEADER]: "1" },
    ignoreHttpStatusErrors: { ignore: true, except: [...FAILING_STATUSES] },
    disableFollowRedirect: true,
    timeout: API_TEST_TIMEOUT_MILLIS,
  },
  rules,
}
