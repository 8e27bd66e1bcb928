/**
 * Everything a call to a Tangoe API can fail with, apart from getting the token: ONE error,
 * `TangoeApiError`, whose `reason` says what happened (as `RefreshError` does for the token endpoint).
 *
 * - Answers with a Tangoe error body (`{ status, id, errorCode, message }`, the docs' `concepts/errors`)
 *   keep it as `body`, and every reason of a call keeps the `X-TNGO-CONTEXT-CORRELATIONID` we sent, so
 *   a user can quote both to Tangoe support.
 * - A 403 that a fresh token did not cure is `Forbidden`: an authorization failure, not a token problem.
 * - `message` is computed from the fields: what failed, then what to do after a dash. No reason ever
 *   holds a secret: URLs are shown without their query string, server text is masked.
 *
 * A failure to get the token is not a `TangoeApiError`: it stays the token client's own error
 * (`RefreshError`, `StoreError`, …).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import { hasProperty } from "effect/Predicate"

const TypeId = "~@tangoe-token/core/TangoeApiError"

/**
 * A Tangoe error body (docs: `concepts/errors`), as the server sent it (the message masked and cut to
 * a few hundred characters).
 *
 * @category models
 * @since 0.1.0
 */
export interface TangoeErrorBody {
  /** The HTTP status the body names. */
  readonly status?: number | undefined
  /** The id of this occurrence of the error (quote it to Tangoe support). */
  readonly id?: string | undefined
  /** Tangoe's code for the kind of error, e.g. `"400-missing-required-header"`. */
  readonly errorCode?: string | undefined
  /** What went wrong, in the server's words. */
  readonly message?: string | undefined
}

/**
 * Which call failed: never a query string, never a header value but the correlation id.
 *
 * @category models
 * @since 0.1.0
 */
export interface ApiCallFields {
  /** The HTTP method. */
  readonly method: string
  /** The URL without its query string. */
  readonly url: string
  /** The `X-TNGO-CONTEXT-CORRELATIONID` of the call that failed. */
  readonly correlationId?: string | undefined
}

/**
 * The fields of an answered call.
 *
 * @category models
 * @since 0.1.0
 */
export interface ApiResponseFields extends ApiCallFields {
  /** The HTTP status. */
  readonly status: number
  /** The Tangoe error body, when the answer had one. */
  readonly body?: TangoeErrorBody | undefined
}

/** The ids a user quotes to Tangoe support: the error's id and the correlation id we sent. */
const idsOf = (e: ApiCallFields & { readonly body?: TangoeErrorBody | undefined }): string => {
  const parts = [
    e.body?.id === undefined ? undefined : `error id ${e.body.id}`,
    e.correlationId === undefined ? undefined : `correlation id ${e.correlationId}`,
  ].filter((p) => p !== undefined)
  return parts.length === 0 ? "" : ` [${parts.join(", ")}]`
}

const quoteFor = (e: ApiCallFields & { readonly body?: TangoeErrorBody | undefined }): string =>
  idsOf(e) === "" ? "" : " (quote the ids above to Tangoe support)"

const answered = (e: ApiResponseFields): string => {
  const code = e.body?.errorCode === undefined ? "" : ` ${e.body.errorCode}`
  const said = e.body?.message === undefined ? "" : `: ${e.body.message}`
  return `${e.method} ${e.url} answered ${e.status}${code}${said}${idsOf(e)}`
}

/**
 * 400: the request is missing data or is malformed. `400-missing-required-header` means the tenant
 * (`X-TNGO-TENANT`) or `client_id` header was missing.
 *
 * @category reasons
 * @since 0.1.0
 */
export class BadRequest extends /* @__PURE__ */ Data.TaggedError("BadRequest")<ApiResponseFields> {
  /** What to do. */
  get advice(): string {
    return this.body?.errorCode === "400-missing-required-header"
      ? "every call needs the X-TNGO-TENANT and client_id headers: set the `tenant` option (the customer's tenant code), or let token validation find it"
      : `fix the request as the message says${quoteFor(this)}`
  }
  override get message(): string {
    return `${answered(this)} — ${this.advice}`
  }
}

/**
 * 403 that is not (or no longer) a token problem: the token is valid (a fresh one got the same answer)
 * but not authorized for this call.
 *
 * @category reasons
 * @since 0.1.0
 */
export class Forbidden extends /* @__PURE__ */ Data.TaggedError("Forbidden")<
  ApiResponseFields & {
    /** `true` when a freshly issued token was refused too. */
    readonly afterFreshToken: boolean
  }
> {
  /** What to do. */
  get advice(): string {
    return `the token is not authorized for this call: check the tenant (X-TNGO-TENANT), the client_id and the context headers, or ask Tangoe to grant the client or service account access${quoteFor(this)}`
  }
  override get message(): string {
    const fresh = this.afterFreshToken ? " (a freshly issued token got the same answer)" : ""
    return `${answered(this)}${fresh} — ${this.advice}`
  }
}

