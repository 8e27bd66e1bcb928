/**
 * Everything a token request can fail with: ONE error, `RefreshError`, whose `reason` says what
 * happened, in the way Effect's own `HttpClientError` and `AiError` are built. Match on the reason:
 *
 * ```ts
 * Effect.catchReason(refresh(request), "RefreshError", "InvalidGrant", (reason) => reprovision(reason))
 * // or: if (error.reason._tag === "InvalidGrant") …
 * ```
 *
 * Each reason is a tagged class with the fields of its case (the environment, the HTTP status, the
 * server's OAuth `error`/`error_description`, …) and knows what the retry policy and the token
 * manager need:
 * - `retryable`: retrying with the SAME refresh token is safe (the server did not process the request);
 * - `ambiguous`: the request may have been processed, so the refresh token may have been rotated and the
 *   new one lost. Retrying it with the same token can burn the token unless the server has a grace period;
 * - `retryAfter`, where the server said how long to wait (`RateLimited`, `ServerError`);
 * - `advice`: what to do.
 *
 * `message` is computed from the reason's fields: what failed, why, then what to do after a dash, the
 * same shape as `StoreError`'s. None ever holds a secret (no token, no client secret, no URL with a
 * query string, no raw cause).
 *
 * An invalid request (a missing client id, a bad option…) is NOT a reason of `RefreshError`: it is
 * found before anything is sent, so it is its own error, `InvalidConfig` (as Effect keeps its
 * `ConfigError` apart from the errors of a request).
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import { hasProperty } from "effect/Predicate"
import type * as Redacted from "effect/Redacted"
import { FinalError } from "./internal/finalError.ts"
import { TOKEN_URLS } from "./TokenUrls.ts"

const TypeId = "~@tangoe-token/core/RefreshError"

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

/**
 * A token request failed. `reason` says what happened (match on `reason._tag`); `message`, `retryable`,
 * `ambiguous` and `retryAfter` come from it. `cause` is the reason too, so a printed cause chain shows it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { refresh } from "@tangoe-token/core"
 *
 * refresh(request).pipe(
 *   Effect.catchTag("RefreshError", (error) =>
 *     error.reason._tag === "InvalidGrant" ? reprovision(error.message) : Effect.fail(error),
 *   ),
 * )
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class RefreshError extends /* @__PURE__ */ Data.TaggedError("RefreshError")<{
  /** What happened. */
  readonly reason: RefreshErrorReason
}> {
  constructor(props: { readonly reason: RefreshErrorReason }) {
    super(props)
    Object.defineProperty(this, "cause", { value: props.reason, enumerable: false, configurable: true })
  }

  /** Marks the error for {@link isRefreshError}, across copies of this library. */
  readonly [TypeId] = TypeId

  /**
   * Whether retrying with the same refresh token is safe (the reason's `retryable`).
   *
   * @since 0.1.0
   */
  get retryable(): boolean {
    return this.reason.retryable
  }

  /**
   * Whether the request may have been processed (the reason's `ambiguous`).
   *
   * @since 0.1.0
   */
  get ambiguous(): boolean {
    return this.reason.ambiguous
  }

  /**
   * How long the server asked to wait before a retry, when it said so (`RateLimited`, `ServerError`).
   *
   * @since 0.1.0
   */
  get retryAfter(): Duration.Duration | undefined {
    return "retryAfter" in this.reason ? this.reason.retryAfter : undefined
  }

  /**
   * What failed, why, and what to do (the reason's `message`).
   *
   * @since 0.1.0
   */
  override get message(): string {
    return this.reason.message
  }
}

/**
 * Whether the request went to Tangoe: the user chose a Tangoe environment ("production"/"qa"), or the
 * token URL is one of {@link TOKEN_URLS}. Only then do the messages give Tangoe- and PingFederate-specific
 * advice; any other server gets generic advice (and its own description, always quoted).
 */
const isTangoe = (environment: string): boolean =>
  environment === "production" ||
  environment === "qa" ||
  Object.values(TOKEN_URLS).some((url) => url === environment)

/**
 * Whether an `invalid_request` description is about the request's parameters (their placement or
 * encoding), the case where trying the other `placement` or `clientAuth` can help. No description counts.
 */
