/**
 * What one refresh needs (credentials, the current refresh token, where and how to send them) and its
 * validation: `resolveRefreshRequest` checks every field before anything is sent and turns secrets
 * into `Redacted` values, failing with an `InvalidConfig` that names the field.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { InvalidConfig } from "./InvalidConfig.ts"
import { isLoopback } from "./internal/loopback.ts"
import { checkMillis, MAX_TIMER_MILLIS } from "./internal/optionChecks.ts"
import { TOKEN_URLS } from "./TokenUrls.ts"

export { TOKEN_URLS }

/**
 * Which Tangoe environment to call: `"production"`, `"qa"`, or another token endpoint (https, or http on
 * a loopback host: 127.0.0.0/8, ::1, localhost). A client id/secret pair belongs to ONE environment.
 *
 * @category models
 * @since 0.1.0
 */
export type Environment = "production" | "qa" | { readonly tokenUrl: string }

/**
 * Where the parameters go: `"query"` (the URL's query string, as Tangoe documents; the default) or
 * `"body"` (an `application/x-www-form-urlencoded` body, RFC 6749 §6).
 *
 * @category models
 * @since 0.1.0
 */
export type Placement = "query" | "body"

/**
 * How the client authenticates: `"params"` (`client_id` and `client_secret` as parameters; the default)
 * or `"basic"` (HTTP Basic with the id and secret form-encoded first, RFC 6749 Appendix B).
 *
 * @category models
 * @since 0.1.0
 */
export type ClientAuth = "params" | "basic"

/**
 * A secret as the caller gives it: a plain string or a `Redacted` string. It becomes `Redacted` at once.
 *
 * @category models
 * @since 0.1.0
 */
export type Secret = string | Redacted.Redacted<string>

/**
 * One refresh: who asks (client), with which refresh token, where, and how.
 *
 * @category models
 * @since 0.1.0
 */
export interface RefreshRequest {
  /** `"production"`, `"qa"`, or `{ tokenUrl }`. */
  readonly environment: Environment
  /** The Tangoe-assigned client id. */
  readonly clientId: string
  /** The Tangoe-assigned client secret. */
  readonly clientSecret: Secret
  /** The current refresh token. */
  readonly refreshToken: Secret
  /** Optional scope, RFC 6749 syntax: space-separated scope tokens, e.g. `"MOBPROC"`. */
  readonly scope?: string | undefined
  /** Where the parameters go; default `"query"`. */
  readonly placement?: Placement | undefined
  /** How the client authenticates; default `"params"`. */
  readonly clientAuth?: ClientAuth | undefined
  /**
   * Time limit for the whole exchange (milliseconds or a Duration input like `"30 seconds"`); default
   * 30 s. From 100 ms (`MIN_TIMEOUT`: a shorter one fires after the request left and burns the
   * rotating token) to 2^31 - 1 ms (`MAX_TIMEOUT`, the longest delay Node's timers accept).
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * A validated {@link RefreshRequest} with defaults applied and secrets `Redacted`.
 *
 * @category models
 * @since 0.1.0
 */
export interface ResolvedRefreshRequest {
  /** `"production"`, `"qa"` or `"custom"`. */
  readonly environmentName: "production" | "qa" | "custom"
  /** A printable name for the environment: `"production"`, `"qa"`, or the custom URL without query. */
  readonly environment: string
  /** The token endpoint URL (without our parameters). */
  readonly tokenUrl: string
  /** The client id. */
  readonly clientId: string
  /** The client secret. */
  readonly clientSecret: Redacted.Redacted<string>
  /** The refresh token to send. */
  readonly refreshToken: Redacted.Redacted<string>
  /** The scope, when one was given. */
  readonly scope: string | undefined
  /** Where the parameters go. */
  readonly placement: Placement
  /** How the client authenticates. */
  readonly clientAuth: ClientAuth
  /** The time limit for the exchange. */
  readonly timeout: Duration.Duration
}

/**
 * The default time limit of one exchange: 30 seconds.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_TIMEOUT: Duration.Duration = /* @__PURE__ */ Duration.seconds(30)

/**
 * The shortest time limit accepted: 100 ms. A shorter one fires after the request has left, and
 * the server may have rolled the refresh token by then: the rotation would be lost.
 *
 * @category constants
 * @since 0.3.0
 */
export const MIN_TIMEOUT: Duration.Duration = /* @__PURE__ */ Duration.millis(100)

/**
 * The longest time limit accepted: 2^31 - 1 ms (about 24.8 days), the longest delay Node's timers
 * accept (a longer one would fire at once).
 *
 * @category constants
 * @since 0.3.0
 */
export const MAX_TIMEOUT: Duration.Duration = /* @__PURE__ */ Duration.millis(MAX_TIMER_MILLIS)

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\x00-\x1F\x7F]/

const typeOf = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  switch (typeof u) {
    case "undefined":
      return "nothing (undefined)"
    case "string":
      return "a string"
    case "object":
      return "an object"
    default:
      return `a ${typeof u}`
  }
}

