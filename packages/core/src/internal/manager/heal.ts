/**
 * Dead chains and the service account, inside the store's refresh lock:
 * - a refresh token the server refused for good is remembered (in memory, and as `deadSince` on the
 *   store's record: never the token), and never sent again (`deadSince`/`deadOf`);
 * - with a service account, a password grant starts a new chain: the first one (`bootstrap`: no refresh
 *   token anywhere) or, with self-heal, a replacement for a dead one (`deadChain`). It is saved
 *   write-ahead with compare-and-set like a rotation, so processes sharing the store take ONE grant;
 * - it never loops: one grant per dead chain, a transient failure blocks grants for
 *   `HEAL_BACKOFF_MILLIS`, and a refused grant (wrong password, locked account, `invalid_client`, a client
 *   not allowed the grant…) stops them for this manager, and, recorded in the store as the account's
 *   fingerprint, for every process configured with the same account.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { secretFingerprint } from "../../HostRefresh.ts"
import { passwordGrantAttempt } from "../../PasswordGrant.ts"
import type { RefreshError } from "../../RefreshError.ts"
import type { RequestSettings } from "../../RefreshRequest.ts"
import { withRefreshRetry } from "../../RetryPolicy.ts"
import type { StoreError } from "../../StoreError.ts"
import { RefreshTokenDead } from "../../TokenManagerError.ts"
import type { StoredToken } from "../../TokenStore.ts"
import { sameToken } from "../store/record.ts"
import { heldAccessOf } from "./adoption.ts"
import type { EngineContext } from "./context.ts"
import { fingerprint as originOf } from "./origin.ts"
import { type HeldAccess, healed, healFailed, heldOf, markedDead } from "./state.ts"
import { flushUnsaved, holdRotation } from "./writeAhead.ts"

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** How long a grant that failed for a transient reason (timeout, 5xx, network) blocks the next one. */
export const HEAL_BACKOFF_MILLIS = 60_000

/** The reasons of a refused grant: the account or the client is wrong; retrying cannot help. */
const REFUSED = new Set([
  "ServiceAccountRejected",
  "InvalidClient",
  "UnauthorizedClient",
  "UnsupportedGrantType",
  "InvalidScope",
  "InvalidRequest",
])

/** The fingerprint of a service account recorded in the store after a refusal (never its values). */
export const accountFingerprint = (ctx: EngineContext): string | undefined => {
  const account = ctx.config.serviceAccount
  return account === undefined
    ? undefined
    : secretFingerprint(
        `tangoe-token/service-account\0${Redacted.value(account.username)}\0${Redacted.value(account.password)}`,
      )
}

/** When `token` was found dead (by the store's mark or this manager's memory), or `undefined`. */
export const deadSince = (
  ctx: EngineContext,
  token: Redacted.Redacted<string>,
  stored: StoredToken | undefined,
): number | undefined => {
  if (stored?.deadSince !== undefined && sameToken(stored.refreshToken, token)) return stored.deadSince
  const dead = ctx.read().dead
  return dead !== undefined && dead.fingerprint === secretFingerprint(Redacted.value(token))
    ? dead.since
    : undefined
}

/** Why no grant may be taken now (`undefined`: one may). */
export const healBlocked = (
  ctx: EngineContext,
  reason: "bootstrap" | "deadChain",
  stored: StoredToken | undefined,
  deadToken: Redacted.Redacted<string> | undefined,
  now: number,
): { readonly refused?: string } | undefined => {
  const { serviceAccount, selfHeal } = ctx.config
  if (serviceAccount === undefined) return {}
  if (reason === "deadChain" && !selfHeal) return {}
  const state = ctx.read()
  if (state.healRefused !== undefined) return { refused: state.healRefused }
  if (stored?.healRefused !== undefined && stored.healRefused === accountFingerprint(ctx)) {
    return { refused: "refused earlier, recorded in the store" }
  }
  if (state.healBlockedUntil !== undefined && now < state.healBlockedUntil) return {}
  if (
    deadToken !== undefined &&
    state.healedFrom !== undefined &&
    state.healedFrom === secretFingerprint(Redacted.value(deadToken))
  ) {
    return {}
  }
  return undefined
}

/** The failure of a dead token that is not sent again. */
export const deadTokenError = (ctx: EngineContext, since: number, refused?: string): RefreshTokenDead =>
  new RefreshTokenDead({
    location: ctx.config.store.location,
    since,
    healRefused: refused ?? ctx.read().healRefused,
  })

/**
 * The server refused `token` for good: remember it, mark the store's record when it holds that token
 * (best effort), and report it. Returns the store's record as it now is.
 */
