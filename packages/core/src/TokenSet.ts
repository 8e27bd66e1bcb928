/**
 * The result of one successful refresh: the new access token, the refresh token to keep, and when the
 * access token expires. Tokens are `Redacted` so logging a `TokenSet` never shows them.
 *
 * @since 0.1.0
 */
import type * as Redacted from "effect/Redacted"

/**
 * What one successful refresh returns.
 *
 * `refreshToken` is the token to persist and send next time: the new one when the server rotated it,
 * otherwise the one that was sent (a server may omit `refresh_token`, or send the same value back
 * within its rolling interval). `refreshTokenRotated` says which happened. Persist it BEFORE using
 * the access token: with a rotating server the old refresh token may already be dead.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenSet {
  /** The access token, for `Authorization: Bearer <token>`. */
  readonly accessToken: Redacted.Redacted<string>
  /** The refresh token to keep: the rotated one, or the current one when the server did not send a new value. */
  readonly refreshToken: Redacted.Redacted<string>
  /** `true` when the server returned a refresh token different from the one sent. */
  readonly refreshTokenRotated: boolean
  /** Always `"Bearer"` (the server's value is matched case-insensitively and normalised). */
  readonly tokenType: "Bearer"
  /** Lifetime of the access token in seconds, as the server sent it. */
  readonly expiresIn: number
  /** Epoch milliseconds at which the request was SENT (so `expiresAt` errs on the early side). */
  readonly issuedAt: number
  /** Epoch milliseconds at which the access token expires: `issuedAt + expiresIn * 1000`. */
  readonly expiresAt: number
  /** The granted scope when the server returned one. */
  readonly scope?: string
  /**
   * Any other fields of the token response, unchanged, except that values of fields whose name ends
   * in `_token` (for example `id_token`) are wrapped in `Redacted`.
   */
  readonly additionalFields: Readonly<Record<string, unknown>>
}

/**
 * How many milliseconds of validity a token set has left at `now` (epoch milliseconds); negative once expired.
 *
 * @category utils
 * @since 0.1.0
 */
export const remainingMillis = (tokenSet: Pick<TokenSet, "expiresAt">, now: number): number =>
  tokenSet.expiresAt - now

/**
 * Whether the access token is expired at `now` (epoch milliseconds), or will be within `skewMillis`.
 *
 * @category utils
 * @since 0.1.0
 */
export const isExpired = (tokenSet: Pick<TokenSet, "expiresAt">, now: number, skewMillis = 0): boolean =>
  tokenSet.expiresAt - skewMillis <= now
