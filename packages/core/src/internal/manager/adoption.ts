/**
 * Adopting the store's record as the held token: its access token gets a jittered refresh-ahead point,
 * and `adoptedFromStore` is reported.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { TokenSet } from "../../TokenSet.ts"
import type { StoredToken } from "../../TokenStore.ts"
import type { EngineContext } from "./context.ts"
import { isHeld } from "./plan.ts"
import { adopted, type HeldAccess, heldFromStored, heldOf } from "./state.ts"
import { refreshAtFor } from "./timing.ts"

/** The jittered refresh-ahead point of a token (see `refreshAtFor`). */
export const jitteredRefreshAt = (
  ctx: EngineContext,
  token: { readonly expiresAt: number; readonly issuedAt?: number | undefined },
  now: number,
): Effect.Effect<number> =>
  Effect.map(Random.next, (random) => refreshAtFor(token, now, ctx.config.refreshAheadMillis, random))

/** The access token of a fresh token set, as held, its refresh-ahead point jittered by `random` in [0, 1). */
export const heldAccessAt = (
  ctx: EngineContext,
  tokens: TokenSet,
  now: number,
  random: number,
): HeldAccess => ({
  token: tokens.accessToken,
  tokenType: tokens.tokenType,
  expiresAt: tokens.expiresAt,
  issuedAt: tokens.issuedAt,
  scope: tokens.scope,
  refreshAt: refreshAtFor(tokens, now, ctx.config.refreshAheadMillis, random),
})

/** The access token of a fresh token set, as held, with its jittered refresh-ahead point. */
export const heldAccessOf = (ctx: EngineContext, tokens: TokenSet, now: number): Effect.Effect<HeldAccess> =>
  Effect.map(Random.next, (random) => heldAccessAt(ctx, tokens, now, random))

/** Takes the stored record as the held token unless it is the one already held. `true` if it changed. */
export const adopt = (ctx: EngineContext, stored: StoredToken, now: number): Effect.Effect<boolean> =>
  // The common case (our own record read back) builds no generator.
  isHeld(heldOf(ctx.read()), stored) ? Effect.succeed(false) : adoptNew(ctx, stored, now)

const adoptNew = (ctx: EngineContext, stored: StoredToken, now: number): Effect.Effect<boolean> =>
  Effect.gen(function* () {
    const refreshAt =
      stored.accessToken !== undefined && stored.expiresAt !== undefined
        ? yield* jitteredRefreshAt(ctx, { expiresAt: stored.expiresAt, issuedAt: stored.issuedAt }, now)
        : 0
    // Decided again on the current value: the check above was before a yield.
    const changed = ctx.modify((state) =>
      isHeld(heldOf(state), stored)
        ? [false, state]
        : [true, adopted(state, heldFromStored(stored, refreshAt), stored.rejected)],
    )
    if (changed) {
      ctx.config.emit({
        type: "adoptedFromStore",
        at: new Date(now),
        expiresAt: stored.expiresAt === undefined ? undefined : new Date(stored.expiresAt),
        generation: stored.generation,
      })
    }
    return changed
  })
