/**
 * How the simulator answers: JSON with PingFederate's headers, RFC 6749 §5.2 error bodies with their
 * status codes, and the RFC 6750 `WWW-Authenticate` challenge of the protected API.
 */
import type { ServerResponse } from "node:http"

/** PingFederate's JSON content type, exactly. */
export const JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

/** Token responses must not be cached (RFC 6749 §5.1). */
export const NO_STORE_HEADERS = { "Cache-Control": "no-store", Pragma: "no-cache" } as const

/** The OAuth error codes the token endpoint returns, with their HTTP status (RFC 6749 §5.2). */
export const OAUTH_ERROR_STATUS = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
} as const

/** An RFC 6749 error code. */
export type OAuthErrorCode = keyof typeof OAUTH_ERROR_STATUS

/** An OAuth error ready to send: the code, a description, and optional status/header overrides. */
export interface OAuthError {
  readonly error: OAuthErrorCode
  readonly description: string
  /** Overrides the code's status (413 for an oversized body). */
  readonly status?: number
  /** Set for `invalid_client` when the client used HTTP Basic (RFC 6749 §5.2). */
  readonly basicChallenge?: boolean
}

/** Builds an `OAuthError`. */
export const oauthError = (
  error: OAuthErrorCode,
  description: string,
  extra: { readonly status?: number; readonly basicChallenge?: boolean } = {},
): OAuthError => ({ error, description, ...extra })

/** The HTTP status of an OAuth error. */
export const statusOf = (error: OAuthError): number => error.status ?? OAUTH_ERROR_STATUS[error.error]

/** A fully built response, before faults get a chance to change it. */
export interface PreparedResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** A JSON response with PingFederate's content type and no-store headers. */
export const jsonResponse = (
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): PreparedResponse => ({
  status,
  headers: { "Content-Type": JSON_CONTENT_TYPE, ...NO_STORE_HEADERS, ...headers },
  body: JSON.stringify(body),
})

/** The response for an OAuth error: `{"error","error_description"}` with the right status and headers. */
export const oauthErrorResponse = (error: OAuthError): PreparedResponse =>
  jsonResponse(
    statusOf(error),
    { error: error.error, error_description: error.description },
    error.basicChallenge === true ? { "WWW-Authenticate": 'Basic realm="PingFederate"' } : {},
  )

/** 405 with the `Allow` header naming the method(s) the path takes. */
export const methodNotAllowedResponse = (allow: string): PreparedResponse =>
  jsonResponse(
    405,
    { error: "invalid_request", error_description: `Method not allowed; use ${allow}` },
    { Allow: allow },
  )

/** The protected API's 401: RFC 6750 `invalid_token` in the challenge and in a JSON body. */
export const invalidTokenResponse = (description: string): PreparedResponse =>
  jsonResponse(
    401,
    { error: "invalid_token", error_description: description },
    { "WWW-Authenticate": `Bearer error="invalid_token", error_description="${description}"` },
  )

/** Writes a prepared response in one go. */
export const send = (res: ServerResponse, response: PreparedResponse): void => {
  res.writeHead(response.status, {
    ...response.headers,
    "Content-Length": String(Buffer.byteLength(response.body)),
  })
  res.end(response.body)
}