/** Describes a string without showing it (used for secrets). */
const describeHidden = (s: string): string =>
  s.length === 0
    ? "an empty string"
    : s.trim() === ""
      ? "a string of only spaces"
      : CONTROL.test(s)
        ? "a string containing a control character"
        : "a string"

/**
 * Shows a short string that should not be secret (a wrong environment name, scope, option); a longer
 * one is only described, in case a secret was put in the wrong field.
 */
const quote = (s: string): string =>
  s.length <= 24 ? JSON.stringify(s) : `a string of ${s.length} characters`

type Check<A> = Result.Result<A, InvalidConfig>

const invalid = (field: string, expected: string, received: string, hint?: string): Check<never> =>
  Result.fail(new InvalidConfig({ field, expected, received, hint }))

const resolveEnvironment = (
  u: unknown,
): Check<Pick<ResolvedRefreshRequest, "environmentName" | "environment" | "tokenUrl">> => {
  if (u === "production" || u === "qa") {
    return Result.succeed({ environmentName: u, environment: u, tokenUrl: TOKEN_URLS[u] })
  }
  const expected = '"production", "qa" or { tokenUrl: "https://…" }'
  if (typeof u === "string") {
    return invalid("environment", expected, quote(u), 'Tangoe has two environments, "production" and "qa".')
  }
  if (typeof u !== "object" || u === null || Array.isArray(u)) {
    return invalid("environment", expected, typeOf(u))
  }
  const raw = (u as { readonly tokenUrl?: unknown }).tokenUrl
  const field = "environment.tokenUrl"
  const absolute = "an absolute https URL (http only on a loopback host)"
  if (typeof raw !== "string") return invalid(field, absolute, typeOf(raw))
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return invalid(field, absolute, "a string that is not an absolute URL")
  }
  const shown = JSON.stringify(`${url.protocol}//${url.host}${url.pathname}`)
  if (url.username !== "" || url.password !== "") {
    return invalid(
      field,
      "a URL without user name or password",
      "a URL with credentials in it",
      "Give the client id and secret as clientId and clientSecret.",
    )
  }
  if (url.hash !== "") return invalid(field, "a URL without a #fragment", shown)
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    return invalid(
      field,
      absolute,
      shown,
      "The request carries the client secret and refresh token: plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost).",
    )
  }
  return Result.succeed({
    environmentName: "custom",
    environment: `${url.protocol}//${url.host}${url.pathname}`,
    tokenUrl: url.href,
  })
}

/** Not empty, not only spaces, no control characters. */
const usableText = (s: string): boolean => s.trim().length > 0 && !CONTROL.test(s)

const resolveClientId = (u: unknown): Check<string> =>
  typeof u === "string" && usableText(u)
    ? Result.succeed(u)
    : invalid(
        "clientId",
        "a non-empty string (not only spaces) without control characters",
        typeof u === "string" ? describeHidden(u) : typeOf(u),
        "Use the client id Tangoe assigned to your API client application.",
      )

const resolveSecret = (field: string, u: unknown, hint: string): Check<Redacted.Redacted<string>> => {
  const expected = "a non-empty string (or Redacted string), not only spaces, without control characters"
  const raw: unknown = Redacted.isRedacted(u) ? redactedValue(u) : u
  const redactedPrefix = Redacted.isRedacted(u) ? "a Redacted holding " : ""
  if (typeof raw !== "string") return invalid(field, expected, `${redactedPrefix}${typeOf(raw)}`, hint)
  if (!usableText(raw)) {
    return invalid(field, expected, `${redactedPrefix}${describeHidden(raw)}`, hint)
  }
  return Result.succeed(Redacted.isRedacted(u) ? (u as Redacted.Redacted<string>) : Redacted.make(raw))
}

/** A wiped Redacted throws on access: treat it as holding nothing. */
const redactedValue = (u: Redacted.Redacted<unknown>): unknown => {
  try {
    return Redacted.value(u)
  } catch {
    return undefined
  }
}

const resolveScope = (u: unknown): Check<string | undefined> => {
  if (u === undefined) return Result.succeed(undefined)
  const expected = 'space-separated scope tokens (RFC 6749 §3.3), e.g. "MOBPROC", or no scope at all'
  if (typeof u !== "string") return invalid("scope", expected, typeOf(u))
  if (!SCOPE.test(u)) {
    return invalid(
      "scope",
      expected,
      u.length === 0 ? "an empty string" : quote(u),
      "Scope tokens are printable ASCII without spaces, quotes or backslashes, separated by single spaces.",
    )
  }
  return Result.succeed(u)
}

const resolveChoice = <A extends string>(field: string, u: unknown, choices: readonly [A, A]): Check<A> => {
  if (u === undefined) return Result.succeed(choices[0])
  if (choices.includes(u as A)) return Result.succeed(u as A)
  return invalid(
    field,
    `"${choices[0]}" (the default) or "${choices[1]}"`,
    typeof u === "string" ? quote(u) : typeOf(u),
  )
}

