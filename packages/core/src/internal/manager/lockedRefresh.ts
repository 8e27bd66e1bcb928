/**
 * The work of one flight inside the store's refresh lock:
 * 1. a rotation the store refused earlier is saved first (never refresh with an older token);
 * 2. the store is read (an older record of our family is fenced: `fence.ts`) and the plan made (`plan.ts`); when the store already holds a servable token
 *    (another process, or an earlier run, refreshed), it is used and nothing is sent;
 * 3. otherwise ONE refresh (with the retry policy) and the write-ahead save of its rotation;
 * 4. after `invalid_grant` the store is read once more: a newer token there is used instead (and a
 *    refusal that follows an ambiguous attempt with the same token says so).
 *
 * From the server's answer to the end of the save nothing may interrupt: the server has rotated the token.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import { type InvalidGrant, RefreshError } from "../../RefreshError.ts"
import { type RequestSettings, type ResolvedRefreshRequest, withRefreshToken } from "../../RefreshRequest.ts"
import { type FirstFailure, retryRefresh, withRefreshRetry } from "../../RetryPolicy.ts"
import type { StoreError } from "../../StoreError.ts"
import type { TokenManagerError } from "../../TokenManagerError.ts"
import type { TokenSet } from "../../TokenSet.ts"
import type { StoredToken } from "../../TokenStore.ts"
import { refreshAttempt, withFailureLog } from "../refreshAttempt.ts"
import { sameToken } from "../store/record.ts"
import { loadNowOf } from "../store/syncFace.ts"
import { adopt, heldAccessAt } from "./adoption.ts"
import type { EngineContext } from "./context.ts"
import { fenceRollback, isRollback } from "./fence.ts"
import { deadSince, deadTokenError, grantAndSave, healBlocked, markDead } from "./heal.ts"
import { type Plan, planAfterRefusal, planRefresh } from "./plan.ts"
import { salvageRotation } from "./salvage.ts"
import { servable } from "./serve.ts"
import { type Held, type HeldAccess, heldOf, markedAmbiguous, provisionSettled, unsavedOf } from "./state.ts"
import { flushUnsaved, flushUnsavedNow, holdRotation } from "./writeAhead.ts"

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

const sendRefresh = (
  ctx: EngineContext,
  request: ResolvedRefreshRequest,
  first: FirstFailure | undefined,
): Effect.Effect<TokenSet, RefreshError> => {
  // The transport is passed, not provided: no context change per refresh.
  const attempt = refreshAttempt(request, ctx.config.transport)
  if (first !== undefined) {
    // The first attempt ran without a fiber (directFlight.ts): its failure is logged as the attempt's own
    // would have been, and replayed into the retry policy, not sent again.
    const replayed = withFailureLog(Exit.fail(first.error))
    const retry = ctx.retry
    return retry === false
      ? replayed
      : Effect.catch(replayed, () => retryRefresh(retry, ctx.retryScheduled, attempt, first))
  }
  return ctx.retry === false ? attempt : withRefreshRetry(ctx.retry, ctx.retryScheduled)(attempt)
}

/**
 * A refresh's answer taken at `now`: the state holds the rotation at once (from now on the old refresh
 * token is never used again), and its save is started. `undefined` once saved (a store that saves in
 * this step); otherwise the save to finish. `finish` then reports the refresh and gives the access
 * token to hand out: only once the rotated refresh token is saved (write-ahead).
 */