const aboutParameters = (description: string | undefined): boolean =>
  description === undefined ||
  /param|missing|required|duplicat|repeated|malformed|content[- ]?type|encod|body|query|header|unrecogni[sz]ed|unknown (?:field|argument)/i.test(
    description,
  )

/** "the Tangoe qa token endpoint", "the token endpoint at https://…" */
const endpoint = (environment: string): string =>
  environment === "production" || environment === "qa"
    ? `the Tangoe ${environment} token endpoint`
    : `the token endpoint at ${environment}`

const head = (environment: string): string => `cannot refresh the access token at ${endpoint(environment)}`

const described = (fields: { readonly error_description?: string | undefined }): string =>
  fields.error_description === undefined ? "" : ` ("${fields.error_description}")`

const seconds = (duration: Duration.Duration): string => `${Math.ceil(Duration.toMillis(duration) / 1000)} s`

/** "cannot refresh …: it answered HTTP 400 invalid_grant ("…")" */
const answered = (fields: {
  readonly environment: string
  readonly status: number
  readonly error?: string | undefined
  readonly error_description?: string | undefined
}): string =>
  `${head(fields.environment)}: it answered HTTP ${fields.status}${fields.error === undefined ? "" : ` ${fields.error}`}${described(fields)}`

/**
 * A grant a token request asks for: the refresh token grant, or the password grant with a service account.
 *
 * @category models
 * @since 0.2.0
 */
export type GrantType = "refresh_token" | "password"

/**
 * The fields of a reason that refuses one grant (`UnsupportedGrantType`, `UnauthorizedClient`): the
 * OAuth error fields, and which grant was refused.
 */
interface GrantRefusal extends OAuthErrorFields {
  /**
   * The grant that was refused; absent for the refresh token grant.
   *
   * @since 0.2.0
   */
  readonly grantType?: GrantType | undefined
}

/** The advice of a grant refusal: by the refused grant, then by whether the request went to Tangoe. */
const adviceFor = (
  fields: GrantRefusal,
  advice: { readonly [G in GrantType]: { readonly tangoe: string; readonly other: string } },
): string => {
  const forGrant = fields.grantType === "password" ? advice.password : advice.refresh_token
  return isTangoe(fields.environment) ? forGrant.tangoe : forGrant.other
}

const REPROVISION = "retrying cannot help: re-provision a new refresh token for this client and store it"
const DO_NOT_RETRY =
  "do not retry with the same refresh token unless the server has a rotation grace period; re-read the stored token first"

/**
 * The server rejected the refresh token (`invalid_grant`): it is expired, revoked or already used.
 * Retrying cannot help: re-provision a refresh token. When `afterAmbiguousAttempt` is `true`, an earlier
 * attempt of the same refresh may have been processed and its response lost: that attempt most likely
 * consumed (rotated) the token.
 *
 * @category reasons
 * @since 0.1.0
 */
export class InvalidGrant extends /* @__PURE__ */ FinalError("InvalidGrant")<
  OAuthErrorFields & {
    /** An earlier attempt of the same refresh may have been processed and its response lost. */
    readonly afterAmbiguousAttempt: boolean
  }
> {
  /** Re-provision. */
  get advice(): string {
    return REPROVISION
  }
  override get message(): string {
    const why = this.afterAmbiguousAttempt
      ? "the refresh token was probably consumed by an earlier attempt whose response was lost (the server rotated it, the new token never arrived)"
      : "the refresh token is expired, revoked or was already used (rotated)"
    return `${answered(this)}; ${why} — ${this.advice}`
  }
  /** The same reason, marked as following an ambiguous attempt. */
  withAfterAmbiguousAttempt(): InvalidGrant {
    return new InvalidGrant({ ...oauthFieldsOf(this), afterAmbiguousAttempt: true })
  }
}

/**
 * The server rejected the client id / secret (`invalid_client`). A Tangoe client id/secret pair belongs
 * to ONE environment: a QA pair fails in production and vice versa (that advice is given only when the
 * request went to Tangoe; other servers get generic advice).
 *
 * @category reasons
 * @since 0.1.0
 */
