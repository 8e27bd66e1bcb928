/**
 * The password grant with a Tangoe service account: how a customer gets the FIRST refresh token, and
 * how a dead chain is re-established when the user lets us keep the password. Tangoe documents it in
 * "How to Request an Access Token using the Password grant type" (GitHub
 * `Tangoe/Mobile-Procurement-API-Documentation`): `POST …/as/token.oauth2` with `grant_type=password`,
 * `client_id`, `client_secret`, `scope`, `username` and `password`; the answer has the four fields of a
 * refresh. The username is `command://name` or `rivermine://name`, or a bare name for a Tangoe-platform user.
 *
 * It goes the way a refresh goes: the same environments, parameter placement, client authentication,
 * time limit, rotation-safe retry policy and error reasons. A refused account is the reason
 * `ServiceAccountRejected`; a client not allowed the grant is `UnauthorizedClient` with `grantType:
 * "password"`. The username and password are `Redacted` from the edge inward, and masked in every form
 * they travel in wherever a server quotes them.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { HttpTransport } from "./HttpTransport.ts"
import { InvalidConfig } from "./InvalidConfig.ts"
import { checkTransportOption } from "./internal/optionChecks.ts"
import { refreshAttempt } from "./internal/refreshAttempt.ts"
import { runToPromise } from "./internal/runToPromise.ts"
import type { RefreshError } from "./RefreshError.ts"
import {
  type RefreshRequest,
  type ResolvedRefreshRequest,
  resolveRefreshRequest,
  type Secret,
} from "./RefreshRequest.ts"
import { type RetryOptions, withRefreshRetry } from "./RetryPolicy.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * A Tangoe service account: `username` is `command://name`, `rivermine://name`, or a bare name for a
 * Tangoe-platform user. Both become `Redacted` at once, and neither ever appears in an error or a log.
 *
 * @category models
 * @since 0.2.0
 */
export interface ServiceAccount {
  /** `command://name`, `rivermine://name`, or a bare name. */
  readonly username: Secret
  /** The service account's password. */
  readonly password: Secret
}

/**
 * A validated {@link ServiceAccount}.
 *
 * @category models
 * @since 0.2.0
 */
export interface ResolvedServiceAccount {
  readonly username: Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
  /** The username's source system: `"command"`, `"rivermine"`, or `"tangoe"` for a bare name. Not secret. */
  readonly sourceSystem: "command" | "rivermine" | "tangoe"
}

/**
 * One password grant: the refresh request's settings without its refresh token, plus the service account.
 *
 * @category models
 * @since 0.2.0
 */
export interface PasswordGrantRequest extends Omit<RefreshRequest, "refreshToken"> {
  /** The service account whose username and password are sent. */
  readonly serviceAccount: ServiceAccount
}

/**
 * A validated {@link PasswordGrantRequest}.
 *
 * @category models
 * @since 0.2.0
 */
export interface ResolvedPasswordGrantRequest extends Omit<ResolvedRefreshRequest, "refreshToken"> {
  readonly serviceAccount: ResolvedServiceAccount
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\x00-\x1F\x7F]/
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s

const unwrap = (u: unknown): unknown => {
  if (!Redacted.isRedacted(u)) return u
  try {
    return Redacted.value(u)
  } catch {
    return undefined
  }
}

const describe = (u: unknown, redacted: boolean): string => {
  const prefix = redacted ? "a Redacted holding " : ""
  if (typeof u !== "string")
    return `${prefix}${u === null ? "null" : u === undefined ? "nothing (undefined)" : `a ${typeof u}`}`
  if (u.length === 0) return `${prefix}an empty string`
  if (u.trim().length === 0) return `${prefix}a string of only whitespace`
  return `${prefix}a string containing a control character`
}

/**
 * Validates a service account without sending anything: an `InvalidConfig` names
 * `serviceAccount.username` or `serviceAccount.password` (never showing their values).
 *
 * @category validation
 * @since 0.2.0
 */
export const resolveServiceAccount = (u: unknown): Result.Result<ResolvedServiceAccount, InvalidConfig> => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) {
    return Result.fail(
      new InvalidConfig({
        field: "serviceAccount",
        expected: "an object { username, password }",
        received: u === null ? "null" : Array.isArray(u) ? "an array" : `a ${typeof u}`,
      }),
    )
  }
  let rawUser: unknown
  let rawPassword: unknown
  try {
    rawUser = (u as { readonly username?: unknown }).username
    rawPassword = (u as { readonly password?: unknown }).password
  } catch {
    return Result.fail(
      new InvalidConfig({
        field: "serviceAccount",
        expected: "a plain object { username, password }",
        received: "an object whose properties could not be read",
      }),
    )
  }
  const username = unwrap(rawUser)
  const usernameHint =
    "Give the service account's username as Tangoe issued it: command://name, rivermine://name, or a bare name for a Tangoe-platform user."
  if (typeof username !== "string" || username.trim().length === 0 || CONTROL.test(username)) {
    return Result.fail(
      new InvalidConfig({
        field: "serviceAccount.username",
        expected: "a non-empty string without control characters",
        received: describe(username, Redacted.isRedacted(rawUser)),
        hint: usernameHint,
      }),
    )
  }
  const scheme = SCHEME.exec(username)
  let sourceSystem: ResolvedServiceAccount["sourceSystem"] = "tangoe"
  if (scheme !== null) {
    const system = scheme[1]?.toLowerCase()
    if ((system !== "command" && system !== "rivermine") || (scheme[2] ?? "").trim().length === 0) {
      return Result.fail(
        new InvalidConfig({
          field: "serviceAccount.username",
          expected: "command://name, rivermine://name, or a bare name",
          received:
            system === "command" || system === "rivermine"
              ? `${system}:// with no name after it`
              : "a name with another source system before ://",
          hint: usernameHint,
        }),
      )
    }
    sourceSystem = system
  }
  const password = unwrap(rawPassword)
  if (typeof password !== "string" || password.trim().length === 0 || CONTROL.test(password)) {
    return Result.fail(
      new InvalidConfig({
        field: "serviceAccount.password",
        expected: "a non-empty string (or Redacted string) without control characters",
        received: describe(password, Redacted.isRedacted(rawPassword)),
        hint: "Give the service account's password (from a secret store or an environment variable, never a command line).",
      }),
    )
  }
  return Result.succeed({
    username: Redacted.isRedacted(rawUser) ? (rawUser as Redacted.Redacted<string>) : Redacted.make(username),
    password: Redacted.isRedacted(rawPassword)
      ? (rawPassword as Redacted.Redacted<string>)
      : Redacted.make(password),
    sourceSystem,
  })
}

