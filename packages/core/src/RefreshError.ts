/**
 * Everything a refresh can fail with, as tagged errors a user can act on. Each error's message is
 * computed from its fields and says what to do; none of them ever holds a secret (no token, no client
 * secret, no URL with a query string, no raw cause).
 *
 * Every error also knows two things the retry policy and the token manager need:
 * - `retryable`: retrying with the SAME refresh token is safe (the server did not process the request);
 * - `ambiguous`: the request may have been processed, so the refresh token may have been rotated and the
 *   new one lost. Retrying it with the same token can burn the token unless the server has a grace period.
 *
 * @since 0.1.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"

/**
 * The OAuth 2.0 error fields of a token endpoint response (RFC 6749 §5.2), kept as the server sent them
 * (the description is cut to a few hundred characters and any secret in it is masked).
 *
 * @category models
 * @since 0.1.0
 */
export interface OAuthErrorFields {
  /** The environment the request went to: `"production"`, `"qa"`, or the custom token URL without its query. */
  readonly environment: string
  /** The HTTP status of the response. */
  readonly status: number
  /** The OAuth `error` code, e.g. `"invalid_grant"`. */
  readonly error: string
  /** The OAuth `error_description`, when the server sent one. */
  readonly error_description?: string | undefined
}

const describe = (fields: { readonly error_description?: string | undefined }): string =>
  fields.error_description === undefined ? "" : ` ("${fields.error_description}")`

/** "the qa token endpoint", "the token endpoint at https://…" */
const endpoint = (environment: string): string =>
  environment === "production" || environment === "qa"
    ? `the Tangoe ${environment} token endpoint`
    : `the token endpoint at ${environment}`

/** "The qa token endpoint", for the start of a sentence. */
const Endpoint = (environment: string): string => {
  const s = endpoint(environment)
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}`
}

const seconds = (duration: Duration.Duration): string => `${Math.ceil(Duration.toMillis(duration) / 1000)} s`

const oauthPrefix = (fields: OAuthErrorFields): string =>
  `${Endpoint(fields.environment)} answered HTTP ${fields.status} ${fields.error}${describe(fields)}`

/**
 * The base of the OAuth errors that need no extra field: a server-sent OAuth error, never retryable,
 * never ambiguous, with a message made of the server's answer and `advice`.
 */
const OAuthError = <Tag extends string>(
  tag: Tag,
  advice: (fields: OAuthErrorFields) => string,
): (new (
  fields: OAuthErrorFields,
) => Cause.YieldableError &
  OAuthErrorFields & {
    readonly _tag: Tag
    readonly message: string
    readonly retryable: boolean
    readonly ambiguous: boolean
  }) =>
  class extends Data.TaggedError(tag)<OAuthErrorFields & { readonly message: string }> {
    constructor(fields: OAuthErrorFields) {
      super({ ...fields, message: `${oauthPrefix(fields)}. ${advice(fields)}` } as never)
    }
    /** Never: the server processed and rejected the request. */
    get retryable(): boolean {
      return false
    }
    /** No: the server processed and rejected the request. */
    get ambiguous(): boolean {
      return false
    }
  }

/**
 * The server rejected the refresh token (`invalid_grant`): it is expired, revoked or already used.
 * Retrying cannot help: re-provision a refresh token. When `afterAmbiguousAttempt` is `true`, an earlier
 * attempt of the same refresh may have been processed and its response lost: that attempt most likely
 * consumed (rotated) the token.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidGrant extends Data.TaggedError("InvalidGrant")<
  OAuthErrorFields & { readonly afterAmbiguousAttempt: boolean; readonly message: string }
> {
  constructor(fields: OAuthErrorFields & { readonly afterAmbiguousAttempt?: boolean | undefined }) {
    const afterAmbiguousAttempt = fields.afterAmbiguousAttempt === true
    const why = afterAmbiguousAttempt
      ? "The refresh token was probably consumed by an earlier attempt whose response was lost (the server rotated it, the new token never arrived)."
      : "The refresh token is expired, revoked or was already used (rotated)."
    super({
      ...fields,
      afterAmbiguousAttempt,
      message: `${oauthPrefix(fields)}. ${why} Retrying cannot help: re-provision a new refresh token for this client and store it.`,
    })
  }
  /** Never: the refresh token is dead. */
  get retryable(): boolean {
    return false
  }
  /** No: the server processed and rejected the request. */
  get ambiguous(): boolean {
    return false
  }
  /** The same error, marked as following an ambiguous attempt. */
  withAfterAmbiguousAttempt(): InvalidGrant {
    return new InvalidGrant({ ...oauthFieldsOf(this), afterAmbiguousAttempt: true })
  }
}

/**
 * The server rejected the client id / secret (`invalid_client`). A Tangoe client id/secret pair belongs
 * to ONE environment: a QA pair fails in production and vice versa.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidClient extends OAuthError(
  "InvalidClient",
  (fields) =>
    `The client id or secret is wrong for this environment: Tangoe issues each client id/secret pair for ONE environment, and this request went to ${fields.environment}. Check that the pair was issued for ${fields.environment} (a QA pair fails in production and vice versa) and that the secret is current.`,
) {}

/**
 * The server rejected the requested scope (`invalid_scope`).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidScope extends Data.TaggedError("InvalidScope")<
  OAuthErrorFields & { readonly scope?: string | undefined; readonly message: string }
> {
  constructor(fields: OAuthErrorFields & { readonly scope?: string | undefined }) {
    const requested = fields.scope === undefined ? "no scope" : `scope "${fields.scope}"`
    super({
      ...fields,
      message: `${oauthPrefix(fields)}. The request asked for ${requested}: ask only for scopes this client was granted (for example MOBPROC), or leave scope out to keep the original grant's scope.`,
    })
  }
  /** Never. */
  get retryable(): boolean {
    return false
  }
  /** No. */
  get ambiguous(): boolean {
    return false
  }
}