export class InvalidClient extends /* @__PURE__ */ FinalError("InvalidClient")<OAuthErrorFields> {
  /** Check the pair and its environment. */
  get advice(): string {
    return isTangoe(this.environment)
      ? `Tangoe issues each client id/secret pair for ONE environment, and this request went to ${this.environment}: check that the pair was issued for ${this.environment} (a QA pair fails in production and vice versa) and that the secret is current`
      : `check that the client id and secret were issued for ${this.environment} (a pair belongs to ONE environment and fails at any other) and that the secret is current`
  }
  override get message(): string {
    const why = isTangoe(this.environment)
      ? "the client id or secret is wrong for this environment"
      : "the client id or secret was rejected"
    return `${answered(this)}; ${why} — ${this.advice}`
  }
}

/**
 * The server rejected the requested scope (`invalid_scope`).
 *
 * @category reasons
 * @since 0.1.0
 */
export class InvalidScope extends /* @__PURE__ */ FinalError("InvalidScope")<
  OAuthErrorFields & {
    /** The scope the request asked for, if any. */
    readonly scope?: string | undefined
  }
> {
  /** Ask only for granted scopes. */
  get advice(): string {
    return `ask only for scopes this client was granted${isTangoe(this.environment) ? " (for example MOBPROC)" : ""}, or leave scope out to keep the original grant's scope`
  }
  override get message(): string {
    const requested = this.scope === undefined ? "no scope" : `scope "${this.scope}"`
    return `${answered(this)}; the request asked for ${requested}, which was refused — ${this.advice}`
  }
}

/**
 * The server said the request itself is malformed (`invalid_request`, or an OAuth error code this
 * library does not know, kept in `error`). Trying the other `placement`/`clientAuth` is advised only
 * when the server's description is about parameters, or when it gave none.
 *
 * @category reasons
 * @since 0.1.0
 */
export class InvalidRequest extends /* @__PURE__ */ FinalError("InvalidRequest")<OAuthErrorFields> {
  /**
   * Check the URL and the request's shape; the other `placement` or `clientAuth` is suggested only when
   * the server's description is about parameters (or it gave none).
   */
  get advice(): string {
    return aboutParameters(this.error_description)
      ? 'check the token URL, and try the other `placement` ("query" or "body") or `clientAuth` ("params" or "basic"); a proxy that rewrites requests can cause this too'
      : "the server's description says what it refused: fix that in the client's registration on the server (for example its allowed grant types) or in this request's options, and check the token URL"
  }
  override get message(): string {
    const why = aboutParameters(this.error_description)
      ? "the server did not accept the request's parameters"
      : "the server refused the request"
    return `${answered(this)}; ${why} — ${this.advice}`
  }
}

/**
 * The server does not accept the grant at this endpoint (`unsupported_grant_type`): `grant_type=refresh_token`,
 * or `password` when `grantType` says so.
 *
 * @category reasons
 * @since 0.1.0
 */
export class UnsupportedGrantType extends /* @__PURE__ */ FinalError("UnsupportedGrantType")<GrantRefusal> {
  /** Check the token URL. */
  get advice(): string {
    return adviceFor(this, {
      password: {
        tangoe:
          "check that the token URL is the PingFederate token endpoint (…/as/token.oauth2), and ask Tangoe whether service accounts (the password grant) are enabled for your tenant",
        other:
          "check that the token URL is the server's OAuth token endpoint, and that the server supports the password grant",
      },
      refresh_token: {
        tangoe: "check that the token URL is the PingFederate token endpoint (…/as/token.oauth2)",
        other:
          "check that the token URL is the server's OAuth token endpoint, and that the server supports the refresh_token grant",
      },
    })
  }
  override get message(): string {
    return `${answered(this)}; this endpoint does not support the ${this.grantType ?? "refresh_token"} grant — ${this.advice}`
  }
}

/**
 * The client is not allowed the grant it asked for (`unauthorized_client`): the refresh token grant, or
 * the password grant with a service account when `grantType` is `"password"`.
 *
 * @category reasons
 * @since 0.1.0
 */
