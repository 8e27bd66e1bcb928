/**
 * Write-ahead saving: a rotated refresh token is saved to the store (compare-and-set, with the
 * `saveRetry` schedule) BEFORE its access token may be handed out. While it is unsaved, the state is
 * `Unsaved` and nothing is served (see `serve.ts`); the next flight saves it before anything else, so
 * an older token is never used for a refresh.
 *
 * A conflict is an answer, not a failure: someone else saved in between (another process holding a
 * taken-over lock, or a re-provisioning), and the store's token is the one the fleet follows. Ours is
 * abandoned, the store's adopted, and our fresh access token kept when the store's record has none.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { StoreConflict, type StoreError } from "../../StoreError.ts"
import type { TokenSet } from "../../TokenSet.ts"
import type { StoredToken } from "../../TokenStore.ts"
import { replayIntoRetry } from "../retryAfterFailure.ts"
import { saveNowOf } from "../store/syncFace.ts"
import { adopt } from "./adoption.ts"
import type { EngineContext } from "./context.ts"
import {
  abandoned,
  accessKept,
  type Held,
  type HeldAccess,
  heldOf,
  rotated,
  rotationRecord,
  saved,
  type Unsaved,
  unsavedOf,
} from "./state.ts"

/** The chain a rotation continues: where it came from, and what the store must still hold to save over. */
export interface RotationChain {
  readonly origin: string | undefined
  /** When a service account last healed the chain (carried on by every rotation's record). */
  readonly healedAt?: number | undefined
  readonly expected: Redacted.Redacted<string> | undefined
  readonly baseGeneration?: number | undefined
}

/**
 * Holds a rotation in memory at once, unsaved until `flushUnsaved` (or `flushUnsavedNow`) saves it:
 * from now on the old refresh token is never used again. `tokens`: the answer (a salvaged refresh token
 * alone has no access token); `access`: its access token as held.
 */
export const holdRotation = (
  ctx: EngineContext,
  tokens: Pick<TokenSet, "refreshToken"> & Partial<TokenSet>,
  access: HeldAccess | undefined,
  chain: RotationChain,
  now: number,
): void => {
  const held: Held = {
    refreshToken: tokens.refreshToken,
    origin: chain.origin,
    generation: undefined,
    access,
  }
  const record = rotationRecord(tokens, chain.origin, ctx.read().rejected, chain.healedAt)
  ctx.update((state) =>
    rotated(state, held, { record, expected: chain.expected, baseGeneration: chain.baseGeneration }, now),
  )
}

/** Records a saved rotation and reports it. */
const savedAt = (ctx: EngineContext, generation: number, now: number, recovered: boolean): void => {
  ctx.update((state) => saved(state, generation))
  if (ctx.config.listening?.() === false) return
  ctx.config.emit({
    type: "rotationSaved",
    at: new Date(now),
    generation,
    location: ctx.config.store.location,
    recovered,
  })
}

/**
 * Saves the pending rotation, if any. `recovered`: it was refused earlier and is saved by a later flight.
 * The first save runs alone: when it succeeds (the common case) no retry driver and no generator is
 * built; its failure is handed on to {@link afterFailedSave}, which replays it into the retry.
 */
export const flushUnsaved = (ctx: EngineContext, recovered: boolean): Effect.Effect<void, StoreError> =>
  Effect.clockWith((clock) => flushUnsavedNow(ctx, recovered, clock) ?? Effect.void)

/**
 * {@link flushUnsaved} inside the caller's step: `undefined` once the pending rotation (if any) is saved
 * and recorded, otherwise the effect that finishes the save. A store whose `save` answers synchronously
 * (the memory store: see `syncFace.ts`) is saved here, without a step of its own; any other store's
 * save is the returned effect. Either way the outcome, its events and its retry are the same.
 */
export const flushUnsavedNow = (
  ctx: EngineContext,
  recovered: boolean,
  clock: Clock.Clock,
): Effect.Effect<void, StoreError> | undefined => {
  const pending = unsavedOf(ctx.read())
  if (pending === undefined) return undefined
  const saveNow = saveNowOf(ctx.config.store)
  if (saveNow === undefined) {
    return Effect.matchEffect(ctx.config.store.save(pending.record, pending.expected), {
      onSuccess: (record) =>
        Effect.clockWith((clock) => {
          savedAt(ctx, record.generation, clock.currentTimeMillisUnsafe(), recovered)
          return Effect.void
        }),
      onFailure: (first) => afterFailedSave(ctx, pending, recovered, first),
    })
  }
  const result = saveNow(pending.record, pending.expected, clock.currentTimeMillisUnsafe())
  if (Result.isFailure(result)) return afterFailedSave(ctx, pending, recovered, result.failure)
  savedAt(ctx, result.success.generation, clock.currentTimeMillisUnsafe(), recovered)
  return undefined
}

/** The rest of a save whose first attempt failed (`first`): retried with `saveRetry`, or a conflict resolved. */
const afterFailedSave = (
  ctx: EngineContext,
  pending: Unsaved,
  recovered: boolean,
  first: StoreError | StoreConflict,
): Effect.Effect<void, StoreError> =>
  Effect.gen(function* () {
    const { store, emit } = ctx.config
    // The first save already ran: its failure is replayed into `saveRetry` (not sent again), and each
    // retry saves again. A conflict is an answer, not a failure.
    let attempts = 1
    const again = Effect.suspend(() => {
      attempts++
      return store.save(pending.record, pending.expected)
    }).pipe(Effect.catchTag("StoreConflict", (conflict) => Effect.succeed(conflict)))
    const result: Result.Result<StoredToken | StoreConflict, StoreError> =
      first instanceof StoreConflict
        ? Result.succeed(first)
        : yield* Effect.result(replayIntoRetry(first, again, () => ctx.config.saveRetry))
    const now = yield* Clock.currentTimeMillis
    if (Result.isSuccess(result) && !(result.success instanceof StoreConflict)) {
      savedAt(ctx, result.success.generation, now, recovered)
      return
    }
    if (Result.isSuccess(result)) {
      const before = heldOf(ctx.read())
      const current = yield* store.load
      // The store went back in time under our save (it holds an older record of our family than the
      // one we rotated from): our rotation is the newest, so it is written over the older record.
      if (
        current !== undefined &&
        before !== undefined &&
        pending.baseGeneration !== undefined &&
        current.origin === before.origin &&
        current.generation < pending.baseGeneration
      ) {
        const written = yield* store
          .save({ ...pending.record, supersedes: pending.baseGeneration }, current.refreshToken)
          .pipe(Effect.catchTag("StoreConflict", () => Effect.succeed(undefined)))
        if (written !== undefined) {
          ctx.update((state) => saved(state, written.generation))
          emit({
            type: "storeRolledBack",
            at: new Date(now),
            location: store.location,
            storedGeneration: current.generation,
            heldGeneration: pending.baseGeneration,
            generation: written.generation,
          })
          emit({
            type: "rotationSaved",
            at: new Date(now),
            generation: written.generation,
            location: store.location,
            recovered,
          })
          return
        }
      }
      ctx.update(abandoned)
      if (current !== undefined) {
        const access = heldOf(ctx.read())?.access
        yield* adopt(ctx, current, now)
        // Our fresh access token is still good to use even though its refresh token is dropped.
        if (access !== undefined) ctx.update((state) => accessKept(state, access))
      }
      return
    }
    const error = result.failure
    emit({ type: "saveFailed", at: new Date(now), error, attempts, location: store.location })
    return yield* error
  })
