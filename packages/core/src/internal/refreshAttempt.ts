/**
 * One refresh attempt with an already validated request and a given transport: build the request,
 * send it once (with the request's time limit), interpret the answer, inside a `tangoe.refresh` span.
 * `refreshResolved` reads the transport from the context; the token manager passes its own.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Tracer from "effect/Tracer"
import {
  classifyFailure,
  type HttpTransport,
  type HttpTransportFailure,
  type HttpTransportRequest,
  type HttpTransportResponse,
} from "../HttpTransport.ts"
import { RefreshError, Timeout, Transport } from "../RefreshError.ts"
import type { ResolvedRefreshRequest } from "../RefreshRequest.ts"
import type { TokenSet } from "../TokenSet.ts"
import { isRealClock, type PromiseSend, promiseSend, sendWithinDeadline } from "./deadline.ts"
import { knownSecrets } from "./sanitize.ts"
import { basicCredentials, buildTokenRequest, type PasswordGrantParameters } from "./tokenRequest.ts"
import { interpretResponse } from "./tokenResponse.ts"

/** The most of a response body an attempt reads (see `MAX_BODY_BYTES`). */
export const BODY_LIMIT = 64 * 1024

/** What an attempt needs of the request: a refresh request, whose refresh token a password grant lacks. */
export type GrantRequest = Omit<ResolvedRefreshRequest, "refreshToken"> & {
  readonly refreshToken?: Redacted.Redacted<string> | undefined
}

/**
 * Whether this build keeps the attempt's span and debug log: everywhere core is used as published
 * (the global is undefined). A bundle that embeds a private copy of effect, which no user can give a
 * tracer or a logger, defines it as `false` (the n8n credential's build does): there both are dead
 * code, and the minifier drops them.
 */
declare const __TANGOE_TOKEN_OBSERVABLE__: boolean | undefined
const OBSERVABLE = typeof __TANGOE_TOKEN_OBSERVABLE__ === "undefined" || __TANGOE_TOKEN_OBSERVABLE__

/** The `tangoe.refresh` (or `tangoe.password_grant`) span of an attempt, for an exporting tracer. */
const withAttemptSpan = <A, E>(
  attempt: Effect.Effect<A, E>,
  request: GrantRequest,
  grant: PasswordGrantParameters | undefined,
): Effect.Effect<A, E> =>
  attempt.pipe(
    Effect.withSpan(
      grant === undefined ? "tangoe.refresh" : "tangoe.password_grant",
      {
        attributes: {
          "tangoe.environment": request.environment,
          "tangoe.placement": request.placement,
          "tangoe.client_auth": request.clientAuth,
        },
      },
      // A stack trace per refresh costs more than the rest of the span; its name says where it is.
      { captureStackTrace: false },
    ),
  )

/** A failed attempt, logged at debug level (the message is secret-free: see `RefreshError`). */
const logFailure = (grant: PasswordGrantParameters | undefined) => (error: RefreshError) =>
  Effect.logDebug(grant === undefined ? "tangoe token refresh failed" : "tangoe password grant failed", {
    reason: error.reason._tag,
    retryable: error.retryable,
    ambiguous: error.ambiguous,
    message: error.message,
  })

/** An interpreted response as the attempt's outcome (an `Exit` is itself an effect). */
const outcomeOf = (result: Result.Result<TokenSet, RefreshError>): Effect.Effect<TokenSet, RefreshError> =>
  Result.isSuccess(result) ? Exit.succeed(result.success) : Exit.fail(result.failure)

/** What one attempt needs around the exchange: the request to send, and the outcome of each way it ends. */
export interface AttemptParts {
  readonly httpRequest: HttpTransportRequest
  /** When the attempt was sent (epoch milliseconds). */
  readonly sentAt: number
  /** The outcome of a response. */
  readonly interpret: (response: HttpTransportResponse) => Result.Result<TokenSet, RefreshError>
  /** The error of a failed exchange. */
  readonly transportError: (failure: HttpTransportFailure) => RefreshError
  /** The error of an exchange that outlived the request's time limit. */
  readonly timeoutError: () => RefreshError
}