export const markDead = (
  ctx: EngineContext,
  token: Redacted.Redacted<string>,
  stored: StoredToken | undefined,
  willHeal: boolean,
  restore: Restore,
): Effect.Effect<StoredToken | undefined> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    ctx.update((state) => markedDead(state, secretFingerprint(Redacted.value(token)), now))
    let current = stored
    if (stored !== undefined && stored.deadSince === undefined && sameToken(stored.refreshToken, token)) {
      current = yield* restore(
        ctx.config.store.save({ ...stored, deadSince: now }, stored.refreshToken),
      ).pipe(
        Effect.tap((written) => Effect.sync(() => followOwnSave(ctx, stored, written))),
        Effect.catch((error) =>
          Effect.as(
            Effect.logWarning(`could not mark the dead refresh token in the store: ${error.message}`),
            stored,
          ),
        ),
      )
    }
    ctx.config.emit({
      type: "refreshTokenDead",
      at: new Date(now),
      location: ctx.config.store.location,
      willHeal,
    })
    return current
  })

/** Our own re-save of the held record (a mark added): follow its generation, so it is not re-adopted. */
const followOwnSave = (ctx: EngineContext, before: StoredToken, written: StoredToken): void => {
  ctx.update((state) => {
    const held = heldOf(state)
    return state.token._tag === "Held" &&
      held !== undefined &&
      held.generation === before.generation &&
      sameToken(held.refreshToken, before.refreshToken)
      ? { ...state, token: { _tag: "Held", held: { ...held, generation: written.generation } } }
      : state
  })
}

/** Records a refused grant on the store's record (best effort), so other processes do not try it too. */
const recordRefusal = (ctx: EngineContext, restore: Restore) =>
  Effect.gen(function* () {
    const { store } = ctx.config
    const current = yield* restore(store.load)
    const refused = accountFingerprint(ctx)
    if (current === undefined || refused === undefined || current.healRefused === refused) return
    const written = yield* restore(store.save({ ...current, healRefused: refused }, current.refreshToken))
    followOwnSave(ctx, current, written)
  }).pipe(
    Effect.catch((error) =>
      Effect.logWarning(`could not record the refused service account in the store: ${error.message}`),
    ),
  )

/** What a grant replaces, and how its record is saved. */
export interface GrantPlan {
  readonly reason: "bootstrap" | "deadChain"
  /** What ended the previous chain: a reason or error tag, or `NotProvisioned`. */
  readonly cause: string
  /** The refresh token the store must still hold for the save (`undefined`: an empty store). */
  readonly expected: Redacted.Redacted<string> | undefined
  readonly baseGeneration: number | undefined
  /** The family the new chain continues (a dead chain keeps its family); a bootstrap starts its own. */
  readonly origin: string | undefined
  /** The dead refresh token replaced, for "one grant per dead chain". */
  readonly deadToken: Redacted.Redacted<string> | undefined
}

/**
 * Takes ONE password grant with the service account and saves its refresh token write-ahead (compare-
 * and-set on `plan.expected`), then reports `chainReestablished`. A failure is recorded (refused: no
 * more grants; transient: none for `HEAL_BACKOFF_MILLIS`) and returned.
 */
export const grantAndSave = (
  ctx: EngineContext,
  request: RequestSettings,
  plan: GrantPlan,
  restore: Restore,
): Effect.Effect<HeldAccess, RefreshError | StoreError> =>
  Effect.gen(function* () {
    const account = ctx.config.serviceAccount
    if (account === undefined) return yield* Effect.die(new Error("grantAndSave without a service account"))
    const attempt = passwordGrantAttempt({ ...request, serviceAccount: account }, ctx.config.transport)
    const tokens = yield* restore(ctx.retry === false ? attempt : withRefreshRetry(ctx.retry)(attempt)).pipe(
      Effect.tapError((error) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          if (REFUSED.has(error.reason._tag)) {
            ctx.update((state) => healFailed(state, { refused: error.reason._tag, error }))
            yield* recordRefusal(ctx, restore)
          } else {
            ctx.update((state) => healFailed(state, { until: now + HEAL_BACKOFF_MILLIS }))
          }
        }),
      ),
    )
    const now = yield* Clock.currentTimeMillis
    const access = yield* heldAccessOf(ctx, tokens, now)
    holdRotation(
      ctx,
      tokens,
      access,
      {
        origin: plan.origin ?? originOf(tokens.refreshToken),
        healedAt: plan.reason === "deadChain" ? now : undefined,
        expected: plan.expected,
        baseGeneration: plan.baseGeneration,
      },
      now,
    )
    // Write-ahead: the new chain is saved before its access token is handed out.
    yield* flushUnsaved(ctx, false)
    const deadFingerprint =
      plan.deadToken === undefined ? undefined : secretFingerprint(Redacted.value(plan.deadToken))
    ctx.update((state) => healed(state, plan.reason, deadFingerprint, now))
    const after = heldOf(ctx.read())
    ctx.config.emit({
      type: "chainReestablished",
      at: new Date(now),
      reason: plan.reason,
      cause: plan.cause,
      generation: after?.generation ?? 0,
      expiresAt: new Date(tokens.expiresAt),
    })
    return after?.access ?? access
  })