export const takeAnswer = (
  ctx: EngineContext,
  plan: Plan,
  tokens: TokenSet,
  clock: Clock.Clock,
  random: number,
): { readonly saving: Effect.Effect<void, StoreError> | undefined; readonly finish: () => HeldAccess } => {
  const now = clock.currentTimeMillisUnsafe()
  const access = heldAccessAt(ctx, tokens, now, random)
  holdRotation(ctx, tokens, access, plan, now)
  const finish = () => {
    const after = heldOf(ctx.read())
    if (ctx.config.listening?.() !== false) {
      ctx.config.emit({
        type: "refreshed",
        at: new Date(now),
        expiresAt: new Date(tokens.expiresAt),
        refreshAt: new Date(access.refreshAt),
        rotated: tokens.refreshTokenRotated,
        generation: after?.generation ?? 0,
      })
    }
    return after?.access ?? access
  }
  // A memory store saves in this step; any other store's save is a step of its own.
  return { saving: flushUnsavedNow(ctx, false, clock), finish }
}

/**
 * Refreshes with `plan`, then saves the rotated token before anything is handed out. A success runs
 * as plain steps between the answer and the save (no generator, see `takeAnswer`). `first`: the first
 * attempt already ran and failed (see `sendRefresh`).
 */
const refreshAndSave = (
  ctx: EngineContext,
  request: RequestSettings,
  plan: Plan,
  restore: Restore,
  salvage = true,
  first?: FirstFailure,
): Effect.Effect<HeldAccess, RefreshError | StoreError> =>
  Effect.matchEffect(restore(sendRefresh(ctx, withRefreshToken(request, plan.use), first)), {
    onFailure: (error) => {
      const reason = error.reason
      // A malformed answer that still carried a new refresh token: the server rotated, save it.
      if (reason._tag !== "MalformedResponse" || reason.rotatedRefreshToken === undefined) {
        return Effect.fail(error)
      }
      return salvageRotation(
        ctx,
        plan,
        error,
        reason.rotatedRefreshToken,
        salvage ? (next) => refreshAndSave(ctx, request, next, restore, false) : undefined,
      )
    },
    onSuccess: (tokens) =>
      Effect.withFiber((fiber) => {
        const { saving, finish } = takeAnswer(
          ctx,
          plan,
          tokens,
          fiber.getRef(Clock.Clock),
          fiber.getRef(Random.Random).nextDoubleUnsafe(),
        )
        return saving === undefined ? Effect.succeed(finish()) : Effect.map(saving, finish)
      }),
  })

/** Rule 4: after `invalid_grant`, re-read the store once; a different token there is newer. */
const recoverFromRefusal = (
  ctx: EngineContext,
  request: RequestSettings,
  plan: Plan,
  reason: InvalidGrant,
  error: RefreshError,
  restore: Restore,
) =>
  Effect.gen(function* () {
    const ambiguous = ctx.read().ambiguousToken
    const marked =
      ambiguous !== undefined && sameToken(ambiguous, plan.use) && !reason.afterAmbiguousAttempt
        ? new RefreshError({ reason: reason.withAfterAmbiguousAttempt() })
        : error
    // Not fenced: the server has just refused the token we hold, so any other stored token is newer.
    const again = yield* restore(ctx.config.store.load)
    const newer = planAfterRefusal(plan, again)
    if (again === undefined || newer === undefined) {
      // The chain is dead: remember it (never send it again), and heal it with the service account.
      const now = yield* Clock.currentTimeMillis
      const blocked = healBlocked(ctx, "deadChain", again, plan.use, now)
      const current = yield* markDead(ctx, plan.use, again, blocked === undefined, restore)
      if (blocked !== undefined) return yield* marked
      return yield* grantAndSave(
        ctx,
        request,
        {
          reason: "deadChain",
          cause: "InvalidGrant",
          expected: current?.refreshToken,
          baseGeneration: current?.generation,
          origin: current?.origin ?? plan.origin,
          deadToken: plan.use,
        },
        restore,
      )
    }
    // Another process won the race and saved its rotation: follow it.
    const now = yield* Clock.currentTimeMillis
    ctx.update(provisionSettled)
    yield* adopt(ctx, again, now)
    const fresh = servable(ctx.read(), now)
    if (fresh !== undefined) return fresh
    return yield* refreshAndSave(ctx, request, newer, restore)
  })

