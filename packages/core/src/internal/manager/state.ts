/**
 * The token manager's state, as one immutable value, and every way it may change, as pure functions.
 *
 * The engine keeps the value in a `Ref` and changes it only through these transitions, each applied
 * whole (`update`/`modify`): a decision is read and taken from one value, so a `yield` added between
 * two steps of a refresh can make a decision late, never half-applied.
 *
 * The held token is in one of three states:
 * - `Empty`: nothing held yet (before the first read of the store);
 * - `Held`: a refresh token (and maybe an access token) that the store holds, or that was read from it;
 * - `Unsaved`: a rotation the store has not accepted yet. Its access token is NOT handed out
 *   (write-ahead), and the next flight saves it before anything else.
 *
 * @internal
 */
import type * as Redacted from "effect/Redacted"
import type { TokenManagerError } from "../../TokenManagerError.ts"
import type { TokenSet } from "../../TokenSet.ts"
import type { StoredToken, StoredTokenInput } from "../../TokenStore.ts"

/** An access token held, with when to refresh it. */
export interface HeldAccess {
  readonly token: Redacted.Redacted<string>
  readonly tokenType: string
  readonly expiresAt: number
  readonly issuedAt: number | undefined
  readonly scope: string | undefined
  /** When to refresh it: the jittered refresh-ahead point, pushed later after a failed refresh. */
  readonly refreshAt: number
}

/** The token the manager holds: the refresh token to use next and the access token, if any. */
export interface Held {
  readonly refreshToken: Redacted.Redacted<string>
  readonly origin: string | undefined
  /** The store generation it was read from or saved as; `undefined` while unsaved. */
  readonly generation: number | undefined
  readonly access: HeldAccess | undefined
}

/** A rotated token the store has not accepted yet, and the token the store must still hold to take it. */
export interface Unsaved {
  readonly record: StoredTokenInput
  readonly expected: Redacted.Redacted<string> | undefined
  /** The generation of the record the rotation was made from (`undefined`: none, or not known). */
  readonly baseGeneration?: number | undefined
}

/** The held token (see the module's description). */
export type TokenState =
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Held"; readonly held: Held }
  | { readonly _tag: "Unsaved"; readonly held: Held; readonly unsaved: Unsaved }

/** Everything the manager remembers. */
export interface ManagerState {
  readonly token: TokenState
  /** The provisioned-vs-stored rule is applied once, at the first read of the store (or refresh). */
  readonly provisionPending: boolean
  readonly closed: boolean
  /** The refresh token of the last attempt that may have been processed without us seeing the answer. */
  readonly ambiguousToken: Redacted.Redacted<string> | undefined
  /** Fingerprints of access tokens an API rejected (401): never handed out again, even if a store holds them. */
  readonly rejected: ReadonlyArray<string>
  readonly lastRefreshAt: number | undefined
  readonly lastError:
    | { readonly _tag: string; readonly reason?: string; readonly message: string }
    | undefined
  readonly refreshCount: number
  /**
   * The refresh token the server refused for good (its fingerprint) and when: it is never sent again.
   * Cleared as soon as another token is held.
   */
  readonly dead: { readonly fingerprint: string; readonly since: number } | undefined
  /** Self-heal: the dead token (fingerprint) a grant was already taken for (one grant per dead chain). */
  readonly healedFrom: string | undefined
  /** Why the service account may not be used again (its grant was refused: a reason tag). */
  readonly healRefused: string | undefined
  /** The error of that refused grant (a bootstrap that cannot be retried fails with it again). */
  readonly healRefusedError: TokenManagerError | undefined
  /** No grant before this time (epoch ms): a grant failed for a transient reason. */
  readonly healBlockedUntil: number | undefined
  /** The last grant taken with the service account. */
  readonly lastHeal: { readonly at: number; readonly reason: "bootstrap" | "deadChain" } | undefined
}

/** How many rejected access tokens are remembered. */
export const MAX_REJECTED = 16

/** The state of a new manager. */
export const initialState = (provisioned: boolean): ManagerState => ({
  token: { _tag: "Empty" },
  provisionPending: provisioned,
  closed: false,
  ambiguousToken: undefined,
  rejected: [],
  lastRefreshAt: undefined,
  lastError: undefined,
  refreshCount: 0,
  dead: undefined,
  healedFrom: undefined,
  healRefused: undefined,
  healRefusedError: undefined,
  healBlockedUntil: undefined,
  lastHeal: undefined,
})

/** The held token, if any. */
export const heldOf = (state: ManagerState): Held | undefined =>
  state.token._tag === "Empty" ? undefined : state.token.held

/** The rotation waiting to be saved, if any. */
export const unsavedOf = (state: ManagerState): Unsaved | undefined =>
  state.token._tag === "Unsaved" ? state.token.unsaved : undefined

/** The held token for a stored record, with its access token's refresh point already chosen. */
export const heldFromStored = (stored: StoredToken, refreshAt: number): Held => ({
  refreshToken: stored.refreshToken,
  origin: stored.origin,
  generation: stored.generation,
  access:
    stored.accessToken === undefined || stored.expiresAt === undefined
      ? undefined
      : {
          token: stored.accessToken,
          tokenType: stored.tokenType ?? "Bearer",
          expiresAt: stored.expiresAt,
          issuedAt: stored.issuedAt,
          scope: stored.scope,
          refreshAt,
        },
})

