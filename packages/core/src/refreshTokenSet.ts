/**
 * The Promise facade of a refresh, for code that does not use Effect. It rejects with the same errors
 * as the Effect API (`RefreshError`, `InvalidConfig`), never with a wrapper.
 *
 * @since 0.1.0
 */
import type { HttpTransport } from "./HttpTransport.ts"
import { checkTransportOption } from "./internal/optionChecks.ts"
import { runToPromise } from "./internal/runToPromise.ts"
import type { RefreshRequest } from "./RefreshRequest.ts"
import { type RetryOptions, refreshWithRetry } from "./RetryPolicy.ts"
import { refresh } from "./refresh.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * Options of {@link refreshTokenSet}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RefreshTokenSetOptions extends RetryOptions {
  /**
   * `true` (the default): the rotation-safe retry policy (see `refreshWithRetry`); `false`: exactly
   * one attempt.
   */
  readonly retry?: boolean | undefined
  /** Another HTTP transport than the default `nodeHttpTransport` (see `fetchTransport`, `fromPromise`). */
  readonly transport?: HttpTransport | undefined
  /** Aborts the refresh (and any wait between retries); the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal | undefined
}

/**
 * Refreshes the access token and resolves with the new {@link TokenSet}. Rejects with a
 * `RefreshError` whose `reason._tag` says what happened (`InvalidGrant`, `InvalidClient`, `Timeout`, …;
 * check it with `isRefreshError`), or with `InvalidConfig` (nothing was sent). Persist
 * `tokenSet.refreshToken` before using the access token.
 *
 * @example
 * ```ts
 * import { isRefreshError, refreshTokenSet } from "@tangoe-token/core"
 *
 * try {
 *   const tokens = await refreshTokenSet({ environment: "qa", clientId, clientSecret, refreshToken: current })
 *   await save(tokens.refreshToken)
 * } catch (error) {
 *   if (isRefreshError(error) && error.reason._tag === "InvalidGrant") console.error(error.message) // re-provision
 *   throw error
 * }
 * ```
 *
 * @category refresh
 * @since 0.1.0
 */
export const refreshTokenSet = async (
  request: RefreshRequest,
  options: RefreshTokenSetOptions = {},
): Promise<TokenSet> => {
  const invalid = checkTransportOption(options.transport)
  if (invalid !== undefined) throw invalid
  return runToPromise(
    options.retry === false ? refresh(request) : refreshWithRetry(request, options),
    options,
  )
}