/**
 * The server said the request itself is malformed (`invalid_request`, or an OAuth error code this
 * library does not know, kept in `error`).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidRequest extends OAuthError(
  "InvalidRequest",
  () =>
    `The server did not accept the request's parameters: check the token URL, and try the other \`placement\` ("query" or "body") or \`clientAuth\` ("params" or "basic"); a proxy that rewrites requests can cause this too.`,
) {}

/**
 * The server does not accept `grant_type=refresh_token` at this endpoint (`unsupported_grant_type`).
 *
 * @category errors
 * @since 0.1.0
 */
export class UnsupportedGrantType extends OAuthError(
  "UnsupportedGrantType",
  () =>
    `This endpoint does not support the refresh_token grant: check that the token URL is the PingFederate token endpoint (…/as/token.oauth2).`,
) {}

/**
 * The client is not allowed to use the refresh token grant (`unauthorized_client`).
 *
 * @category errors
 * @since 0.1.0
 */
export class UnauthorizedClient extends OAuthError(
  "UnauthorizedClient",
  () =>
    `This client is not allowed the refresh_token grant: ask Tangoe to add "Refresh Token" to the client's allowed grant types in PingFederate.`,
) {}

/** The fields of {@link RateLimited}. */
export interface RateLimitedFields {
  readonly environment: string
  readonly status: number
  readonly retryAfter?: Duration.Duration | undefined
  readonly error?: string | undefined
  readonly error_description?: string | undefined
}

/**
 * The server (or a gateway in front of it) rate limited the request: HTTP 429. The request was not
 * processed, so the refresh token is unchanged and a retry after `retryAfter` is safe.
 *
 * @category errors
 * @since 0.1.0
 */
export class RateLimited extends Data.TaggedError("RateLimited")<
  RateLimitedFields & { readonly message: string }
> {
  constructor(fields: RateLimitedFields) {
    const wait = fields.retryAfter === undefined ? "a while" : seconds(fields.retryAfter)
    super({
      ...fields,
      message: `${Endpoint(fields.environment)} answered HTTP ${fields.status} (rate limited)${describe(fields)}. The refresh token was not used: wait ${wait} and retry.`,
    })
  }
  /** Yes: the request was not processed. */
  get retryable(): boolean {
    return true
  }
  /** No. */
  get ambiguous(): boolean {
    return false
  }
}

/** The fields of {@link ServerError}. */
export interface ServerErrorFields {
  readonly environment: string
  readonly status: number
  readonly retryAfter?: Duration.Duration | undefined
  readonly contentType?: string | undefined
  readonly error?: string | undefined
  readonly error_description?: string | undefined
}

/**
 * The server (or a gateway) failed with a 5xx status. 503 means it did not process the request
 * (retryable); 500, 502, 504 and other 5xx may come after the server processed the refresh and
 * rotated the token (ambiguous).
 *
 * @category errors
 * @since 0.1.0
 */
export class ServerError extends Data.TaggedError("ServerError")<
  ServerErrorFields & { readonly message: string }