/**
 * The store's record becomes the held token (no rotation is pending when a record is adopted), and the
 * access tokens it records as rejected are never handed out here either.
 */
export const adopted = (state: ManagerState, held: Held, rejected?: ReadonlyArray<string>): ManagerState => ({
  ...state,
  token: { _tag: "Held", held },
  rejected:
    rejected === undefined || rejected.every((f) => state.rejected.includes(f))
      ? state.rejected
      : [...state.rejected, ...rejected.filter((f) => !state.rejected.includes(f))].slice(-MAX_REJECTED),
})

/**
 * The server answered a refresh: the new token is held at once (the old refresh token is never used
 * again) and waits to be saved.
 */
/**
 * The record a rotation saves: the new tokens (a salvaged refresh token alone has no access token),
 * where the chain came from, the refused refresh tokens remembered so far, and when a service account
 * last re-established it.
 */
export const rotationRecord = (
  tokens: Pick<TokenSet, "refreshToken"> & Partial<TokenSet>,
  origin: string | undefined,
  rejected: ReadonlyArray<string>,
  healedAt: number | undefined,
): StoredTokenInput => ({
  refreshToken: tokens.refreshToken,
  accessToken: tokens.accessToken,
  tokenType: tokens.tokenType,
  expiresAt: tokens.expiresAt,
  issuedAt: tokens.issuedAt,
  scope: tokens.scope,
  origin,
  rejected: rejected.length === 0 ? undefined : rejected,
  healedAt,
})

export const rotated = (state: ManagerState, held: Held, unsaved: Unsaved, now: number): ManagerState => ({
  ...state,
  token: { _tag: "Unsaved", held, unsaved },
  ambiguousToken: undefined,
  provisionPending: false,
  refreshCount: state.refreshCount + 1,
  lastRefreshAt: now,
})

/** The store accepted the rotation as `generation`. */
export const saved = (state: ManagerState, generation: number): ManagerState =>
  state.token._tag === "Unsaved"
    ? { ...state, token: { _tag: "Held", held: { ...state.token.held, generation } } }
    : state

/** The store holds someone else's newer token: ours is abandoned (the held token stays until adopted over). */
export const abandoned = (state: ManagerState): ManagerState =>
  state.token._tag === "Unsaved" ? { ...state, token: { _tag: "Held", held: state.token.held } } : state

/** Keeps `access` (fresh, ours) on an adopted record that carries none. */
export const accessKept = (state: ManagerState, access: HeldAccess): ManagerState =>
  state.token._tag === "Held" && state.token.held.access === undefined
    ? { ...state, token: { _tag: "Held", held: { ...state.token.held, access } } }
    : state

/** The provisioned-vs-stored rule has been applied: the stored family is followed from now on. */
export const provisionSettled = (state: ManagerState): ManagerState =>
  state.provisionPending ? { ...state, provisionPending: false } : state

/** The refresh token of an attempt whose answer was lost (it may have been consumed). */
export const markedAmbiguous = (state: ManagerState, token: Redacted.Redacted<string>): ManagerState => ({
  ...state,
  ambiguousToken: token,
})

/** A flight ended well. */
export const flightSucceeded = (state: ManagerState): ManagerState =>
  state.lastError === undefined ? state : { ...state, lastError: undefined }

/** A flight failed with `error`. */
export const flightFailed = (state: ManagerState, error: TokenManagerError): ManagerState => ({
  ...state,
  lastError:
    error._tag === "RefreshError"
      ? { _tag: error._tag, reason: error.reason._tag, message: error.message }
      : { _tag: error._tag, message: error.message },
})

/** The held access token is served a while longer: try to refresh again at `refreshAt`. */
export const refreshDeferred = (state: ManagerState, refreshAt: number): ManagerState => {
  const held = heldOf(state)
  if (held?.access === undefined || state.token._tag === "Empty") return state
  return { ...state, token: { ...state.token, held: { ...held, access: { ...held.access, refreshAt } } } }
}

/** An API rejected the access token with this fingerprint. */
export const accessRejected = (state: ManagerState, fingerprint: string): ManagerState =>
  state.rejected.includes(fingerprint)
    ? state
    : { ...state, rejected: [...state.rejected, fingerprint].slice(-MAX_REJECTED) }

/** The server refused the refresh token with this fingerprint for good, at `since`. */
export const markedDead = (state: ManagerState, fingerprint: string, since: number): ManagerState =>
  state.dead?.fingerprint === fingerprint ? state : { ...state, dead: { fingerprint, since } }

/** A grant with the service account established a new chain. */
export const healed = (
  state: ManagerState,
  reason: "bootstrap" | "deadChain",
  from: string | undefined,
  now: number,
): ManagerState => ({
  ...state,
  dead: undefined,
  healedFrom: from ?? state.healedFrom,
  healBlockedUntil: undefined,
  lastHeal: { at: now, reason },
})

/** A grant with the service account failed: for good (`refused`: a reason tag), or until `until`. */
export const healFailed = (
  state: ManagerState,
  failure: { readonly refused: string; readonly error: TokenManagerError } | { readonly until: number },
): ManagerState =>
  "refused" in failure
    ? { ...state, healRefused: failure.refused, healRefusedError: failure.error }
    : { ...state, healBlockedUntil: failure.until }

/** The manager is closed: nothing is handed out any more. */
export const closed = (state: ManagerState): ManagerState => ({ ...state, closed: true })
