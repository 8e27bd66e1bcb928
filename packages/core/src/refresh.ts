/**
 * One refresh: validate the request, send ONE token request, read the answer. No state, no retry
 * (see `RetryPolicy` for the retrying variant). Fails only with a typed `RefreshError`, or with
 * `InvalidConfig` when the request is invalid (then nothing is sent).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { HttpTransport } from "./HttpTransport.ts"
import type { InvalidConfig } from "./InvalidConfig.ts"
import { BODY_LIMIT, refreshAttempt } from "./internal/refreshAttempt.ts"
import type { RefreshError } from "./RefreshError.ts"
import { type RefreshRequest, type ResolvedRefreshRequest, resolveRefreshRequest } from "./RefreshRequest.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * The most of a response body `refresh` reads (64 KiB); past it the read is aborted and the attempt
 * fails with a `RefreshError` of reason `MalformedResponse` (kind `tooLarge`).
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_BODY_BYTES: number = BODY_LIMIT

/**
 * Performs one refresh with an already validated request (see `resolveRefreshRequest`).
 *
 * @category refresh
 * @since 0.1.0
 */
export const refreshResolved = (request: ResolvedRefreshRequest): Effect.Effect<TokenSet, RefreshError> =>
  Effect.gen(function* () {
    return yield* refreshAttempt(request, yield* HttpTransport)
  })

/**
 * Performs ONE refresh and yields the new {@link TokenSet}. The request is validated first (an
 * `InvalidConfig` names the bad field; nothing is sent). Fails with a `RefreshError` whose `reason`
 * says what happened. No retry, no state: persist
 * `tokenSet.refreshToken` before using the access token.
 *
 * The HTTP exchange goes through the {@link HttpTransport} service (`nodeHttpTransport` by default).
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