export class UnauthorizedClient extends /* @__PURE__ */ FinalError("UnauthorizedClient")<GrantRefusal> {
  /** Ask Tangoe (or the server's administrator) for the grant. */
  get advice(): string {
    return adviceFor(this, {
      password: {
        tangoe:
          'ask Tangoe to add "Resource Owner Password Credentials" to the client\'s allowed grant types in PingFederate, or provision a refresh token instead of a service account',
        other:
          "ask the server's administrator to allow the password grant for this client, or provision a refresh token instead of a service account",
      },
      refresh_token: {
        tangoe: 'ask Tangoe to add "Refresh Token" to the client\'s allowed grant types in PingFederate',
        other: "ask the server's administrator to allow the refresh_token grant for this client",
      },
    })
  }
  override get message(): string {
    return `${answered(this)}; this client is not allowed the ${this.grantType ?? "refresh_token"} grant — ${this.advice}`
  }
}

/**
 * The server refused the service account of a password grant (`invalid_grant` to `grant_type=password`):
 * the username or password is wrong, the account is unknown, or it is locked (`locked`: the server's
 * description says so). A server does not tell which of the two fields is wrong, so both are named.
 * Retrying cannot help and can lock the account: nothing retries it, and a token manager never heals
 * with it again until its settings change.
 *
 * @category reasons
 * @since 0.2.0
 */
export class ServiceAccountRejected extends /* @__PURE__ */ FinalError("ServiceAccountRejected")<
  OAuthErrorFields & {
    /** The server said the account is locked (or disabled). */
    readonly locked: boolean
  }
> {
  /** Fix the username or password, or have the account unlocked. */
  get advice(): string {
    return this.locked
      ? `do not retry: have the account unlocked${isTangoe(this.environment) ? " by Tangoe (or your Tangoe administrator)" : " by the server's administrator"}, then check \`serviceAccount.password\` before the next attempt`
      : "check `serviceAccount.username` (`command://name`, `rivermine://name`, or a bare name for a Tangoe-platform user) and `serviceAccount.password`; do not retry with the same values: repeated failures can lock the account"
  }
  override get message(): string {
    const why = this.locked
      ? "the service account is locked"
      : "the service account's username or password was refused (a wrong password, or an unknown or locked account)"
    return `cannot get a token with the service account at ${endpoint(this.environment)}: it answered HTTP ${this.status} ${this.error}${described(this)}; ${why} — ${this.advice}`
  }
}

/**
 * The server (or a gateway in front of it) rate limited the request: HTTP 429. The request was not
 * processed, so the refresh token is unchanged and a retry after `retryAfter` is safe.
 *
 * @category reasons
 * @since 0.1.0
 */
export class RateLimited extends /* @__PURE__ */ Data.TaggedError("RateLimited")<{
  readonly environment: string
  readonly status: number
  /** The server's `Retry-After`, when it sent one. */
  readonly retryAfter?: Duration.Duration | undefined
  readonly error?: string | undefined
  readonly error_description?: string | undefined
}> {
  /** Yes: the request was not processed. */
  get retryable(): true {
    return true
  }
  /** No. */
  get ambiguous(): false {
    return false
  }
  /** Wait, then retry. */
  get advice(): string {
    return `wait ${this.retryAfter === undefined ? "a while" : seconds(this.retryAfter)} and retry`
  }
  override get message(): string {
    return `${head(this.environment)}: it answered HTTP ${this.status} (rate limited)${described(this)}; the refresh token was not used — ${this.advice}`
  }
}

/**
 * The server (or a gateway) failed with a 5xx status. 503 means it did not process the request
 * (retryable); 500, 502, 504 and other 5xx may come after the server processed the refresh and
 * rotated the token (ambiguous).
 *
 * @category reasons
 * @since 0.1.0
 */
