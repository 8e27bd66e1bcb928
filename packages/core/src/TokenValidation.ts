/**
 * Token validation (PingFederate's `validate_bearer`), as Tangoe documents it
 * (`concepts/security/access_tokens/validate_token`): who a token speaks for (tenant, platform,
 * identifier), its scope and how long it has left. It spends nothing: no token rotates. Not every
 * client is permitted to call it; a client that is not gets `TangoeApiError` with reason
 * `ValidationNotPermitted`, whose advice says what to do.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { HttpTransport } from "./HttpTransport.ts"
import type { InvalidConfig } from "./InvalidConfig.ts"
import { validateBearer } from "./internal/api/validate.ts"
import { type RefreshRequest, resolveRefreshRequest, type Secret } from "./RefreshRequest.ts"
import type { TangoeApiError } from "./TangoeApiError.ts"

/**
 * What validation says about a token. Never a secret. Fields the server did not send are `undefined`.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenIdentity {
  /** The customer's tenant code (for `X-TNGO-TENANT`). */
  readonly tenant?: string | undefined
  /** The source system, e.g. `"command"`. */
  readonly platform?: string | undefined
  /** The identity the token was granted to, e.g. a service account's name. */
  readonly identifier?: string | undefined
  /** The authenticating entity, e.g. `"pcv_edge"`. */
  readonly identityProvider?: string | undefined
  /** Whether the caller may see more than one tenant. */
  readonly multitenant?: boolean | undefined
  /** The identity's domain, when sent. */
  readonly domain?: string | undefined
  /** The token's scope, e.g. `"MOBPROC"`. */
  readonly scope?: string | undefined
  /** The client the token was issued to. */
  readonly clientId?: string | undefined
  /** Seconds left, as the server said. */
  readonly expiresIn?: number | undefined
  /** When it expires (counted from when the validation was sent). */
  readonly expiresAt?: Date | undefined
}

/**
 * Validates an access token at the token endpoint of `request` (its environment, client id and secret,
 * placement, client auth and timeout; no refresh token needed). The HTTP call goes through the
 * `HttpTransport` service.
 *
 * @example
 * ```ts
 * const identity = yield* validateToken({ environment: "qa", clientId, clientSecret }, accessToken)
 * console.log(identity.tenant, identity.expiresAt)
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const validateToken = (
  request: Omit<RefreshRequest, "refreshToken">,
  accessToken: Secret,
): Effect.Effect<TokenIdentity, TangoeApiError | InvalidConfig> =>
  Effect.gen(function* () {
    // The refresh request's checks, without a refresh token (a placeholder that is never sent).
    const resolved = resolveRefreshRequest({ ...request, refreshToken: "unused" })
    if (Result.isFailure(resolved)) return yield* Effect.fail(resolved.failure)
    const token = typeof accessToken === "string" ? Redacted.make(accessToken) : accessToken
    return yield* validateBearer(resolved.success, token, yield* HttpTransport)
  })
