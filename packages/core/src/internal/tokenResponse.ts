/**
 * Turns a token endpoint's HTTP response into a `TokenSet` or a `RefreshError`: every field of the
 * success body validated (the error names the first invalid one), RFC 6749 §5.2 error bodies, and
 * status classification. Never throws.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type { HttpTransportResponse } from "../HttpTransport.ts"
import {
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  MalformedResponse,
  RateLimited,
  RefreshError,
  type RefreshErrorReason,
  ServerError,
  ServiceAccountRejected,
  UnauthorizedClient,
  UnsupportedGrantType,
} from "../RefreshError.ts"
import type { TokenSet } from "../TokenSet.ts"
import { parseRetryAfter } from "./retryAfter.ts"
import { description, excerpt, knownSecrets, maskKnown } from "./sanitize.ts"

/**
 * The lifetime assumed when a token response has no `expires_in` (RFC 6749 §5.1 makes it
 * RECOMMENDED, and lets the server document a default instead): one hour, in seconds.
 */
export const DEFAULT_EXPIRES_IN = 3_600

/**
 * The longest lifetime believed (one year, in seconds): a larger `expires_in` (`1e13`, `1e308`) is
 * clamped to it, so `expiresAt` stays a valid date and the token is simply refreshed earlier.
 */
export const MAX_EXPIRES_IN = 31_536_000

/** What each field of a successful token response (RFC 6749 §5.1) must be, in the order checked. */
const EXPECTED = {
  refresh_token: "a non-empty string when present",
  access_token: "a non-empty string",
  token_type: '"Bearer" (in any case)',
  expires_in: "a positive whole number of seconds (or a string of digits) when present",
  scope: "a string when present",
} as const

type Field = keyof typeof EXPECTED

/** The fields checked, in order. */
const FIELDS = Object.keys(EXPECTED) as ReadonlyArray<Field>

const KNOWN_FIELDS = new Set<string>(FIELDS)

const isNonEmptyString = (u: unknown): u is string => typeof u === "string" && u.length > 0

/**
 * The lifetime in seconds of a valid `expires_in` (RFC 6749 Appendix A.14: `1*DIGIT`), clamped to
 * `MAX_EXPIRES_IN`; `DEFAULT_EXPIRES_IN` when absent; `undefined` when unusable (0, negative,
 * fractional, null, another string).
 */
const expiresInSeconds = (u: unknown): number | undefined => {
  if (u === undefined) return DEFAULT_EXPIRES_IN
  const n =
    typeof u === "number" ? u : typeof u === "string" && /^[1-9][0-9]*$/.test(u) ? Number(u) : Number.NaN
  return Number.isInteger(n) && n > 0
    ? Math.min(n, MAX_EXPIRES_IN)
    : n === Number.POSITIVE_INFINITY
      ? MAX_EXPIRES_IN
      : undefined
}

/** Each field's check (hand-written: keeps Schema out of the adapters' bundles). */
const VALID: { readonly [F in Field]: (u: unknown) => boolean } = {
  refresh_token: (u) => u === undefined || isNonEmptyString(u),
  access_token: isNonEmptyString,
  token_type: (u) => typeof u === "string" && u.toLowerCase() === "bearer",
  expires_in: (u) => expiresInSeconds(u) !== undefined,
  scope: (u) => u === undefined || typeof u === "string",
}

/** A validated token response. */
interface TokenResponse {
  readonly access_token: string
  readonly expires_in?: number | string | undefined
  readonly refresh_token?: string | undefined
  readonly scope?: string | undefined
}

/** The first invalid field of a token response, or the response itself when every field is valid. */
const decodeTokenResponse = (json: Record<string, unknown>): Result.Result<TokenResponse, Field> => {
  // One check after the other, in the order of `FIELDS` (no loop: this runs on every refresh, often
  // before the JIT has optimized it).
  const invalid: Field | undefined = !VALID.refresh_token(json.refresh_token)
    ? "refresh_token"
    : !VALID.access_token(json.access_token)
      ? "access_token"
      : !VALID.token_type(json.token_type)
        ? "token_type"
        : !VALID.expires_in(json.expires_in)
          ? "expires_in"
          : !VALID.scope(json.scope)
            ? "scope"
            : undefined
  return invalid === undefined ? Result.succeed(json as unknown as TokenResponse) : Result.fail(invalid)
}

