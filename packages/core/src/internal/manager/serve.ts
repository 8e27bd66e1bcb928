/**
 * What the manager may hand out, read from its state (pure): the access token to serve now, the
 * snapshot for the Promise client's hot path, the previous token after a failed refresh, and the
 * status.
 *
 * Rules:
 * - nothing is served while a rotation is unsaved (write-ahead), after close, or once an API rejected it;
 * - a token is served until its refresh-ahead point; after that a refresh is due;
 * - after a failed refresh (not a forced one) the previous token is served while at least
 *   `MIN_SERVE_MILLIS` of it is left.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import { secretFingerprint } from "../../HostRefresh.ts"
import type { AccessToken, TokenStatus } from "../../TokenManager.ts"
import { type HeldAccess, heldOf, type ManagerState } from "./state.ts"
import { MIN_SERVE_MILLIS } from "./timing.ts"

/** The plain-JS view of the current token, for the Promise client's hot path. */
export interface Snapshot {
  readonly token: string
  readonly tokenType: string
  readonly expiresAt: number
  readonly refreshAt: number
  readonly scope: string | undefined
}

/** Whether an API rejected this access token. Hashes only once one did: the hot path pays nothing. */
export const isRejected = (state: ManagerState, token: Redacted.Redacted<string>): boolean =>
  state.rejected.length > 0 && state.rejected.includes(secretFingerprint(Redacted.value(token)))

/** The held access token unless it may not be handed out at all (unsaved rotation, closed, rejected). */
export const handable = (state: ManagerState): HeldAccess | undefined => {
  const access = heldOf(state)?.access
  if (access === undefined || state.token._tag === "Unsaved" || state.closed) return undefined
  return isRejected(state, access.token) ? undefined : access
}

/** The access token that may be handed out at `now`, if any. */
export const servable = (state: ManagerState, now: number): HeldAccess | undefined => {
  const access = heldOf(state)?.access
  // The cheap checks first: this runs on every `get`.
  if (access === undefined || now >= access.refreshAt) return undefined
  return handable(state)
}

/** The snapshot the Promise client may serve from, or `undefined`: nothing may be handed out. */
export const snapshotOf = (state: ManagerState): Snapshot | undefined => snapshotOfAccess(handable(state))

/** The snapshot of an access token that may be handed out (`undefined`: none may be). */
export const snapshotOfAccess = (access: HeldAccess | undefined): Snapshot | undefined =>
  access === undefined
    ? undefined
    : {
        token: Redacted.value(access.token),
        tokenType: access.tokenType,
        expiresAt: access.expiresAt,
        refreshAt: access.refreshAt,
        scope: access.scope,
      }

/**
 * After a failed refresh at `now`: the previous access token, if it may still be handed out (never
 * for a forced refresh, nor with less than `MIN_SERVE_MILLIS` left).
 */
export const previousServable = (
  state: ManagerState,
  now: number,
  force: boolean,
): HeldAccess | undefined => {
  const previous = heldOf(state)?.access
  if (force || previous === undefined || state.token._tag === "Unsaved") return undefined
  if (previous.expiresAt - now < MIN_SERVE_MILLIS) return undefined
  return isRejected(state, previous.token) ? undefined : previous
}

/** The public view of an access token. */
export const toAccessToken = (a: HeldAccess): AccessToken =>
  a.scope === undefined
    ? { token: a.token, tokenType: a.tokenType, expiresAt: a.expiresAt }
    : { token: a.token, tokenType: a.tokenType, expiresAt: a.expiresAt, scope: a.scope }

/** The status at `now`; `refreshing`: a flight is running. */
export const statusOf = (
  state: ManagerState,
  now: number,
  refreshing: boolean,
  serviceAccount?: { readonly selfHeal: boolean } | undefined,
): TokenStatus => {
  const access = heldOf(state)?.access
  const unsaved = state.token._tag === "Unsaved"
  const valid = access !== undefined && now < access.expiresAt && !isRejected(state, access.token)
  const phase: TokenStatus["state"] = refreshing
    ? "refreshing"
    : unsaved
      ? "error"
      : valid && now < access.refreshAt
        ? "valid"
        : valid
          ? "expiring"
          : state.lastError !== undefined
            ? "error"
            : "empty"
  return {
    state: phase,
    ...(access === undefined
      ? {}
      : { validUntil: new Date(access.expiresAt), refreshAt: new Date(access.refreshAt) }),
    ...(state.lastRefreshAt === undefined ? {} : { lastRefreshAt: new Date(state.lastRefreshAt) }),
    ...(state.lastError === undefined ? {} : { lastError: state.lastError }),
    unsavedRotation: unsaved,
    refreshCount: state.refreshCount,
    ...(serviceAccount === undefined ? {} : { serviceAccount }),
    ...(state.lastHeal === undefined
      ? {}
      : { lastHeal: { at: new Date(state.lastHeal.at), reason: state.lastHeal.reason } }),
    ...(state.dead === undefined || !holdsDead(state)
      ? {}
      : { deadRefreshToken: { since: new Date(state.dead.since) } }),
  }
}

/** Whether the refresh token held (or, with none held, the last one refused) is the dead one. */
const holdsDead = (state: ManagerState): boolean => {
  const held = heldOf(state)
  return (
    state.dead !== undefined &&
    (held === undefined || secretFingerprint(Redacted.value(held.refreshToken)) === state.dead.fingerprint)
  )
}
