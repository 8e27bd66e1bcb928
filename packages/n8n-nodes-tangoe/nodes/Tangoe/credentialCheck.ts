/**
 * The credential's Test button (run by n8n as the Tangoe node's `methods.credentialTest`, see
 * `testedBy`): it checks what a workflow needs, and fails when that would fail.
 *
 * 1. The stored access token, through Tangoe's `validate_bearer` (`validate`, core's `validateToken`;
 *    it spends nothing). A token that validation names another tenant for than the credential's fails.
 * 2. The API: one GET on the API Base URL with the credential's headers (`Authorization`,
 *    `X-TNGO-TENANT` (the credential's, else the validated one), `client_id`, a correlation id). 401 and
 *    403 fail (Tangoe answers an expired or unauthorized token with either), so do 400 (Tangoe's answer
 *    to a missing or unknown tenant), 5xx and anything else but 2xx and 404 (an API root need not be a
 *    resource).
 *
 * It never refreshes: n8n does not save what a credential test function gets (n8n 2.41.1,
 * `CredentialsTester.testCredentials` hands the function the data and keeps only its verdict), and
 * Tangoe replaces the refresh token on every refresh, so a refresh here would lose the new one and leave
 * a dead one stored. Without a valid stored access token the test fails and says how to get one (any
 * run of the node refreshes, and n8n saves the result).
 */
import type {
  ICredentialDataDecryptedObject,
  IHttpRequestOptions,
  INodeCredentialTestResult,
} from "n8n-workflow"
import { authenticateTangoe } from "../../shared/apiHeaders"
import { readCredentialData, type TangoeCredentialData } from "../../shared/credentialData"
import type { HttpRequestHelper } from "../../shared/refresh"
import { tangoeErrorBody } from "./tangoeError"

/** The token check of the credential's file (`shared/tokenValidation.ts`). */
export interface TokenCheck {
  readonly RUN_ONCE: string
  readonly validateStoredToken: (
    httpRequest: HttpRequestHelper,
    data: TangoeCredentialData,
  ) => Promise<
    | {
        readonly kind: "valid"
        readonly tenant: string | undefined
        readonly multitenant: boolean
        readonly secondsLeft: number | undefined
      }
    | { readonly kind: "notPermitted" }
    | { readonly kind: "failed"; readonly message: string }
  >
}

/**
 * How the credential gets its token, as the test reports it: one line per authentication mode, keyed by
 * the credential's `authentication` field (absent: the refresh-token mode).
 */
const AUTHENTICATION_LABELS: Readonly<Record<string, string>> = {
  refreshToken: "refresh token",
  serviceAccount: "service account",
}

/** The label of the credential's authentication mode. */
export const authenticationLabel = (data: TangoeCredentialData): string =>
  AUTHENTICATION_LABELS[(data as { readonly authentication?: string }).authentication ?? "refreshToken"] ??
  "refresh token"

/** How long the API check may take. */
const API_TIMEOUT_MILLIS = 30_000

const failed = (message: string): INodeCredentialTestResult => ({ status: "Error", message })

/** A URL as messages show it: origin and path, never a query. */
const shown = (url: string): string => {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return "the API Base URL"
  }
}

/** Tangoe's errorCode and message from an error answer, for a message. */
const tangoeSays = (body: unknown): string => {
  const decoded = tangoeErrorBody(body, [])
  const parts = [decoded?.errorCode, decoded?.message].filter((p): p is string => p !== undefined)
  return parts.length === 0 ? "" : ` (${parts.join(": ")})`
}

/** Runs the test with n8n's HTTP helper (`httpRequest` shaped: full response, every status). */
export async function testTangoeCredential(
  tokens: TokenCheck,
  httpRequest: HttpRequestHelper,
  raw: ICredentialDataDecryptedObject,
): Promise<INodeCredentialTestResult> {
  const { RUN_ONCE } = tokens
  const data = readCredentialData(raw)
  const how = authenticationLabel(data)
  if (data.apiBaseUrl === "")
    return failed('Set the "API Base URL" field: the test calls the Tangoe API there.')
  if (data.accessToken === "")
    return failed(`No access token is stored yet, so nothing can be checked. ${RUN_ONCE}`)

  const validation = await tokens.validateStoredToken(httpRequest, data)
  if (validation.kind === "failed") return failed(validation.message)
  const checks: string[] = []
  let tenant = data.tenant
  if (validation.kind === "valid") {
    if (
      data.tenant !== "" &&
      validation.tenant !== undefined &&
      !validation.multitenant &&
      validation.tenant.toUpperCase() !== data.tenant.toUpperCase()
    ) {
      return failed(
        `The token belongs to tenant "${validation.tenant}", but the credential's Tenant is "${data.tenant}": Tangoe refuses calls for another tenant. Set the Tenant field to "${validation.tenant}" (or leave it empty).`,
      )
    }
    if (tenant === "") tenant = validation.tenant ?? ""
    const left =
      validation.secondsLeft === undefined
        ? ""
        : `, ${Math.max(0, Math.round(validation.secondsLeft / 60))} min left`
    checks.push(`token validated (tenant ${validation.tenant ?? "not named"}${left})`)
  } else {
    checks.push("token validation is not permitted for this client, so the API judged the token")
  }
  if (tenant === "") {
    return failed(
      "No tenant: set the credential's \"Tenant\" field (the customer's tenant code Tangoe assigned); every Tangoe API call needs it.",
    )
  }

  const request = await authenticateTangoe(
    { ...raw, tenant },
    {
      method: "GET",
      url: data.apiBaseUrl,
      headers: {},
    },
  )
  const options: IHttpRequestOptions = {
    ...request,
    returnFullResponse: true,
    ignoreHttpStatusErrors: true,
    disableFollowRedirect: true,
    json: false,
    timeout: API_TIMEOUT_MILLIS,
  }
  let status: number
  let body: unknown
  try {
    const response = (await httpRequest(options)) as { statusCode?: unknown; body?: unknown }
    status = typeof response.statusCode === "number" ? response.statusCode : 0
    body = response.body
  } catch {
    return failed(`The Tangoe API at ${shown(data.apiBaseUrl)} did not answer: check the API Base URL.`)
  }
  const where = `The Tangoe API at ${shown(data.apiBaseUrl)}`
  if (status === 401 || status === 403) {
    return failed(
      `${where} refused the call with ${status}${tangoeSays(body)}: ${
        validation.kind === "valid"
          ? `the token is valid, so the client is not authorized for tenant "${tenant}" (check the Tenant field and the client's access).`
          : `the stored token expired or the client is not authorized for tenant "${tenant}". ${RUN_ONCE}`
      }`,
    )
  }
  if (status === 400) return failed(`${where} answered 400${tangoeSays(body)}: check the Tenant field.`)
  if (status === 404 || (status >= 200 && status < 300)) {
    checks.push(`the API accepted the token and tenant ${tenant} (${status})`)
    return { status: "OK", message: `Connection successful with the ${how}: ${checks.join("; ")}.` }
  }
  return failed(`${where} answered ${status}${tangoeSays(body)}: check the API Base URL.`)
}

/** n8n's legacy `this.helpers.request` (the only helper a credential test function gets), as `httpRequest`. */
export function fromLegacyRequest(request: (options: object) => Promise<unknown>): HttpRequestHelper {
  return async (options: IHttpRequestOptions) =>
    await request({
      method: options.method ?? "GET",
      uri: options.url,
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
      ...(options.qs === undefined ? {} : { qs: options.qs }),
      resolveWithFullResponse: true,
      simple: false,
      followRedirect: false,
      followAllRedirects: false,
      json: false,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    })
}
