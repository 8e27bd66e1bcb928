/**
 * Turns a token endpoint's HTTP response into a `TokenSet` or a `RefreshError`: Schema decoding of
 * the success body, RFC 6749 §5.2 error bodies, and status classification. Never throws.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaIssue from "effect/SchemaIssue"
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
  UnauthorizedClient,
  UnsupportedGrantType,
} from "../RefreshError.ts"
import type { TokenSet } from "../TokenSet.ts"
import { parseRetryAfter } from "./retryAfter.ts"
import { description, excerpt, maskKnown } from "./sanitize.ts"

const Bearer = Schema.String.check(Schema.makeFilter((s: string) => s.toLowerCase() === "bearer"))

const ExpiresIn = Schema.Union([
  Schema.Int.check(Schema.isGreaterThan(0)),
  Schema.String.check(Schema.isPattern(/^[1-9][0-9]{0,9}$/)),
])

/** A successful token response (RFC 6749 §5.1), as the server sends it. */
const TokenResponse = Schema.Struct({
  access_token: Schema.NonEmptyString,
  token_type: Bearer,
  expires_in: ExpiresIn,
  refresh_token: Schema.optionalKey(Schema.NonEmptyString),
  scope: Schema.optionalKey(Schema.String),
})

/** An error response (RFC 6749 §5.2). */
const ErrorResponse = Schema.Struct({
  error: Schema.String.check(Schema.isPattern(/^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/)),
  error_description: Schema.optionalKey(Schema.Unknown),
})

const decodeTokenResponse = Schema.decodeUnknownResult(TokenResponse)
const decodeErrorResponse = Schema.decodeUnknownResult(ErrorResponse)

const EXPECTED: Readonly<Record<string, string>> = {
  access_token: "a non-empty string",
  token_type: '"Bearer" (in any case)',
  expires_in: "a positive integer (or a string of digits)",
  refresh_token: "a non-empty string when present",
  scope: "a string when present",
}

const KNOWN_FIELDS = new Set(Object.keys(EXPECTED))

/** The first field a decoding issue points at, if any. */
const fieldOf = (issue: SchemaIssue.Issue, depth = 0): string | undefined => {
  if (depth > 8) return undefined
  switch (issue._tag) {
    case "Pointer": {
      const key = issue.path[0]
      return typeof key === "string" ? key : undefined
    }
    case "Composite":
    case "AnyOf":
      return issue.issues[0] === undefined ? undefined : fieldOf(issue.issues[0], depth + 1)
    case "Filter":
    case "Encoding":
      return fieldOf(issue.issue, depth + 1)
    default:
      return undefined
  }
}

/** What `refresh` knows about the attempt when it reads the response. */
export interface ResponseContext {
  readonly environment: string
  readonly scope: string | undefined
  readonly refreshToken: Redacted.Redacted<string>
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

const toTokenSet = (
  json: Record<string, unknown>,
  response: HttpTransportResponse,
  ctx: ResponseContext,
): Result.Result<TokenSet, RefreshError> => {
  const decoded = decodeTokenResponse(json)
  if (Result.isFailure(decoded)) {
    const field = fieldOf(decoded.failure.issue)
    return failWith(
      new MalformedResponse({
        environment: ctx.environment,
        status: response.status,
        kind: "invalidField",
        contentType: contentTypeOf(response),
        field: field ?? "(the body)",
        expected: field === undefined ? "a JSON object" : (EXPECTED[field] ?? "valid"),
        excerpt: excerpt(response.body, ctx.secrets()),
      }),
    )
  }
  const value = decoded.success
  const expiresIn = typeof value.expires_in === "number" ? value.expires_in : Number(value.expires_in)
  const current = Redacted.value(ctx.refreshToken)
  const rotated = value.refresh_token !== undefined && value.refresh_token !== current
  const additionalFields: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(json)) {
    if (KNOWN_FIELDS.has(key)) continue
    additionalFields[key] = key.endsWith("_token") ? Redacted.make(field) : field
  }
  return Result.succeed({
    accessToken: Redacted.make(value.access_token),
    refreshToken: rotated ? Redacted.make(value.refresh_token as string) : ctx.refreshToken,
    refreshTokenRotated: rotated,
    tokenType: "Bearer",
    expiresIn,
    issuedAt: ctx.sentAt,
    expiresAt: ctx.sentAt + expiresIn * 1000,
    ...(value.scope === undefined ? {} : { scope: value.scope }),
    additionalFields,
  })
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
  const decoded = decodeErrorResponse(json)
  if (Result.isFailure(decoded)) return undefined
  const raw = decoded.success.error_description
  return typeof raw === "string" && raw.length > 0
    ? {
        error: maskKnown(decoded.success.error, ctx.secrets()),
        error_description: description(raw, ctx.secrets()),
      }
    : { error: maskKnown(decoded.success.error, ctx.secrets()) }
}

const fromOAuthError = (status: number, oauth: OAuthError, ctx: ResponseContext): RefreshErrorReason => {
  const fields = { environment: ctx.environment, status, ...oauth }
  switch (oauth.error) {
    case "invalid_grant":
      return new InvalidGrant({ ...fields, afterAmbiguousAttempt: false })
    case "invalid_client":
      return new InvalidClient(fields)
    case "invalid_scope":
      return new InvalidScope({ ...fields, scope: ctx.scope })
    case "unsupported_grant_type":
      return new UnsupportedGrantType(fields)
    case "unauthorized_client":
      return new UnauthorizedClient(fields)
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
  const contentType = contentTypeOf(response)
  const malformed = (kind: "notJson" | "tooLarge" | "redirect" | "unexpectedStatus") =>
    failWith(
      new MalformedResponse({
        environment: ctx.environment,
        status,
        kind,
        contentType,
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
    return failWith(status === 429 ? new RateLimited(fields) : new ServerError({ ...fields, contentType }))
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