> {
  constructor(fields: ServerErrorFields) {
    const what =
      fields.status === 503
        ? "The server did not process the request, so the refresh token is unchanged: retry later."
        : "The server may have processed the refresh and rotated the refresh token before failing: do not retry with the same refresh token unless the server has a rotation grace period; re-read the stored token first, and re-provision if it is dead."
    const code = fields.error === undefined ? "" : ` ${fields.error}`
    super({
      ...fields,
      message: `${Endpoint(fields.environment)} answered HTTP ${fields.status}${code}${describe(fields)}. ${what}`,
    })
  }
  /** Only 503: the server said it did not process the request. */
  get retryable(): boolean {
    return this.status === 503
  }
  /** Every 5xx but 503. */
  get ambiguous(): boolean {
    return this.status !== 503
  }
}

/** The fields of {@link Timeout}. */
export interface TimeoutFields {
  readonly environment: string
  readonly timeout: Duration.Duration
}

/**
 * No complete response arrived within the timeout. The request may have reached the server and
 * rotated the refresh token, so the attempt is ambiguous.
 *
 * @category errors
 * @since 0.1.0
 */
export class Timeout extends Data.TaggedError("Timeout")<TimeoutFields & { readonly message: string }> {
  constructor(fields: TimeoutFields) {
    super({
      ...fields,
      message: `${Endpoint(fields.environment)} did not answer within ${Duration.format(fields.timeout)}. The request may have reached the server and rotated the refresh token: do not retry with the same refresh token unless the server has a rotation grace period; re-read the stored token first. If this repeats, check the network path or raise \`timeout\`.`,
    })
  }
  /** Never with the same refresh token (see `ambiguous`). */
  get retryable(): boolean {
    return false
  }
  /** Yes. */
  get ambiguous(): boolean {
    return true
  }
}

/** The fields of {@link Transport}. */
export interface TransportFields {
  readonly environment: string
  readonly mayHaveReachedServer: boolean
  readonly code: string
}

/**
 * The HTTP exchange failed below HTTP: DNS, connection refused, TLS, a socket reset. `code` is a
 * sanitized error code (like `ECONNREFUSED`), never the raw error, which can contain the URL.
 * `mayHaveReachedServer` is `false` when the request certainly never left (then a retry is safe).
 *
 * @category errors
 * @since 0.1.0
 */
export class Transport extends Data.TaggedError("Transport")<TransportFields & { readonly message: string }> {
  constructor(fields: TransportFields) {
    const what = fields.mayHaveReachedServer
      ? "The connection failed after the request was sent, so the server may have rotated the refresh token: do not retry with the same refresh token unless the server has a rotation grace period; re-read the stored token first."
      : "The request never left this machine, so the refresh token is unchanged: check DNS, network, proxy and TLS settings, then retry."
    super({
      ...fields,
      message: `Could not complete the request to ${endpoint(fields.environment)} (${fields.code}). ${what}`,
    })
  }
  /** Only when the request certainly never left. */
  get retryable(): boolean {
    return !this.mayHaveReachedServer
  }
  /** When the request may have reached the server. */
  get ambiguous(): boolean {
    return this.mayHaveReachedServer
  }
}

/**
 * Why a response could not be used.
 * - `notJson`: the body is not a JSON object (an HTML error page, broken JSON, an empty body);
 * - `invalidField`: a field of a 2xx token response is missing or wrong (named in `field`);
 * - `tooLarge`: the body exceeded the size cap and its read was aborted;
 * - `redirect`: a 3xx; redirects are never followed (the URL can carry secrets);
 * - `unexpectedStatus`: a status that is neither success nor an OAuth error (e.g. 404).
 *
 * @category models
 * @since 0.1.0
 */
export type MalformedReason = "notJson" | "invalidField" | "tooLarge" | "redirect" | "unexpectedStatus"

/** The fields of {@link MalformedResponse}. */
export interface MalformedResponseFields {
  readonly environment: string
  readonly status: number
  readonly reason: MalformedReason
  readonly contentType?: string | undefined
  readonly field?: string | undefined
  readonly expected?: string | undefined
  readonly excerpt?: string | undefined
}

/**
 * The response could not be understood. When the status was 2xx the server processed the refresh and
 * probably rotated the token: the attempt is ambiguous. `excerpt` is a short start of the body with
 * every secret masked.
 *
 * @category errors
 * @since 0.1.0
 */
export class MalformedResponse extends Data.TaggedError("MalformedResponse")<
  MalformedResponseFields & { readonly message: string }