/**
 * Validates a password grant request and applies its defaults, without sending anything: the same
 * rules as a refresh request for the shared settings, then the service account.
 *
 * @category validation
 * @since 0.2.0
 */
export const resolvePasswordGrantRequest = (
  input: unknown,
): Result.Result<ResolvedPasswordGrantRequest, InvalidConfig> => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return Result.fail(
      new InvalidConfig({
        field: "request",
        expected: "an object with environment, clientId, clientSecret and serviceAccount",
        received: input === null ? "null" : Array.isArray(input) ? "an array" : `a ${typeof input}`,
      }),
    )
  }
  let serviceAccountInput: unknown
  try {
    serviceAccountInput = (input as { readonly serviceAccount?: unknown }).serviceAccount
  } catch {
    serviceAccountInput = undefined
  }
  // The shared settings are checked by the refresh's own rules. Its refresh token field is filled with
  // a value that is never sent: a password grant has none.
  const shared = resolveRefreshRequest({ ...(input as object), refreshToken: "password-grant" })
  if (Result.isFailure(shared)) return Result.fail(shared.failure)
  const account = resolveServiceAccount(serviceAccountInput)
  if (Result.isFailure(account)) return Result.fail(account.failure)
  const { refreshToken: _unused, ...settings } = shared.success
  return Result.succeed({ ...settings, serviceAccount: account.success })
}

/**
 * One password grant with an already validated request, with `transport`: no retry.
 *
 * @internal
 */
export const passwordGrantAttempt = (
  request: ResolvedPasswordGrantRequest,
  transport: HttpTransport,
): Effect.Effect<TokenSet, RefreshError> =>
  refreshAttempt(request, transport, {
    grantType: "password",
    username: request.serviceAccount.username,
    password: request.serviceAccount.password,
  })

/**
 * Performs ONE password grant and yields the first {@link TokenSet} of a new chain (its `refreshToken`
 * is the one to keep). The request is validated first (an `InvalidConfig` names the bad field; nothing
 * is sent). Fails with a `RefreshError` whose `reason` says what happened: `ServiceAccountRejected`
 * (wrong username or password, unknown or locked account), `UnauthorizedClient` (the client is not
 * allowed the grant), `InvalidClient`, and the transport reasons of a refresh. With `retry`, the
 * rotation-safe retry policy of a refresh is applied; a refused account is never retried.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { passwordGrant } from "@tangoe-token/core"
 *
 * const first = await Effect.runPromise(
 *   passwordGrant({
 *     environment: "qa", clientId, clientSecret, scope: "MOBPROC",
 *     serviceAccount: { username: "command://svc.acme", password: process.env.TANGOE_PASSWORD! },
 *   }),
 * )
 * await save(Redacted.value(first.refreshToken))
 * ```
 *
 * @category refresh
 * @since 0.2.0
 */
export const passwordGrant = (
  request: PasswordGrantRequest,
  options: { readonly retry?: RetryOptions | false | undefined } = {},
): Effect.Effect<TokenSet, RefreshError | InvalidConfig> =>
  Effect.suspend((): Effect.Effect<TokenSet, RefreshError | InvalidConfig> => {
    const resolved = resolvePasswordGrantRequest(request)
    if (Result.isFailure(resolved)) return Effect.fail(resolved.failure)
    const attempt = Effect.gen(function* () {
      return yield* passwordGrantAttempt(resolved.success, yield* HttpTransport)
    })
    return options.retry === false || options.retry === undefined
      ? attempt
      : withRefreshRetry(options.retry)(attempt)
  })

/**
 * The Promise facade of {@link passwordGrant}: resolves with the first `TokenSet` of a new chain, or
 * rejects with the same errors (`RefreshError`, `InvalidConfig`), never a wrapper.
 *
 * @category refresh
 * @since 0.2.0
 */
export const passwordGrantTokenSet = async (
  request: PasswordGrantRequest,
  options: {
    /** The rotation-safe retry policy (`{}` for the defaults); default: one attempt. */
    readonly retry?: RetryOptions | false | undefined
    /** Another HTTP transport than the default (`nodeHttpTransport`). */
    readonly transport?: HttpTransport | undefined
    /** Aborts the grant; the promise then rejects with the signal's reason. */
    readonly signal?: AbortSignal | undefined
  } = {},
): Promise<TokenSet> => {
  const invalid = checkTransportOption(options.transport)
  if (invalid !== undefined) throw invalid
  return runToPromise(passwordGrant(request, { retry: options.retry }), options)
}
