/**
 * When to refresh a token, and how long to wait after a failure.
 *
 * @internal
 */

/** The default refresh-ahead: 5 minutes. */
export const DEFAULT_REFRESH_AHEAD_MILLIS = 5 * 60_000

/** Refresh-ahead is jittered DOWN by up to this share (20%): fleets do not refresh in lock-step. */
export const REFRESH_AHEAD_JITTER = 0.2

/**
 * The moment to refresh a token that expires at `expiresAt`: `refreshAhead` before it, clamped to
 * half the token's lifetime (so a short-lived token cannot cause a refresh loop), then jittered
 * down by up to 20% (`random` in [0, 1)). The lifetime is `expiresAt - issuedAt`, or what is left
 * at `now` when the issue time is unknown.
 */
export const refreshAtFor = (
  token: { readonly expiresAt: number; readonly issuedAt?: number | undefined },
  now: number,
  refreshAheadMillis: number,
  random: number,
): number => {
  const from = token.issuedAt === undefined ? now : Math.min(token.issuedAt, now)
  const lifetime = Math.max(0, token.expiresAt - from)
  const ahead = Math.min(refreshAheadMillis, lifetime / 2)
  return Math.floor(token.expiresAt - ahead * (1 - REFRESH_AHEAD_JITTER * random))
}

/**
 * After a failed refresh while the current access token is still valid: when to try again. A
 * quarter of what is left, between 1 s and 30 s, and never past the expiry.
 */
export const retryRefreshAt = (expiresAt: number, now: number): number => {
  const left = expiresAt - now
  return now + Math.min(left, Math.max(1_000, Math.min(30_000, left / 4)))
}

/** Keep-warm's pause after its n-th consecutive failure: 1 s doubling, at most 5 minutes. */
export const keepWarmBackoff = (failures: number): number =>
  Math.min(300_000, 1_000 * 2 ** Math.max(0, failures - 1))

/** An access token with less than this left is not handed out after a failed refresh. */
export const MIN_SERVE_MILLIS = 1_000