/** The `error` of an error response (RFC 6749 §5.2): printable ASCII without `"` and `\\`, 1-64 chars. */
const OAUTH_ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/

/** What `refresh` knows about the attempt when it reads the response. */
export interface ResponseContext {
  readonly environment: string
  readonly scope: string | undefined
  /** The refresh token sent; `undefined` for a password grant (which must return one). */
  readonly refreshToken: Redacted.Redacted<string> | undefined
  /** The grant asked for; default `refresh_token`. */
  readonly grantType?: "refresh_token" | "password" | undefined
  /** When the request was sent (epoch ms). */
  readonly sentAt: number
  /** Every form of every secret of the request, for masking. */
  /** The secrets to mask, computed only when an error needs them (never on success). */
  readonly secrets: () => ReadonlyArray<string>
}

const parseJsonObject = (body: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(body)
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

const failWith = (reason: RefreshErrorReason): Result.Result<never, RefreshError> =>
  Result.fail(new RefreshError({ reason }))

const contentTypeOf = (response: HttpTransportResponse): string | undefined => {
  const value = response.headers["content-type"]
  return value === undefined ? undefined : value.slice(0, 100)
}

/** The tokens a response carried (secrets we received): masked wherever they appear in its excerpt. */
const receivedSecrets = (json: Record<string, unknown>): ReadonlyArray<string> =>
  knownSecrets(
    [json.access_token, json.refresh_token, json.id_token].filter(
      (v): v is string => typeof v === "string" && v.length > 0,
    ),
  )

const toTokenSet = (
  json: Record<string, unknown>,
  response: HttpTransportResponse,
  ctx: ResponseContext,
): Result.Result<TokenSet, RefreshError> => {
  const decoded = decodeTokenResponse(json)
  const current = ctx.refreshToken === undefined ? undefined : Redacted.value(ctx.refreshToken)
  // A password grant starts a chain: without a refresh token in its answer there is nothing to keep.
  const missingRefresh =
    ctx.grantType === "password" && Result.isSuccess(decoded) && decoded.success.refresh_token === undefined
  if (Result.isFailure(decoded) || missingRefresh) {
    const field: Field = Result.isFailure(decoded) ? decoded.failure : "refresh_token"
    // `refresh_token` is checked first: when it is well-formed and new, the server rotated, and the
    // token is handed on (redacted) so that it can be saved although the rest is unusable.
    const sent = json.refresh_token
    const salvaged =
      field !== "refresh_token" && isNonEmptyString(sent) && sent !== current
        ? Redacted.make(sent)
        : undefined
    return failWith(
      new MalformedResponse({
        environment: ctx.environment,
        status: response.status,
        kind: "invalidField",
        contentType: contentTypeOf(response),
        field,
        expected: missingRefresh ? "a non-empty string (a password grant must return one)" : EXPECTED[field],
        excerpt: excerpt(response.body, [...ctx.secrets(), ...receivedSecrets(json)]),
        rotatedRefreshToken: salvaged,
      }),
    )
  }
  const value = decoded.success
  const expiresIn = expiresInSeconds(value.expires_in) ?? DEFAULT_EXPIRES_IN
  const rotated = value.refresh_token !== undefined && value.refresh_token !== current
  const additionalFields: Record<string, unknown> = {}
  for (const key in json) {
    if (!Object.hasOwn(json, key) || KNOWN_FIELDS.has(key)) continue
    const field = json[key]
    additionalFields[key] = key.endsWith("_token") ? Redacted.make(field) : field
  }
  const tokens: { -readonly [K in keyof TokenSet]: TokenSet[K] } = {
    accessToken: Redacted.make(value.access_token),
    refreshToken:
      rotated || ctx.refreshToken === undefined
        ? Redacted.make(value.refresh_token as string)
        : ctx.refreshToken,
    refreshTokenRotated: rotated,
    tokenType: "Bearer",
    expiresIn,
    issuedAt: ctx.sentAt,
    expiresAt: ctx.sentAt + expiresIn * 1000,
    additionalFields,
  }
  if (value.scope !== undefined) tokens.scope = value.scope
  return Result.succeed(tokens)
}

interface OAuthError {
  readonly error: string
  readonly error_description?: string
}

const oauthErrorOf = (
  json: Record<string, unknown> | undefined,
  ctx: ResponseContext,
): OAuthError | undefined => {
  if (json === undefined) return undefined
  const code = json.error
  if (typeof code !== "string" || !OAUTH_ERROR_CODE.test(code)) return undefined
  const raw = json.error_description
  return typeof raw === "string" && raw.length > 0
    ? { error: maskKnown(code, ctx.secrets()), error_description: description(raw, ctx.secrets()) }
    : { error: maskKnown(code, ctx.secrets()) }
}

const fromOAuthError = (status: number, oauth: OAuthError, ctx: ResponseContext): RefreshErrorReason => {
  const fields = { environment: ctx.environment, status, ...oauth }
  const password = ctx.grantType === "password"
  switch (oauth.error) {
    case "invalid_grant":
      return password
        ? new ServiceAccountRejected({
            ...fields,
            locked: /lock|disabled|suspend/i.test(oauth.error_description ?? ""),
          })
        : new InvalidGrant({ ...fields, afterAmbiguousAttempt: false })
    case "invalid_client":
      return new InvalidClient(fields)
    case "invalid_scope":
      return new InvalidScope({ ...fields, scope: ctx.scope })
    case "unsupported_grant_type":
      return new UnsupportedGrantType(password ? { ...fields, grantType: "password" } : fields)
    case "unauthorized_client":
      return new UnauthorizedClient(password ? { ...fields, grantType: "password" } : fields)
    default:
      return new InvalidRequest(fields)
  }
}

/**
 * Reads one response. Success statuses must carry a valid token response; 429 and 5xx are
 * classified by status; other 4xx must carry an OAuth error body.
 */
export const interpretResponse = (
  response: HttpTransportResponse,
  ctx: ResponseContext,
  now: number,
): Result.Result<TokenSet, RefreshError> => {
  const { status } = response
  const malformed = (kind: "notJson" | "tooLarge" | "redirect" | "unexpectedStatus") =>
    failWith(
      new MalformedResponse({
        environment: ctx.environment,
        status,
        kind,
        contentType: contentTypeOf(response),
        excerpt:
          kind === "notJson" || kind === "unexpectedStatus"
            ? excerpt(response.body, ctx.secrets())
            : undefined,
      }),
    )
  if (status >= 300 && status < 400) return malformed("redirect")
  const json = response.bodyTruncated === true ? undefined : parseJsonObject(response.body)
  if (status === 429 || status >= 500) {
    const oauth = oauthErrorOf(json, ctx)
    const retryAfter = parseRetryAfter(response.headers["retry-after"], now)
    const fields = { environment: ctx.environment, status, retryAfter, ...oauth }
    return failWith(
      status === 429
        ? new RateLimited(fields)
        : new ServerError({ ...fields, contentType: contentTypeOf(response) }),
    )
  }
  if (response.bodyTruncated === true) return malformed("tooLarge")
  if (status >= 200 && status < 300) {
    return json === undefined ? malformed("notJson") : toTokenSet(json, response, ctx)
  }
  if (status >= 400 && status < 500) {
    if (json === undefined) return malformed("notJson")
    const oauth = oauthErrorOf(json, ctx)
    return oauth === undefined ? malformed("unexpectedStatus") : failWith(fromOAuthError(status, oauth, ctx))
  }
  return malformed("unexpectedStatus")
}