export class ServerError extends /* @__PURE__ */ Data.TaggedError("ServerError")<{
  readonly environment: string
  readonly status: number
  /** The server's `Retry-After`, when it sent one. */
  readonly retryAfter?: Duration.Duration | undefined
  readonly contentType?: string | undefined
  readonly error?: string | undefined
  readonly error_description?: string | undefined
}> {
  /** Only 503: the server said it did not process the request. */
  get retryable(): boolean {
    return this.status === 503
  }
  /** Every 5xx but 503. */
  get ambiguous(): boolean {
    return this.status !== 503
  }
  /** Retry later (503), or re-read the store before anything else. */
  get advice(): string {
    return this.status === 503 ? "retry later" : `${DO_NOT_RETRY}, and re-provision if it is dead`
  }
  override get message(): string {
    const why =
      this.status === 503
        ? "the server did not process the request, so the refresh token is unchanged"
        : "the server may have processed the refresh and rotated the refresh token before failing"
    return `${answered(this)}; ${why} — ${this.advice}`
  }
}

/**
 * No complete response arrived within the timeout. The request may have reached the server and
 * rotated the refresh token, so the attempt is ambiguous.
 *
 * @category reasons
 * @since 0.1.0
 */
export class Timeout extends /* @__PURE__ */ Data.TaggedError("Timeout")<{
  readonly environment: string
  /** The time limit that ran out. */
  readonly timeout: Duration.Duration
}> {
  /** Never with the same refresh token (see `ambiguous`). */
  get retryable(): false {
    return false
  }
  /** Yes. */
  get ambiguous(): true {
    return true
  }
  /** Re-read the store; check the network or raise the timeout. */
  get advice(): string {
    return `${DO_NOT_RETRY}; if this repeats, check the network path or raise \`timeout\``
  }
  override get message(): string {
    return `${head(this.environment)}: no answer within ${Duration.format(this.timeout)}; the request may have reached the server and rotated the refresh token — ${this.advice}`
  }
}

/**
 * The HTTP exchange failed below HTTP: DNS, connection refused, TLS, a socket reset. `code` is a
 * sanitized error code (like `ECONNREFUSED`), never the raw error, which can contain the URL.
 * `mayHaveReachedServer` is `false` when the request certainly never left (then a retry is safe).
 *
 * @category reasons
 * @since 0.1.0
 */
