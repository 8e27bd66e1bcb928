/**
 * What one refresh needs (credentials, the current refresh token, where and how to send them) and its
 * validation: `resolveRefreshRequest` checks every field with a Schema before anything is sent and
 * turns secrets into `Redacted` values, failing with an `InvalidConfig` that names the field, what
 * was expected and what was received (never a secret's value).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { checked, durationOf, rule, validator } from "./internal/validation.ts"
import { InvalidConfig } from "./RefreshError.ts"

/**
 * The token endpoints Tangoe documents, by environment.
 *
 * @category constants
 * @since 0.1.0
 */
export const TOKEN_URLS = {
  production: "https://oauth.tangoe.com/as/token.oauth2",
  qa: "https://oauthqa.tangoe.com/as/token.oauth2",
} as const

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
  /** Time limit for the whole exchange (milliseconds or a Duration input like `"30 seconds"`); default 30 s. */
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
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(30)

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
    : CONTROL.test(s)
      ? "a string containing a control character"
      : "a string"

/**
 * Shows a short string that should not be secret (a wrong environment name, scope, option); a longer
 * one is only described, in case a secret was put in the wrong field.
 */
const quote = (s: string): string =>
  s.length <= 24 ? JSON.stringify(s) : `a string of ${s.length} characters`

/** A short string is shown, anything else described by its type. */
const shownOrType = (u: unknown): string => (typeof u === "string" ? quote(u) : typeOf(u))

const isLoopback = (hostname: string): boolean => {
  const host = hostname.toLowerCase()
  if (host === "localhost" || host === "[::1]") return true
  const octets = host.split(".")
  return (
    octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  )
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** What a failed check of the request reports, as the fields of an `InvalidConfig`. */
interface Expectation {
  /** The field, when it is not the key being checked (`environment.tokenUrl`). */
  readonly field?: string | undefined
  readonly expected: string
  /** What was received, from the checked value; default: a short string shown, else its type. */
  readonly received?: ((u: unknown) => string) | undefined
  readonly hint?: string | ((u: unknown) => string | undefined) | undefined
}

const expect = (ok: (u: unknown) => boolean, expectation: Expectation) => rule(ok, expectation)

// --- environment ------------------------------------------------------------------------------

const ABSOLUTE = "an absolute https URL (http only on a loopback host)"
const TOKEN_URL = "environment.tokenUrl"

/** The custom environment's URL, or undefined when the value is not a URL object/string. */
const tokenUrlOf = (u: unknown): unknown => (isPlainObject(u) ? u.tokenUrl : undefined)
const parseUrl = (u: unknown): URL | undefined => {
  const raw = tokenUrlOf(u)
  if (typeof raw !== "string") return undefined
  try {
    return new URL(raw)
  } catch {
    return undefined
  }
}
const shownUrl = (u: unknown): string => {
  const url = parseUrl(u)
  return url === undefined ? "a URL" : JSON.stringify(`${url.protocol}//${url.host}${url.pathname}`)
}
/** Passes for the named environments; the URL checks apply to `{ tokenUrl }` only. */
const urlCheck = (ok: (url: URL) => boolean) => (u: unknown) => {
  if (!isPlainObject(u)) return true
  const url = parseUrl(u)
  return url === undefined || ok(url)
}

const environmentField = () =>
  checked(
    expect((u) => u === "production" || u === "qa" || isPlainObject(u), {
      expected: '"production", "qa" or { tokenUrl: "https://…" }',
      hint: (u) =>
        typeof u === "string" ? 'Tangoe has two environments, "production" and "qa".' : undefined,
    }),
    expect((u) => !isPlainObject(u) || typeof u.tokenUrl === "string", {
      field: TOKEN_URL,
      expected: ABSOLUTE,
      received: (u) => typeOf(tokenUrlOf(u)),
    }),
    expect((u) => !isPlainObject(u) || parseUrl(u) !== undefined, {
      field: TOKEN_URL,
      expected: ABSOLUTE,
      received: () => "a string that is not an absolute URL",
    }),
    expect(
      urlCheck((url) => url.username === "" && url.password === ""),
      {
        field: TOKEN_URL,
        expected: "a URL without user name or password",
        received: () => "a URL with credentials in it",
        hint: "Give the client id and secret as clientId and clientSecret.",
      },
    ),
    expect(
      urlCheck((url) => url.hash === ""),
      { field: TOKEN_URL, expected: "a URL without a #fragment", received: shownUrl },
    ),
    expect(
      urlCheck((url) => url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname))),
      {
        field: TOKEN_URL,
        expected: ABSOLUTE,
        received: shownUrl,
        hint: "The request carries the client secret and refresh token: plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost).",
      },
    ),
  )

// --- credentials ------------------------------------------------------------------------------

const clientIdField = () =>
  checked(
    expect((u) => typeof u === "string" && u.length > 0 && !CONTROL.test(u), {
      expected: "a non-empty string without control characters",
      received: (u) => (typeof u === "string" ? describeHidden(u) : typeOf(u)),
      hint: "Use the client id Tangoe assigned to your API client application.",
    }),
  )

/** A wiped Redacted throws on access: treat it as holding nothing. */
const redactedValue = (u: Redacted.Redacted<unknown>): unknown => {
  try {
    return Redacted.value(u)
  } catch {
    return undefined
  }
}
const secretText = (u: unknown): unknown => (Redacted.isRedacted(u) ? redactedValue(u) : u)