/**
 * The parts of one attempt sent now (`sentAt`, read from `clock`): a refresh with `request.refreshToken`,
 * or, with `grant`, a password grant with the service account (then `request.refreshToken` is not
 * used, and the answer must carry a refresh token). Shared by the attempt below and the token
 * manager's flight without a fiber (manager/directFlight.ts).
 */
export const attemptParts = (
  request: GrantRequest,
  clock: Clock.Clock,
  grant?: PasswordGrantParameters,
): AttemptParts => {
  const httpRequest = buildTokenRequest(request, BODY_LIMIT, grant, Duration.toMillis(request.timeout))
  // Every encoding of every secret, built only if an error message needs masking.
  let masked: ReadonlyArray<string> | undefined
  const secrets = () =>
    (masked ??= knownSecrets([
      request.clientSecret,
      ...(grant === undefined
        ? request.refreshToken === undefined
          ? []
          : [request.refreshToken]
        : [grant.username, grant.password]),
      basicCredentials(request.clientId, request.clientSecret),
    ]))
  const sentAt = clock.currentTimeMillisUnsafe()
  return {
    httpRequest,
    sentAt,
    interpret: (response) =>
      interpretResponse(
        response,
        {
          environment: request.environment,
          scope: request.scope,
          refreshToken: grant === undefined ? request.refreshToken : undefined,
          grantType: grant === undefined ? "refresh_token" : "password",
          sentAt,
          secrets,
        },
        clock.currentTimeMillisUnsafe(),
      ),
    transportError: (failure) =>
      new RefreshError({
        reason: new Transport({
          environment: request.environment,
          mayHaveReachedServer: failure.mayHaveReachedServer,
          code: failure.code,
        }),
      }),
    timeoutError: () =>
      new RefreshError({
        reason: new Timeout({ environment: request.environment, timeout: request.timeout }),
      }),
  }
}

/** The Promise behind a core transport (`nodeHttpTransport`, `fetchTransport`, `fromPromise`), if `transport` is one. */
export const promiseSendOf = (transport: HttpTransport): PromiseSend | undefined =>
  (transport as { readonly [promiseSend]?: PromiseSend })[promiseSend]

/** A failed attempt, logged at debug level, unless this build drops observability (see `OBSERVABLE`). */
export const withFailureLog = <A>(
  attempt: Effect.Effect<A, RefreshError>,
  grant?: PasswordGrantParameters,
): Effect.Effect<A, RefreshError> => (OBSERVABLE ? Effect.tapError(attempt, logFailure(grant)) : attempt)

/**
 * One attempt (see {@link attemptParts}).
 *
 * The common case (core's own transport, the real clock) is one callback: the request is built, sent
 * with a plain timer, and its response interpreted when it arrives, without further steps of the
 * fiber. The `tangoe.refresh` span is created only when a tracer that can export it is installed: with
 * Effect's default `nativeTracer` nothing can observe it (Effect's documented way to skip it).
 */
export const refreshAttempt = (
  request: GrantRequest,
  transport: HttpTransport,
  grant?: PasswordGrantParameters,
): Effect.Effect<TokenSet, RefreshError> =>
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const parts = attemptParts(request, clock, grant)
    const { httpRequest, transportError, timeoutError } = parts
    const interpret = (response: HttpTransportResponse) => outcomeOf(parts.interpret(response))
    const direct = promiseSendOf(transport)
    const attempt =
      direct !== undefined && isRealClock(clock)
        ? sendWithinDeadline(
            direct,
            httpRequest,
            httpRequest.timeoutMillis,
            timeoutError,
            (error) => transportError(classifyFailure(error)),
            interpret,
          )
        : transport
            .send(httpRequest)
            .pipe(
              Effect.mapError(transportError),
              Effect.timeoutOrElse({ duration: request.timeout, orElse: () => Effect.fail(timeoutError()) }),
              Effect.flatMap(interpret),
            )
    if (!OBSERVABLE) return attempt
    const logged = withFailureLog(attempt, grant)
    const tracer = fiber.getRef(Tracer.Tracer)
    return tracer === Tracer.nativeTracer ? logged : withAttemptSpan(logged, request, grant)
  })