/**
 * The API refused a freshly issued token with a token-rejection status other than 403 (401), or refused
 * the token of a request that could not be replayed (a stream body).
 *
 * @category reasons
 * @since 0.1.0
 */
export class TokenRejected extends /* @__PURE__ */ Data.TaggedError("TokenRejected")<
  ApiResponseFields & {
    /** `true` when a freshly issued token was refused too. */
    readonly afterFreshToken: boolean
  }
> {
  /** What to do. */
  get advice(): string {
    return this.afterFreshToken
      ? "the API refuses tokens from this token endpoint: check that the API base URL and the token environment (production or QA) match, and the scope (e.g. MOBPROC)"
      : "the request's body could not be sent twice (a stream): send it again; the next call uses a new token"
  }
  override get message(): string {
    return `${answered(this)} — ${this.advice}`
  }
}

/**
 * 404: nothing at that path.
 *
 * @category reasons
 * @since 0.1.0
 */
export class NotFound extends /* @__PURE__ */ Data.TaggedError("NotFound")<ApiResponseFields> {
  /** What to do. */
  get advice(): string {
    return "check the path and the API base URL"
  }
  override get message(): string {
    return `${answered(this)} — ${this.advice}`
  }
}

/**
 * 5xx: the request failed on Tangoe's side.
 *
 * @category reasons
 * @since 0.1.0
 */
export class ApiServerError extends /* @__PURE__ */ Data.TaggedError("ApiServerError")<ApiResponseFields> {
  /** What to do. */
  get advice(): string {
    return `retry later; if it lasts, contact Tangoe support${quoteFor(this)}`
  }
  override get message(): string {
    return `${answered(this)} — ${this.advice}`
  }
}

/**
 * Another status than the documented ones (a redirect, 405, 429, …).
 *
 * @category reasons
 * @since 0.1.0
 */
export class UnexpectedStatus extends /* @__PURE__ */ Data.TaggedError(
  "UnexpectedStatus",
)<ApiResponseFields> {
  /** What to do. */
  get advice(): string {
    return this.status >= 300 && this.status < 400
      ? "the API redirected; redirects are not followed with the token: use the final URL as the base URL"
      : `check the method, path and base URL${quoteFor(this)}`
  }
  override get message(): string {
    return `${answered(this)} — ${this.advice}`
  }
}

/**
 * A 2xx answer that could not be read as expected (not JSON, too large).
 *
 * @category reasons
 * @since 0.1.0
 */
export class MalformedApiResponse extends /* @__PURE__ */ Data.TaggedError("MalformedApiResponse")<
  ApiResponseFields & {
    /** What was expected. */
    readonly expected: string
  }
> {
  /** What to do. */
  get advice(): string {
    return "check that the base URL points at a Tangoe API"
  }
  override get message(): string {
    return `${this.method} ${this.url} answered ${this.status} but the body is not ${this.expected} — ${this.advice}`
  }
}

/**
 * The HTTP exchange failed (DNS, connection, TLS, abort). `code` is a short machine code, never a message.
 *
 * @category reasons
 * @since 0.1.0
 */
export class ApiTransport extends /* @__PURE__ */ Data.TaggedError("ApiTransport")<
  ApiCallFields & {
    readonly code: string
    readonly mayHaveReachedServer: boolean
  }
> {
  /** What to do. */
  get advice(): string {
    return this.mayHaveReachedServer
      ? "the request may have been processed: check before sending it again"
      : "check the network and the API base URL, then retry"
  }
  override get message(): string {
    return `${this.method} ${this.url} failed (${this.code}) — ${this.advice}`
  }
}

/**
 * A URL (a caller's, or a page's `hrefNext`) points at another host than the API base URL: the token is
 * never sent there.
 *
 * @category reasons
 * @since 0.1.0
 */
export class ForeignHost extends /* @__PURE__ */ Data.TaggedError("ForeignHost")<{
  /** Where the URL came from: `"url"` (the caller) or `"hrefNext"` (a page). */
  readonly source: "url" | "hrefNext"
  /** The refused URL's origin (scheme, host, port). */
  readonly origin: string
  /** The API base URL's origin. */
  readonly expectedOrigin: string
}> {
  /** What to do. */
  get advice(): string {
    return this.source === "hrefNext"
      ? "the API's next-page link leaves the API host; if that host is Tangoe's, use it as the base URL"
      : "call paths under the API base URL, or set the base URL to that host"
  }
  override get message(): string {
    return `refused to send the token to ${this.origin} (${this.source}), which is not the API host ${this.expectedOrigin} — ${this.advice}`
  }
}

/**
 * A collection had more pages than `maxPages`.
 *
 * @category reasons
 * @since 0.1.0
 */
export class TooManyPages extends /* @__PURE__ */ Data.TaggedError("TooManyPages")<{
  readonly url: string
  readonly maxPages: number
}> {
  /** What to do. */
  get advice(): string {
    return "raise `maxPages`, raise `limit` (items per page), or narrow the query"
  }
  override get message(): string {
    return `${this.url} has more than ${this.maxPages} pages — ${this.advice}`
  }
}

