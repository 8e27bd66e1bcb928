/**
 * The CLI's own errors (a wrong invocation, an unusable settings file) and the mapping of every
 * error, ours and core's, to a documented exit code. Messages never hold a secret: core's
 * errors promise it, and ours name settings and files, never their values.
 *
 * @internal
 */
import {
  isRefreshError,
  isTangoeApiError,
  type RefreshErrorReason,
  type TangoeApiErrorReason,
} from "@tangoe-token/core"
import * as Data from "effect/Data"
import { inCliTerms } from "./cliTerms.ts"

/**
 * The invocation cannot work: a required setting is missing, a flag has a wrong value, the
 * settings file cannot be used. Exit code 2.
 */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}

/** The API of `request` could not be reached. Exit code 4. */
export class ApiUnavailable extends Data.TaggedError("ApiUnavailable")<{ readonly message: string }> {}

/**
 * The documented exit codes.
 *
 * - 0: done.
 * A `RefreshError` is classified by its reason (`InvalidGrant`, `Timeout`…), and `--json` names the
 * reason as the error's `type`.
 *
 * - 1: an unexpected failure (a bug, or a server answer that fits no other class: `InvalidRequest`,
 *   `UnsupportedGrantType`).
 * - 2: usage: a missing or invalid setting or flag (a Redis URL store-redis refuses), an unusable settings file.
 * - 3: a person must re-provision credentials: the refresh token was refused (`InvalidGrant`) or none is
 *   stored (`NotProvisioned`), or the client id/secret/scope were refused (`InvalidClient`,
 *   `UnauthorizedClient`, `InvalidScope`), or the client may not validate tokens (`ValidationNotPermitted`, whoami). Retrying cannot help; run `tangoe-token init` again.
 * - 4: the server is unavailable or misbehaved (`Transport`, `Timeout`, `ServerError`, `RateLimited`,
 *   `MalformedResponse`, or the API of `request` could not be reached). Retrying later can help.
 * - 5: the token store failed (`StoreError`, `StoreConflict`): fix the file or its permissions, or the Redis server.
 * - 6: `request` got an HTTP error status (>= 400) from the API.
 * - 7: the connection broke after the token request was sent (`Transport` that may have reached the
 *   server): the server probably rotated the refresh token and its answer was lost, so the stored
 *   token is probably consumed. Retrying later cannot bring the new one back; run `tangoe-token init`.
 */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  reprovision: 3,
  unavailable: 4,
  store: 5,
  httpError: 6,
  consumed: 7,
} as const

/** Every reason of a `RefreshError` has its code: a reason added to core must be classified here. */
const byReason: { readonly [Tag in RefreshErrorReason["_tag"]]: number } = {
  InvalidGrant: ExitCode.reprovision,
  InvalidClient: ExitCode.reprovision,
  UnauthorizedClient: ExitCode.reprovision,
  ServiceAccountRejected: ExitCode.reprovision,
  InvalidScope: ExitCode.reprovision,
  Transport: ExitCode.unavailable,
  Timeout: ExitCode.unavailable,
  ServerError: ExitCode.unavailable,
  RateLimited: ExitCode.unavailable,
  MalformedResponse: ExitCode.unavailable,
  InvalidRequest: ExitCode.unexpected,
  UnsupportedGrantType: ExitCode.unexpected,
}

/** The reasons of a `TangoeApiError` (`request`, `whoami`). */
const byApiReason: { readonly [Tag in TangoeApiErrorReason["_tag"]]: number } = {
  BadRequest: ExitCode.httpError,
  Forbidden: ExitCode.httpError,
  TokenRejected: ExitCode.httpError,
  NotFound: ExitCode.httpError,
  ApiServerError: ExitCode.httpError,
  UnexpectedStatus: ExitCode.httpError,
  MalformedApiResponse: ExitCode.unavailable,
  ApiTransport: ExitCode.unavailable,
  ForeignHost: ExitCode.usage,
  TooManyPages: ExitCode.usage,
  ValidationNotPermitted: ExitCode.reprovision,
  TokenNotValid: ExitCode.unavailable,
  ValidationFailed: ExitCode.unavailable,
  TenantUnknown: ExitCode.usage,
}

const byTag: Readonly<Record<string, number>> = {
  ...byReason,
  ...byApiReason,
  UsageError: ExitCode.usage,
  InvalidConfig: ExitCode.usage,
  RedisStoreConfigError: ExitCode.usage,
  NotProvisioned: ExitCode.reprovision,
  RefreshTokenDead: ExitCode.reprovision,
  ApiUnavailable: ExitCode.unavailable,
  StoreError: ExitCode.store,
  StoreConflict: ExitCode.store,
  TokenManagerClosed: ExitCode.unexpected,
}

/**
 * What failed, as one name: the reason's tag for a `RefreshError` (`InvalidGrant`…), the `_tag` of
 * another known error, or `"UnexpectedError"`.
 */
export const tagOf = (error: unknown): string => {
  const tag = isRefreshError(error)
    ? error.reason._tag
    : isTangoeApiError(error)
      ? error.reason._tag
      : typeof error === "object" && error !== null
        ? (error as { readonly _tag?: unknown })._tag
        : undefined
  return typeof tag === "string" && Object.hasOwn(byTag, tag) ? tag : "UnexpectedError"
}

/** The exit code for an error. */
export const exitCodeOf = (error: unknown): number =>
  isRefreshError(error) && error.reason._tag === "Transport" && error.reason.mayHaveReachedServer
    ? ExitCode.consumed
    : (byTag[tagOf(error)] ?? ExitCode.unexpected)

/**
 * The message to show: a known error's own message (it says what to do), in the CLI's terms (flags,
 * variables, `tangoe-token init`: see `cliTerms.ts`). For anything else only
 * its class name, never its message or stack, which could quote a secret.
 */
export const messageOf = (error: unknown): string => {
  if (tagOf(error) !== "UnexpectedError") return inCliTerms((error as { readonly message: string }).message)
  const name = error instanceof Error ? error.name : typeof error
  return `unexpected failure (${name}) — this is a bug in tangoe-token; please report it with the command you ran`
}

/** The `--json` shape of a failure: `{ "error": { "type", "message", "exitCode" } }`. */
export interface ErrorJson {
  readonly error: { readonly type: string; readonly message: string; readonly exitCode: number }
}

/** Builds the `--json` shape of a failure. */
export const errorJson = (error: unknown): ErrorJson => ({
  error: { type: tagOf(error), message: messageOf(error), exitCode: exitCodeOf(error) },
})