const resolveTimeout = (u: unknown): Check<Duration.Duration> => {
  if (u === undefined) return Result.succeed(DEFAULT_TIMEOUT)
  const millis = checkMillis("timeout", u, { min: Duration.toMillis(MIN_TIMEOUT), max: MAX_TIMER_MILLIS }, 0)
  if (Result.isFailure(millis)) {
    const { field, expected, received } = millis.failure
    return invalid(
      field,
      expected,
      received,
      "A shorter limit can fire after the request left and cost the rotated refresh token.",
    )
  }
  return Result.succeed(Duration.millis(millis.success))
}

/**
 * Validates a refresh request and applies its defaults, without sending anything. Never throws:
 * any input, of any shape, ends in a `ResolvedRefreshRequest` or an `InvalidConfig` naming the first
 * invalid field.
 *
 * @category validation
 * @since 0.1.0
 */
export const resolveRefreshRequest = (
  input: unknown,
): Result.Result<ResolvedRefreshRequest, InvalidConfig> => {
  try {
    return resolveUnsafe(input)
  } catch {
    // A throwing getter or proxy: report it rather than throw.
    return invalid("request", "a plain object", "an object whose properties could not be read")
  }
}

/** A request's checked settings: everything but the refresh token. */
export type RequestSettings = Omit<ResolvedRefreshRequest, "refreshToken">

const REFRESH_TOKEN_HINT = "Give the current refresh token (the last one the server returned)."

/**
 * Checks a refresh token given on its own (the manager's provisioned token): a non-empty string or
 * `Redacted` string, not only spaces.
 *
 * @internal
 */
export const resolveRefreshToken = (u: unknown): Result.Result<Redacted.Redacted<string>, InvalidConfig> =>
  resolveSecret("refreshToken", u, REFRESH_TOKEN_HINT)

/**
 * Validates everything of a request but its refresh token (the token manager brings its own on
 * every refresh). Never throws.
 *
 * @internal
 */
export const resolveRequestSettings = (input: unknown): Result.Result<RequestSettings, InvalidConfig> => {
  try {
    return resolveSettingsUnsafe(input)
  } catch {
    return invalid("request", "a plain object", "an object whose properties could not be read")
  }
}

const resolveSettingsUnsafe = (input: unknown): Result.Result<RequestSettings, InvalidConfig> => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return invalid(
      "request",
      "an object with environment, clientId, clientSecret (and, for one refresh, refreshToken)",
      typeOf(input),
    )
  }
  const r = input as Record<string, unknown>
  const environment = resolveEnvironment(r.environment)
  if (Result.isFailure(environment)) return Result.fail(environment.failure)
  const clientId = resolveClientId(r.clientId)
  if (Result.isFailure(clientId)) return Result.fail(clientId.failure)
  const clientSecret = resolveSecret(
    "clientSecret",
    r.clientSecret,
    "Use the client secret Tangoe assigned to this client id.",
  )
  if (Result.isFailure(clientSecret)) return Result.fail(clientSecret.failure)
  const scope = resolveScope(r.scope)
  if (Result.isFailure(scope)) return Result.fail(scope.failure)
  const placement = resolveChoice<Placement>("placement", r.placement, ["query", "body"])
  if (Result.isFailure(placement)) return Result.fail(placement.failure)
  const clientAuth = resolveChoice<ClientAuth>("clientAuth", r.clientAuth, ["params", "basic"])
  if (Result.isFailure(clientAuth)) return Result.fail(clientAuth.failure)
  const timeout = resolveTimeout(r.timeout)
  if (Result.isFailure(timeout)) return Result.fail(timeout.failure)
  return Result.succeed({
    ...environment.success,
    clientId: clientId.success,
    clientSecret: clientSecret.success,
    scope: scope.success,
    placement: placement.success,
    clientAuth: clientAuth.success,
    timeout: timeout.success,
  })
}

/** The settings, then the refresh token (the field named is the first invalid one in that order). */
const resolveUnsafe = (input: unknown): Result.Result<ResolvedRefreshRequest, InvalidConfig> => {
  const settings = resolveSettingsUnsafe(input)
  if (Result.isFailure(settings)) return Result.fail(settings.failure)
  const refreshToken = resolveRefreshToken((input as Record<string, unknown>).refreshToken)
  return Result.isFailure(refreshToken)
    ? Result.fail(refreshToken.failure)
    : Result.succeed({ ...settings.success, refreshToken: refreshToken.success })
}

/**
 * The same request with another refresh token (for example the rotated one), keeping everything else.
 *
 * @category utils
 * @since 0.1.0
 */
export const withRefreshToken = (
  request: RequestSettings,
  refreshToken: Redacted.Redacted<string>,
): ResolvedRefreshRequest => ({ ...request, refreshToken })