/**
 * The fields of a token validation failure (`validate_bearer` at the token endpoint).
 *
 * @category models
 * @since 0.1.0
 */
export interface ValidationFields {
  /** `"production"`, `"qa"`, or the custom token URL without its query. */
  readonly environment: string
  /** The HTTP status. */
  readonly status: number
  /** The OAuth `error` code. */
  readonly error?: string | undefined
  /** The OAuth `error_description`, masked. */
  readonly error_description?: string | undefined
}

/**
 * The client is not permitted to validate tokens (`unauthorized_client`): Tangoe grants that permission
 * to client ids case by case.
 *
 * @category reasons
 * @since 0.1.0
 */
export class ValidationNotPermitted extends /* @__PURE__ */ Data.TaggedError(
  "ValidationNotPermitted",
)<ValidationFields> {
  /** What to do. */
  get advice(): string {
    return "ask Tangoe to permit this client id to validate tokens, or set the `tenant` option yourself (the customer's tenant code)"
  }
  override get message(): string {
    return `token validation at ${this.environment} answered ${this.status} ${this.error ?? ""}: this client is not permitted to validate tokens — ${this.advice}`
  }
}

/**
 * The token endpoint did not find the token valid (`invalid_grant`: unknown, expired or revoked).
 *
 * @category reasons
 * @since 0.1.0
 */
export class TokenNotValid extends /* @__PURE__ */ Data.TaggedError("TokenNotValid")<ValidationFields> {
  /** What to do. */
  get advice(): string {
    return "the token was revoked or expired early: the next call gets a new one"
  }
  override get message(): string {
    return `token validation at ${this.environment} answered ${this.status} ${this.error ?? ""}: the access token is not valid — ${this.advice}`
  }
}

/**
 * Token validation failed otherwise: another OAuth error, a 429/5xx, a malformed answer, a transport failure.
 *
 * @category reasons
 * @since 0.1.0
 */
export class ValidationFailed extends /* @__PURE__ */ Data.TaggedError("ValidationFailed")<
  ValidationFields & {
    /** What went wrong, when the answer did not say (`"not JSON"`, a transport code, …). */
    readonly detail?: string | undefined
  }
> {
  /** What to do. */
  get advice(): string {
    return this.error === "invalid_client"
      ? "use the client id and secret issued for this environment (a pair belongs to one environment)"
      : this.status === 429 || this.status >= 500 || this.status === 0
        ? "retry later"
        : "check the token URL and the client's settings"
  }
  override get message(): string {
    const why = [this.error, this.error_description, this.detail].filter((p) => p !== undefined).join(": ")
    const status = this.status === 0 ? "" : ` answered ${this.status}`
    return `token validation at ${this.environment}${status}${why === "" ? "" : ` (${why})`} — ${this.advice}`
  }
}

/**
 * No tenant was given, and token validation answered without one.
 *
 * @category reasons
 * @since 0.1.0
 */
export class TenantUnknown extends /* @__PURE__ */ Data.TaggedError("TenantUnknown")<{
  readonly environment: string
}> {
  /** What to do. */
  get advice(): string {
    return "set the `tenant` option (the customer's tenant code Tangoe assigned)"
  }
  override get message(): string {
    return `no tenant was given and token validation at ${this.environment} named none — ${this.advice}`
  }
}

/**
 * What a Tangoe API call failed with: the `reason` of a {@link TangoeApiError}.
 *
 * @category reasons
 * @since 0.1.0
 */
export type TangoeApiErrorReason =
  | BadRequest
  | Forbidden
  | TokenRejected
  | NotFound
  | ApiServerError
  | UnexpectedStatus
  | MalformedApiResponse
  | ApiTransport
  | ForeignHost
  | TooManyPages
  | ValidationNotPermitted
  | TokenNotValid
  | ValidationFailed
  | TenantUnknown

/**
 * A call to a Tangoe API (or a token validation) failed. `reason` says what happened (match on
 * `reason._tag`); `message` is the reason's: what failed, and what to do.
 *
 * @example
 * ```ts
 * try {
 *   await api.json("/orders")
 * } catch (error) {
 *   if (isTangoeApiError(error) && error.reason._tag === "Forbidden") console.error(error.message)
 * }
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class TangoeApiError extends /* @__PURE__ */ Data.TaggedError("TangoeApiError")<{
  /** What happened. */
  readonly reason: TangoeApiErrorReason
}> {
  constructor(props: { readonly reason: TangoeApiErrorReason }) {
    super(props)
    Object.defineProperty(this, "cause", { value: props.reason, enumerable: false, configurable: true })
  }

  /** Marks the error for {@link isTangoeApiError}, across copies of this library. */
  readonly [TypeId] = TypeId

  /**
   * What failed and what to do (the reason's `message`).
   *
   * @since 0.1.0
   */
  override get message(): string {
    return this.reason.message
  }
}

/**
 * Whether a value is a {@link TangoeApiError}, also one made by another copy of this library (a bundle).
 *
 * @category guards
 * @since 0.1.0
 */
export const isTangoeApiError = (u: unknown): u is TangoeApiError => hasProperty(u, TypeId)
