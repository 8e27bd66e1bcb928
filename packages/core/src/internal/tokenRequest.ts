/**
 * Builds the HTTP request of one refresh: the documented query form or the RFC 6749 form body,
 * client credentials as parameters or HTTP Basic (RFC 6749 Appendix B).
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import type { HttpTransportRequest } from "../HttpTransport.ts"
import type { ResolvedRefreshRequest } from "../RefreshRequest.ts"

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 Appendix B). */
export const formEncode = (value: string): string => new URLSearchParams([["", value]]).toString().slice(1)

/** The `Authorization` header value for HTTP Basic client authentication. */
export const basicCredentials = (clientId: string, clientSecret: Redacted.Redacted<string>): string =>
  Buffer.from(`${formEncode(clientId)}:${formEncode(Redacted.value(clientSecret))}`, "utf8").toString(
    "base64",
  )

/**
 * A grant other than the refresh: the password grant with a service account (Tangoe's "How to Request
 * an Access Token using the Password grant type": `username` and `password` after `scope`).
 */
export interface PasswordGrantParameters {
  readonly grantType: "password"
  readonly username: Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
}

/** The parameters in the order Tangoe documents them. */
const parameters = (
  request: Omit<ResolvedRefreshRequest, "refreshToken"> & {
    readonly refreshToken?: Redacted.Redacted<string> | undefined
  },
  grant: PasswordGrantParameters | undefined,
): Array<[string, string]> => {
  const params: Array<[string, string]> = [["grant_type", grant === undefined ? "refresh_token" : "password"]]
  if (request.clientAuth === "params") {
    params.push(["client_id", request.clientId], ["client_secret", Redacted.value(request.clientSecret)])
  }
  if (request.scope !== undefined) params.push(["scope", request.scope])
  if (grant === undefined)
    params.push(["refresh_token", Redacted.value(request.refreshToken as Redacted.Redacted<string>)])
  else params.push(["username", Redacted.value(grant.username)], ["password", Redacted.value(grant.password)])
  return params
}

/** The last token URL split into what goes before and after the parameters (one URL parse per endpoint). */
let lastSplit: { readonly url: string; readonly before: string; readonly after: string } | undefined

/**
 * `url` with `query` appended to its query string (after any parameters it already has, before its
 * fragment): what `URL#searchParams.append` gives, without re-serializing the URL once per parameter.
 */
const withQuery = (url: string, query: string): string => {
  if (lastSplit?.url !== url) {
    const target = new URL(url)
    const hash = target.hash
    target.hash = ""
    const base = target.href
    const existing = target.search.length > 1
    lastSplit = { url, before: `${base}${existing ? "&" : base.endsWith("?") ? "" : "?"}`, after: hash }
  }
  return `${lastSplit.before}${query}${lastSplit.after}`
}

/** The request for one refresh attempt (or, with `grant`, one password grant). */
export const buildTokenRequest = (
  request: Omit<ResolvedRefreshRequest, "refreshToken"> & {
    readonly refreshToken?: Redacted.Redacted<string> | undefined
  },
  maxBodyBytes: number,
  grant?: PasswordGrantParameters,
  timeoutMillis = 0,
): HttpTransportRequest =>
  tokenEndpointRequest(request, parameters(request, grant), maxBodyBytes, timeoutMillis)

/**
 * A POST to the token endpoint with `params`, placed and authenticated as the request says: in the
 * query string or a form body; the client's credentials in the parameters or as HTTP Basic.
 */
export const tokenEndpointRequest = (
  request: Pick<
    ResolvedRefreshRequest,
    "tokenUrl" | "placement" | "clientAuth" | "clientId" | "clientSecret"
  >,
  params: ReadonlyArray<[string, string]>,
  maxBodyBytes: number,
  timeoutMillis = 0,
): HttpTransportRequest => {
  const headers: Record<string, string> = { accept: "application/json" }
  if (request.clientAuth === "basic") {
    headers.authorization = `Basic ${basicCredentials(request.clientId, request.clientSecret)}`
  }
  let url = request.tokenUrl
  let body: string | undefined
  if (request.placement === "query") {
    url = withQuery(request.tokenUrl, new URLSearchParams(params).toString())
  } else {
    headers["content-type"] = "application/x-www-form-urlencoded"
    body = new URLSearchParams(params).toString()
  }
  return {
    method: "POST",
    url,
    headers,
    body,
    timeoutMillis,
    maxBodyBytes,
  }
}
