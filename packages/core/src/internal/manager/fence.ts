/**
 * Fencing against a store that went back in time: Redis restarted from an old snapshot, a failover
 * to a replica that lagged, a token file restored from a backup. Such a store holds an OLDER record
 * of the family the manager follows; its refresh token is dead (the server rotated past it).
 *
 * Rule: records compare by (family, generation). The family is the record's `origin` (the fingerprint
 * of the provisioned token it descends from); within one family a higher generation is newer. A record
 * of the held family with a lower generation than the held one is a rollback: it is never adopted. The
 * manager writes its newer record back (compare-and-set on the older record, at a generation above
 * the one it holds) and reports `storeRolledBack`. A record of another family is a re-provisioning and
 * is adopted whatever its generation (see `plan.ts`).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { secretFingerprint } from "../../HostRefresh.ts"
import type { StoreError } from "../../StoreError.ts"
import type { StoredToken, StoredTokenInput } from "../../TokenStore.ts"
import type { EngineContext } from "./context.ts"
import { isRejected } from "./serve.ts"
import { type Held, heldOf, type ManagerState, saved } from "./state.ts"

/** Whether `stored` is an older record of the family `held` belongs to: the store went back in time. */
export const isRollback = (held: Held | undefined, stored: StoredToken | undefined): boolean =>
  held !== undefined &&
  stored !== undefined &&
  held.generation !== undefined &&
  held.origin === stored.origin &&
  stored.generation < held.generation

/** The record that writes the held token back (its access token too, unless an API rejected it). */
const writeBack = (state: ManagerState, held: Held, rejected: ReadonlyArray<string>): StoredTokenInput => {
  const access = held.access === undefined || isRejected(state, held.access.token) ? undefined : held.access
  return {
    refreshToken: held.refreshToken,
    origin: held.origin,
    supersedes: held.generation,
    rejected: rejected.length === 0 ? undefined : rejected,
    ...(access === undefined
      ? {}
      : {
          accessToken: access.token,
          tokenType: access.tokenType,
          expiresAt: access.expiresAt,
          issuedAt: access.issuedAt,
          scope: access.scope,
        }),
  }
}

/** Fingerprints of rejected access tokens, the stored ones and ours, without repeats. */
export const mergedRejected = (
  stored: StoredToken | undefined,
  ours: ReadonlyArray<string>,
): Array<string> => [...new Set([...(stored?.rejected ?? []), ...ours])]

/**
 * The store's record, fenced: when it is a rollback (see `isRollback`), the held record is written back
 * over it and the record as now stored is returned; otherwise `stored` itself. Someone else saving in
 * between (a conflict) is left to the caller's normal path: the store's current record is returned.
 */
export const fenceRollback = (
  ctx: EngineContext,
  stored: StoredToken | undefined,
): Effect.Effect<StoredToken | undefined, StoreError> => {
  const state = ctx.read()
  const held = heldOf(state)
  // The common case (no rollback) builds no generator.
  if (state.token._tag !== "Held" || held === undefined || !isRollback(held, stored) || stored === undefined)
    return Effect.succeed(stored)
  return Effect.gen(function* () {
    const { store, emit } = ctx.config
    const record = writeBack(state, held, mergedRejected(stored, state.rejected))
    const written = yield* store
      .save(record, stored.refreshToken)
      .pipe(Effect.catchTag("StoreConflict", () => Effect.succeed(undefined)))
    if (written === undefined) return yield* store.load
    ctx.update((s) =>
      s.token._tag === "Held" && heldOf(s) === held
        ? { ...s, token: { _tag: "Held", held: { ...held, generation: written.generation } } }
        : saved(s, written.generation),
    )
    const now = yield* Clock.currentTimeMillis
    emit({
      type: "storeRolledBack",
      at: new Date(now),
      location: store.location,
      storedGeneration: stored.generation,
      heldGeneration: held.generation ?? 0,
      generation: written.generation,
    })
    return written
  })
}

/** The fingerprint `invalidate` records for an access token. */
export const accessFingerprint = (token: Redacted.Redacted<string>): string =>
  secretFingerprint(Redacted.value(token))