> {
  constructor(fields: MalformedResponseFields) {
    const type = fields.contentType === undefined ? "no content type" : `content type ${fields.contentType}`
    const problem = malformedProblem(fields)
    const processed =
      fields.status >= 200 && fields.status < 300
        ? " The server reported success, so it probably rotated the refresh token: re-read the stored token first; if it is dead, re-provision."
        : ""
    super({
      ...fields,
      message: `${Endpoint(fields.environment)} answered HTTP ${fields.status} with ${type}: ${problem}.${processed}`,
    })
  }
  /** Never. */
  get retryable(): boolean {
    return false
  }
  /** When the status was 2xx (the server processed the refresh). */
  get ambiguous(): boolean {
    return this.status >= 200 && this.status < 300
  }
}

const malformedProblem = (fields: {
  readonly reason: MalformedReason
  readonly field?: string | undefined
  readonly expected?: string | undefined
  readonly excerpt?: string | undefined
}): string => {
  const excerpt = fields.excerpt === undefined ? "" : ` (body starts: ${JSON.stringify(fields.excerpt)})`
  switch (fields.reason) {
    case "notJson":
      return `the body is not a JSON object${excerpt}; a proxy or gateway may be answering instead of PingFederate: check the token URL and the network path`
    case "invalidField":
      return `field "${fields.field ?? "?"}" should be ${fields.expected ?? "valid"}${excerpt}; the server is not behaving like a PingFederate token endpoint: check the token URL`
    case "tooLarge":
      return "the body exceeded the size limit and was not read to the end: check the token URL and the network path"
    case "redirect":
      return "a redirect, which is never followed because the request carries secrets: set the token URL to the final address"
    case "unexpectedStatus":
      return `an unexpected status for a token endpoint${excerpt}: check the token URL`
  }
}

/** The fields of {@link InvalidConfig}. */
export interface InvalidConfigFields {
  readonly field: string
  readonly expected: string
  readonly received: string
  readonly hint?: string | undefined
}

/**
 * The refresh request itself is invalid; nothing was sent. `field` names the request field, `expected`
 * what it must be, `received` what was given (described, never the value of a secret).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidConfig extends Data.TaggedError("InvalidConfig")<
  InvalidConfigFields & { readonly message: string }
> {
  constructor(fields: InvalidConfigFields) {
    const hint = fields.hint === undefined ? "" : ` ${fields.hint}`
    super({
      ...fields,
      message: `Invalid refresh request: \`${fields.field}\` must be ${fields.expected}, but got ${fields.received}.${hint}`,
    })
  }
  /** Never. */
  get retryable(): boolean {
    return false
  }
  /** No: nothing was sent. */
  get ambiguous(): boolean {
    return false
  }
}

/**
 * Any error `refresh` can fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type RefreshError =
  | InvalidGrant
  | InvalidClient
  | InvalidScope
  | InvalidRequest
  | UnsupportedGrantType
  | UnauthorizedClient
  | RateLimited
  | ServerError
  | Timeout
  | Transport
  | MalformedResponse
  | InvalidConfig

/**
 * The `_tag` of every {@link RefreshError}.
 *
 * @category errors
 * @since 0.1.0
 */
export type RefreshErrorTag = RefreshError["_tag"]

const classes = [
  InvalidGrant,
  InvalidClient,
  InvalidScope,
  InvalidRequest,
  UnsupportedGrantType,
  UnauthorizedClient,
  RateLimited,
  ServerError,
  Timeout,
  Transport,
  MalformedResponse,
  InvalidConfig,
] as const

/**
 * Whether a value is one of the {@link RefreshError} classes (checked with `instanceof`).
 *
 * @category guards
 * @since 0.1.0
 */
export const isRefreshError = (u: unknown): u is RefreshError => classes.some((c) => u instanceof c)

/**
 * Whether retrying with the SAME refresh token is safe: the request never left, or the server said it
 * did not process it (429, 503).
 *
 * @category classification
 * @since 0.1.0
 */
export const isRetryable = (error: RefreshError): boolean => error.retryable

/**
 * Whether the attempt may have been processed by the server (so the refresh token may have rotated and
 * the new one been lost): a timeout, a connection lost after sending, 500/502/504, an unreadable 2xx.
 *
 * @category classification
 * @since 0.1.0
 */
export const isAmbiguous = (error: RefreshError): boolean => error.ambiguous

const oauthFieldsOf = (e: OAuthErrorFields): OAuthErrorFields =>
  e.error_description === undefined
    ? { environment: e.environment, status: e.status, error: e.error }
    : {
        environment: e.environment,
        status: e.status,
        error: e.error,
        error_description: e.error_description,
      }