export class Transport extends /* @__PURE__ */ Data.TaggedError("Transport")<{
  readonly environment: string
  /** `false` when the request certainly never left this machine. */
  readonly mayHaveReachedServer: boolean
  /** A sanitized error code, such as `ECONNREFUSED`. */
  readonly code: string
}> {
  /** Only when the request certainly never left. */
  get retryable(): boolean {
    return !this.mayHaveReachedServer
  }
  /** When the request may have reached the server. */
  get ambiguous(): boolean {
    return this.mayHaveReachedServer
  }
  /** Re-read the store, or fix the network path. */
  get advice(): string {
    return this.mayHaveReachedServer ? DO_NOT_RETRY : "check DNS, network, proxy and TLS settings, then retry"
  }
  override get message(): string {
    const why = this.mayHaveReachedServer
      ? "the connection failed after the request was sent, so the server may have rotated the refresh token"
      : "the request never left this machine, so the refresh token is unchanged"
    return `${head(this.environment)}: the connection failed (${this.code}); ${why} — ${this.advice}`
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
export type MalformedKind = "notJson" | "invalidField" | "tooLarge" | "redirect" | "unexpectedStatus"

/**
 * The response could not be understood. When the status was 2xx the server processed the refresh and
 * probably rotated the token: the attempt is ambiguous. `excerpt` is a short start of the body with
 * every secret masked.
 *
 * @category reasons
 * @since 0.1.0
 */
export class MalformedResponse extends /* @__PURE__ */ Data.TaggedError("MalformedResponse")<{
  readonly environment: string
  readonly status: number
  /** What is wrong with the response. */
  readonly kind: MalformedKind
  readonly contentType?: string | undefined
  /** The field at fault (`invalidField`). */
  readonly field?: string | undefined
  /** What the field should be (`invalidField`). */
  readonly expected?: string | undefined
  /** The start of the body, every secret masked. */
  readonly excerpt?: string | undefined
  /**
   * The new refresh token the response carried, well-formed although another field was not
   * (`invalidField` only): the server rotated, so this token is the only live one. A token manager
   * saves it (write-ahead) and gets the access token with it. Redacted: never shown.
   *
   * @since 0.1.0
   */
  readonly rotatedRefreshToken?: Redacted.Redacted<string> | undefined
}> {
  /** Never. */
  get retryable(): false {
    return false
  }
  /** When the status was 2xx (the server processed the refresh). */
  get ambiguous(): boolean {
    return this.status >= 200 && this.status < 300
  }
  /** Check the URL and the path to the server; after a 2xx, re-read the store first. */
  get advice(): string {
    const act = (isTangoe(this.environment) ? tangoeMalformedAdvice : malformedAdvice)[this.kind]
    return this.ambiguous
      ? `${act}; the server reported success, so it probably rotated the refresh token: re-read the stored token first, and re-provision if it is dead`
      : act
  }
  override get message(): string {
    const type = this.contentType === undefined ? "no content type" : `content type ${this.contentType}`
    return `${head(this.environment)}: it answered HTTP ${this.status} with ${type}, and ${malformedProblem(this)} — ${this.advice}`
  }
}

const tangoeMalformedAdvice: Record<MalformedKind, string> = {
  notJson:
    "a proxy or gateway may be answering instead of PingFederate: check the token URL and the network path",
  invalidField: "the server is not behaving like a PingFederate token endpoint: check the token URL",
  tooLarge: "check the token URL and the network path",
  redirect: "set the token URL to the final address",
  unexpectedStatus: "check the token URL",
}

const malformedAdvice: Record<MalformedKind, string> = {
  notJson:
    "a proxy or gateway may be answering instead of the token endpoint: check the token URL and the network path",
  invalidField:
    "the server's token response does not follow OAuth 2.0 (RFC 6749 §5.1): check the token URL, and report the field to the server's operator",
  tooLarge: "check the token URL and the network path",
  redirect: "set the token URL to the final address",
  unexpectedStatus: "check the token URL",
}

const malformedProblem = (r: MalformedResponse): string => {
  const excerpt = r.excerpt === undefined ? "" : ` (body starts: ${JSON.stringify(r.excerpt)})`
  switch (r.kind) {
    case "notJson":
      return `the body is not a JSON object${excerpt}`
    case "invalidField":
      return `field "${r.field ?? "?"}" should be ${r.expected ?? "valid"}${excerpt}`
    case "tooLarge":
      return "the body exceeded the size limit and was not read to the end"
    case "redirect":
      return "it is a redirect, which is never followed because the request carries secrets"
    case "unexpectedStatus":
      return `the status is unexpected for a token endpoint${excerpt}`
  }
}

/**
 * What a token request failed with: the `reason` of a {@link RefreshError}.
 *
 * @category reasons
 * @since 0.1.0
 */
export type RefreshErrorReason =
  | InvalidGrant
  | InvalidClient
  | InvalidScope
  | InvalidRequest
  | UnsupportedGrantType
  | UnauthorizedClient
  | ServiceAccountRejected
  | RateLimited
  | ServerError
  | Timeout
  | Transport
  | MalformedResponse

const reasonTags: { readonly [Tag in RefreshErrorReason["_tag"]]: null } = {
  InvalidGrant: null,
  InvalidClient: null,
  InvalidScope: null,
  InvalidRequest: null,
  UnsupportedGrantType: null,
  UnauthorizedClient: null,
  ServiceAccountRejected: null,
  RateLimited: null,
  ServerError: null,
  Timeout: null,
  Transport: null,
  MalformedResponse: null,
}

/**
 * The `_tag` of every {@link RefreshErrorReason}, for adapters that key messages or exit codes on them.
 *
 * @category reasons
 * @since 0.1.0
 */
export const REFRESH_ERROR_REASON_TAGS: ReadonlyArray<RefreshErrorReason["_tag"]> = Object.keys(
  reasonTags,
) as Array<RefreshErrorReason["_tag"]>

/**
 * Whether a value is a {@link RefreshError}, also one made by another copy of this library (a bundle).
 *
 * @category guards
 * @since 0.1.0
 */
export const isRefreshError = (u: unknown): u is RefreshError => hasProperty(u, TypeId)

const oauthFieldsOf = (e: OAuthErrorFields): OAuthErrorFields =>
  e.error_description === undefined
    ? { environment: e.environment, status: e.status, error: e.error }
    : { environment: e.environment, status: e.status, error: e.error, error_description: e.error_description }
