/**
 * One refresh: validate the request, send ONE token request, read the answer. No state, no retry
 * (see `RetryPolicy` for the retrying variant). Fails only with a typed `RefreshError`, or with
 * `InvalidConfig` when the request is invalid (then nothing is sent).
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { HttpTransport } from "./HttpTransport.ts"
import type { InvalidConfig } from "./InvalidConfig.ts"
import { knownSecrets } from "./internal/sanitize.ts"
import { basicCredentials, buildTokenRequest } from "./internal/tokenRequest.ts"
import { interpretResponse } from "./internal/tokenResponse.ts"
import { RefreshError, Timeout, Transport } from "./RefreshError.ts"
import { type RefreshRequest, type ResolvedRefreshRequest, resolveRefreshRequest } from "./RefreshRequest.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * The most of a response body `refresh` reads (64 KiB); past it the read is aborted and the attempt
 * fails with a `RefreshError` of reason `MalformedResponse` (kind `tooLarge`).
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_BODY_BYTES = 64 * 1024

/**
 * Performs one refresh with an already validated request (see `resolveRefreshRequest`).
 *
 * @category refresh
 * @since 0.1.0
 */
export const refreshResolved = (request: ResolvedRefreshRequest): Effect.Effect<TokenSet, RefreshError> =>
  Effect.gen(function* () {
    const transport = yield* HttpTransport
    const httpRequest = {
      ...buildTokenRequest(request, MAX_BODY_BYTES),
      timeoutMillis: Duration.toMillis(request.timeout),
    }
    // Every encoding of every secret, built only if an error message needs masking.
    let masked: ReadonlyArray<string> | undefined
    const secrets = () =>
      (masked ??= knownSecrets([
        request.clientSecret,
        request.refreshToken,
        basicCredentials(request.clientId, request.clientSecret),
      ]))
    const sentAt = yield* Clock.currentTimeMillis
    const response = yield* transport.send(httpRequest).pipe(
      Effect.mapError(
        (failure) =>
          new RefreshError({
            reason: new Transport({
              environment: request.environment,
              mayHaveReachedServer: failure.mayHaveReachedServer,
              code: failure.code,
            }),
          }),
      ),
      Effect.timeoutOrElse({
        duration: request.timeout,
        orElse: () =>
          Effect.fail(
            new RefreshError({
              reason: new Timeout({ environment: request.environment, timeout: request.timeout }),
            }),
          ),
      }),
    )
    const now = yield* Clock.currentTimeMillis
    const result = interpretResponse(
      response,
      {
        environment: request.environment,
        scope: request.scope,
        refreshToken: request.refreshToken,
        sentAt,
        secrets,
      },
      now,
    )
    return yield* Result.isSuccess(result) ? Effect.succeed(result.success) : Effect.fail(result.failure)
  }).pipe(
    Effect.tapError((error) =>
      Effect.logDebug("tangoe token refresh failed", {
        reason: error.reason._tag,
        retryable: error.retryable,
        ambiguous: error.ambiguous,
        message: error.message,
      }),
    ),
    Effect.withSpan(
      "tangoe.refresh",
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

/**
 * Performs ONE refresh and yields the new {@link TokenSet}. The request is validated first (an
 * `InvalidConfig` names the bad field; nothing is sent). Fails with a `RefreshError` whose `reason`
 * says what happened. No retry, no state: persist
 * `tokenSet.refreshToken` before using the access token.
 *
 * The HTTP exchange goes through the {@link HttpTransport} service (global `fetch` by default).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { refresh } from "@tangoe-token/core"
 *
 * const tokens = await Effect.runPromise(
 *   refresh({ environment: "qa", clientId, clientSecret, refreshToken, scope: "MOBPROC" }),
 * )
 * await save(Redacted.value(tokens.refreshToken))
 * ```
 *
 * @category refresh
 * @since 0.1.0
 */
export const refresh = (request: RefreshRequest): Effect.Effect<TokenSet, RefreshError | InvalidConfig> =>
  Effect.suspend((): Effect.Effect<TokenSet, RefreshError | InvalidConfig> => {
    const resolved = resolveRefreshRequest(request)
    return Result.isSuccess(resolved) ? refreshResolved(resolved.success) : Effect.fail(resolved.failure)
  })