/** Marks `plan.use` as sent in an attempt that may have reached the server, when `error` says so. */
const noteAmbiguous = (ctx: EngineContext, plan: Plan, error: RefreshError | StoreError): void => {
  if ("ambiguous" in error && error.ambiguous) ctx.update((state) => markedAmbiguous(state, plan.use))
}

/**
 * Step 3 once `refresh` (the refresh with `plan` and the save of its rotation, or what is left of them)
 * runs, with one failure handler (no frame of its own on success): `invalid_grant` is recovered from
 * (rule 4), and an attempt that may have reached the server marks its token, whatever failed after it.
 */
export const refreshPlanned = (
  ctx: EngineContext,
  request: RequestSettings,
  plan: Plan,
  restore: Restore,
  refresh: Effect.Effect<HeldAccess, RefreshError | StoreError>,
): Effect.Effect<HeldAccess, TokenManagerError> =>
  Effect.catch(refresh, (error) => {
    if (error._tag === "RefreshError" && error.reason._tag === "InvalidGrant") {
      return Effect.tapError(recoverFromRefusal(ctx, request, plan, error.reason, error, restore), (after) =>
        Effect.sync(() => noteAmbiguous(ctx, plan, after)),
      )
    }
    noteAmbiguous(ctx, plan, error)
    return Effect.fail(error)
  })

/**
 * {@link refreshPlanned} after a first attempt that ran without a fiber and failed (`first`), or, with
 * `saving`, after an answer whose save did not finish in its step (see `takeAnswer`).
 */
export const refreshPlannedAfter = (
  ctx: EngineContext,
  request: RequestSettings,
  plan: Plan,
  restore: Restore,
  after:
    | { readonly first: FirstFailure }
    | { readonly saving: Effect.Effect<void, StoreError>; readonly finish: () => HeldAccess },
): Effect.Effect<HeldAccess, TokenManagerError> =>
  refreshPlanned(
    ctx,
    request,
    plan,
    restore,
    "first" in after
      ? refreshAndSave(ctx, request, plan, restore, true, after.first)
      : Effect.map(after.saving, after.finish),
  )

/**
 * Step 2's rule once the plan is made (and any record adopted): serve the held token when it is servable
 * and `mayServe`; otherwise never send a token the server refused for good (`dead`: heal it); otherwise
 * refresh. Nothing is changed here.
 */
const stepAfterPlan = (
  ctx: EngineContext,
  plan: Plan,
  stored: StoredToken | undefined,
  now: number,
  mayServe: boolean,
):
  | { readonly _tag: "Serve"; readonly access: HeldAccess }
  | { readonly _tag: "Dead"; readonly since: number }
  | { readonly _tag: "Refresh" } => {
  const ready = servable(ctx.read(), now)
  if (ready !== undefined && mayServe) return { _tag: "Serve", access: ready }
  const since = deadSince(ctx, plan.use, stored)
  return since === undefined ? { _tag: "Refresh" } : { _tag: "Dead", since }
}

/**
 * The plain case of steps 2-3, decided in the caller's step for the flight without a fiber
 * (directFlight.ts): what `afterLoad` does when there is no record to adopt, no grant to take and no
 * dead token to heal: either the held token is served (`ready`) or `plan` is refreshed. `undefined` for
 * every other case, which `afterLoad` decides. Nothing is changed here.
 */
export const plainDecision = (
  ctx: EngineContext,
  force: boolean,
  stored: StoredToken | undefined,
  now: number,
):
  | { readonly settled: boolean; readonly ready: HeldAccess; readonly plan?: undefined }
  | { readonly settled: boolean; readonly ready?: undefined; readonly plan: Plan }
  | undefined => {
  const decision = planRefresh(ctx.read(), stored, ctx.provisioning, ctx.config.store.location)
  if (Result.isFailure(decision) || decision.success.adopt !== undefined) return undefined
  const { plan, provisionSettled: settled } = decision.success
  const step = stepAfterPlan(ctx, plan, stored, now, !force)
  return step._tag === "Serve"
    ? { settled, ready: step.access }
    : step._tag === "Refresh"
      ? { settled, plan }
      : undefined
}

