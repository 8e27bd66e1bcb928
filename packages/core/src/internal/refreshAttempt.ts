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
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Tracer from "effect/Tracer"
import { classifyFailure, type HttpTransport, type HttpTransportFailure } from "../HttpTransport.ts"
import { RefreshError, Timeout, Transport } from "../RefreshError.ts"
import type { ResolvedRefreshRequest } from "../RefreshRequest.ts"
import type { TokenSet } from "../TokenSet.ts"
import { isRealClock, type PromiseSend, promiseSend, sendWithinDeadline } from "./deadline.ts"
import { knownSecrets } from "./sanitize.ts"
import { basicCredentials, buildTokenRequest, type PasswordGrantParameters } from "./tokenRequest.ts"
import { interpretResponse } from "./tokenResponse.ts"

/** The most of a response body an attempt reads (see `MAX_BODY_BYTES`). */
export const BODY_LIMIT = 64 * 1024

/**
 * The `tangoe.refresh` span around an attempt, when a tracer that can export it is installed. With
 * Effect's default `nativeTracer` nothing can observe the span (Effect's documented way to skip it).
 */
const traced =
  (request: GrantRequest, grant: PasswordGrantParameters | undefined) =>
  <A, E, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Effect.tracer, (tracer) =>
      tracer === Tracer.nativeTracer
        ? attempt
        : attempt.pipe(
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
          ),
    )

/** What an attempt needs of the request: a refresh request, whose refresh token a password grant lacks. */
export type GrantRequest = Omit<ResolvedRefreshRequest, "refreshToken"> & {
  readonly refreshToken?: Redacted.Redacted<string> | undefined
}

/**
 * One attempt: a refresh with `request.refreshToken`, or, with `grant`, a password grant with the
 * service account (then `request.refreshToken` is not used, and the answer must carry a refresh token).
 */
export const refreshAttempt = (
  request: GrantRequest,
  transport: HttpTransport,
  grant?: PasswordGrantParameters,
): Effect.Effect<TokenSet, RefreshError> =>
  Effect.gen(function* () {
    const httpRequest = {
      ...buildTokenRequest(request, BODY_LIMIT, grant),
      timeoutMillis: Duration.toMillis(request.timeout),
    }
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
    const sentAt = yield* Clock.currentTimeMillis
    const transportError = (failure: HttpTransportFailure) =>
      new RefreshError({
        reason: new Transport({
          environment: request.environment,
          mayHaveReachedServer: failure.mayHaveReachedServer,
          code: failure.code,
        }),
      })
    const timeoutError = () =>
      new RefreshError({
        reason: new Timeout({ environment: request.environment, timeout: request.timeout }),
      })
    const direct = (transport as { readonly [promiseSend]?: PromiseSend })[promiseSend]
    const response =
      direct !== undefined && isRealClock(yield* Clock.Clock)
        ? yield* sendWithinDeadline(direct, httpRequest, httpRequest.timeoutMillis, timeoutError, (error) =>
            transportError(classifyFailure(error)),
          )
        : yield* transport
            .send(httpRequest)
            .pipe(
              Effect.mapError(transportError),
              Effect.timeoutOrElse({ duration: request.timeout, orElse: () => Effect.fail(timeoutError()) }),
            )
    const now = yield* Clock.currentTimeMillis
    const result = interpretResponse(
      response,
      {
        environment: request.environment,
        scope: request.scope,
        refreshToken: grant === undefined ? request.refreshToken : undefined,
        grantType: grant === undefined ? "refresh_token" : "password",
        sentAt,
        secrets,
      },
      now,
    )
    return yield* Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)
  }).pipe(
    Effect.tapError((error) =>
      Effect.logDebug(grant === undefined ? "tangoe token refresh failed" : "tangoe password grant failed", {
        reason: error.reason._tag,
        retryable: error.retryable,
        ambiguous: error.ambiguous,
        message: error.message,
      }),
    ),
    traced(request, grant),
  )