const secretField = (hint: string) =>
  checked(
    expect(
      (u) => {
        const raw = secretText(u)
        return typeof raw === "string" && raw.length > 0 && !CONTROL.test(raw)
      },
      {
        expected: "a non-empty string (or Redacted string) without control characters",
        received: (u) => {
          const raw = secretText(u)
          const prefix = Redacted.isRedacted(u) ? "a Redacted holding " : ""
          return `${prefix}${typeof raw === "string" ? describeHidden(raw) : typeOf(raw)}`
        },
        hint,
      },
    ),
  )

// --- options ----------------------------------------------------------------------------------

const SCOPE_EXPECTED = 'space-separated scope tokens (RFC 6749 §3.3), e.g. "MOBPROC", or no scope at all'

const scopeField = () =>
  checked(
    expect((u) => u === undefined || typeof u === "string", { expected: SCOPE_EXPECTED, received: typeOf }),
    expect((u) => u === undefined || SCOPE.test(u as string), {
      expected: SCOPE_EXPECTED,
      received: (u) => (u === "" ? "an empty string" : shownOrType(u)),
      hint: "Scope tokens are printable ASCII without spaces, quotes or backslashes, separated by single spaces.",
    }),
  )

const choiceField = (choices: readonly [string, string]) =>
  checked(
    expect((u) => u === undefined || choices.includes(u as string), {
      expected: `"${choices[0]}" (the default) or "${choices[1]}"`,
    }),
  )

const TIMEOUT_EXPECTED = 'a positive, finite duration (milliseconds, or a Duration input like "30 seconds")'

const timeoutField = () =>
  checked(
    expect((u) => u === undefined || durationOf(u) !== undefined, { expected: TIMEOUT_EXPECTED }),
    expect(
      (u) => {
        const duration = durationOf(u)
        return duration === undefined || (Duration.isFinite(duration) && Duration.toMillis(duration) > 0)
      },
      { expected: TIMEOUT_EXPECTED, received: (u) => Duration.format(durationOf(u) as Duration.Duration) },
    ),
  )

/** The request's fields, checked in this order; the first invalid one is reported. */
const requestFields = () =>
  Schema.Struct({
    environment: environmentField(),
    clientId: clientIdField(),
    clientSecret: secretField("Use the client secret Tangoe assigned to this client id."),
    refreshToken: secretField("Give the current refresh token (the last one the server returned)."),
    scope: scopeField(),
    placement: choiceField(["query", "body"]),
    clientAuth: choiceField(["params", "basic"]),
    timeout: timeoutField(),
  })

const validateFields = validator<ReturnType<typeof requestFields>, Expectation>(requestFields)

const invalid = (field: string, expected: string, received: string, hint?: string) =>
  Result.fail(new InvalidConfig({ field, expected, received, hint }))

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

const resolveUnsafe = (input: unknown): Result.Result<ResolvedRefreshRequest, InvalidConfig> => {
  if (!isPlainObject(input)) {
    return invalid(
      "request",
      "an object with environment, clientId, clientSecret and refreshToken",
      typeOf(input),
    )
  }
  // Every field read once, so that a getter cannot answer one way to the check and another after.
  const fields = {
    environment: input.environment,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    refreshToken: input.refreshToken,
    scope: input.scope,
    placement: input.placement,
    clientAuth: input.clientAuth,
    timeout: input.timeout,
  }
  const checkedFields = validateFields(fields)
  if (Result.isFailure(checkedFields)) {
    const { path, rule: expectation } = checkedFields.failure
    const key = path[0] as keyof typeof fields | undefined
    const value = key === undefined ? input : fields[key]
    if (expectation === undefined) return invalid(key ?? "request", "a valid value", typeOf(value))
    const hint = typeof expectation.hint === "function" ? expectation.hint(value) : expectation.hint
    return invalid(
      expectation.field ?? key ?? "request",
      expectation.expected,
      (expectation.received ?? shownOrType)(value),
      hint,
    )
  }
  return Result.succeed(resolved(fields))
}

/** The resolved request of fields that passed `RequestFields`. */
const resolved = (
  fields: {
    readonly [K in keyof RefreshRequest]-?: unknown
  },
): ResolvedRefreshRequest => {
  const url = parseUrl(fields.environment)
  const environment: Pick<ResolvedRefreshRequest, "environmentName" | "environment" | "tokenUrl"> =
    fields.environment === "production" || fields.environment === "qa"
      ? {
          environmentName: fields.environment,
          environment: fields.environment,
          tokenUrl: TOKEN_URLS[fields.environment],
        }
      : {
          environmentName: "custom" as const,
          environment: `${url?.protocol}//${url?.host}${url?.pathname}`,
          tokenUrl: url?.href ?? "",
        }
  const secret = (u: unknown): Redacted.Redacted<string> =>
    Redacted.isRedacted(u) ? (u as Redacted.Redacted<string>) : Redacted.make(u as string)
  return {
    ...environment,
    clientId: fields.clientId as string,
    clientSecret: secret(fields.clientSecret),
    refreshToken: secret(fields.refreshToken),
    scope: fields.scope as string | undefined,
    placement: (fields.placement ?? "query") as Placement,
    clientAuth: (fields.clientAuth ?? "params") as ClientAuth,
    timeout:
      fields.timeout === undefined ? DEFAULT_TIMEOUT : (durationOf(fields.timeout) as Duration.Duration),
  }
}

/**
 * The same request with another refresh token (for example the rotated one), keeping everything else.
 *
 * @category utils
 * @since 0.1.0
 */
export const withRefreshToken = (
  request: ResolvedRefreshRequest,
  refreshToken: Redacted.Redacted<string>,
): ResolvedRefreshRequest => ({ ...request, refreshToken })