/** Steps 2-4 once the store has been read (and fenced) at `now`. */
const afterLoad = (
  ctx: EngineContext,
  request: RequestSettings,
  force: boolean,
  heldBefore: Held | undefined,
  restore: Restore,
  stored: StoredToken | undefined,
  now: number,
): Effect.Effect<HeldAccess, TokenManagerError> => {
  const decision = planRefresh(ctx.read(), stored, ctx.provisioning, ctx.config.store.location)
  if (Result.isFailure(decision)) {
    // No refresh token anywhere: the service account's first grant, if one is configured.
    const blocked = healBlocked(ctx, "bootstrap", stored, undefined, now)
    if (blocked !== undefined) return Effect.fail(ctx.read().healRefusedError ?? decision.failure)
    return grantAndSave(
      ctx,
      request,
      {
        reason: "bootstrap",
        cause: "NotProvisioned",
        expected: undefined,
        baseGeneration: undefined,
        origin: undefined,
        deadToken: undefined,
      },
      restore,
    )
  }
  const { plan, adopt: toAdopt, provisionSettled: settled } = decision.success
  if (settled) ctx.update(provisionSettled)
  const proceed = (adopted: boolean): Effect.Effect<HeldAccess, TokenManagerError> => {
    const step = stepAfterPlan(ctx, plan, stored, now, !force || (adopted && heldBefore !== undefined))
    // Another process (or an earlier run of this one) already refreshed: use its token, send nothing.
    if (step._tag === "Serve") return Effect.succeed(step.access)
    // A refresh token the server already refused for good is never sent again.
    if (step._tag === "Dead") {
      const blocked = healBlocked(ctx, "deadChain", stored, plan.use, now)
      if (blocked !== undefined) return deadTokenError(ctx, step.since, blocked.refused)
      return grantAndSave(
        ctx,
        request,
        {
          reason: "deadChain",
          cause: "RefreshTokenDead",
          expected: plan.expected,
          baseGeneration: plan.baseGeneration,
          origin: plan.origin,
          deadToken: plan.use,
        },
        restore,
      )
    }
    return refreshPlanned(ctx, request, plan, restore, refreshAndSave(ctx, request, plan, restore))
  }
  return toAdopt === undefined ? proceed(false) : Effect.flatMap(adopt(ctx, toAdopt, now), proceed)
}

/** The work of one flight (see the module's description); `force`: refresh even if a token is servable. */
export const lockedRefresh = (
  ctx: EngineContext,
  request: RequestSettings,
  force: boolean,
  heldBefore: Held | undefined,
): Effect.Effect<HeldAccess, TokenManagerError> =>
  Effect.uninterruptibleMask((restore) => {
    const loadNow = loadNowOf(ctx.config.store)
    const planned = Effect.withFiber((fiber) => {
      const clock = fiber.getRef(Clock.Clock)
      const next = (stored: StoredToken | undefined) =>
        afterLoad(ctx, request, force, heldBefore, restore, stored, clock.currentTimeMillisUnsafe())
      // A store that went back in time is fenced: our newer record is written back over it.
      const fenced = (loaded: StoredToken | undefined) =>
        isRollback(heldOf(ctx.read()), loaded)
          ? Effect.flatMap(restore(fenceRollback(ctx, loaded)), next)
          : next(loaded)
      // A memory store is read in this step (see syncFace.ts); any other store's load is a step of its own.
      return loadNow === undefined
        ? Effect.flatMap(restore(ctx.config.store.load), fenced)
        : fenced(loadNow())
    })
    // Rule 1: a rotation the store refused earlier is saved before anything else.
    return unsavedOf(ctx.read()) === undefined ? planned : Effect.andThen(flushUnsaved(ctx, true), planned)
  })
