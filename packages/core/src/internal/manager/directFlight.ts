/**
 * The Promise client's flight without a fiber, for its common refresh: the same steps as
 * `lockedRefresh`, each one the same function, run in plain callbacks while they are all synchronous
 * but the exchange itself. The Effect run loop costs more than the work between the answer and the
 * hand-off (see apps/bench: scenario 8), so this path takes none of it.
 *
 * Taken only when nothing needs more than one step:
 * - the store answers `load`, `save` and its lock in the caller's step (the memory store, syncFace.ts);
 * - the transport is core's own (its Promise is sent with a plain timer: `sendTimed`, deadline.ts) and the clock
 *   is the real one (`directFaces`, decided once per manager);
 * - the flight is the plain case of `lockedRefresh`: no earlier rotation to save first, no rollback to
 *   fence, no record to adopt, no grant, no dead token (`plainDecision`).
 * Otherwise it returns `false` having done nothing (the lock, if taken, is given back), and the fiber
 * path runs the flight.
 *
 * Once the request is sent, every outcome but a success whose rotation was saved in its step is handed
 * to the fiber path, the lock still held: a failed attempt is replayed into the retry policy as its
 * first attempt (not sent again), and a save that needs more steps is finished there, before the access
 * token is handed out. `close()` aborts the request in flight, as it interrupts a fiber's.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import { classifyFailure, type HttpTransportResponse } from "../../HttpTransport.ts"
import type { RefreshError } from "../../RefreshError.ts"
import { type RequestSettings, withRefreshToken } from "../../RefreshRequest.ts"
import type { AccessToken } from "../../TokenManager.ts"
import { TokenManagerClosed, type TokenManagerError } from "../../TokenManagerError.ts"
import { isRealClock, type PromiseSend, sendTimed } from "../deadline.ts"
import { attemptParts, promiseSendOf } from "../refreshAttempt.ts"
import { type LoadNow, type LockNow, loadNowOf, lockNowOf, saveNowOf } from "../store/syncFace.ts"
import type { EngineContext } from "./context.ts"
import { isRollback } from "./fence.ts"
import { plainDecision, refreshPlannedAfter, takeAnswer } from "./lockedRefresh.ts"
import { toAccessToken } from "./serve.ts"
import { flightSucceeded, type HeldAccess, heldOf, provisionSettled, unsavedOf } from "./state.ts"

type Outcome = Exit.Exit<AccessToken, TokenManagerError>

/** Where a direct flight hands over: its outcome, or the locked work left for a fiber. */
export interface DirectHandOff {
  /** Settles the flight (its waiters, and the flight table). */
  readonly settle: (exit: Outcome) => void
  /** Runs `locked` as the rest of the flight in a fiber (failures served around, outcome settled). */
  readonly continueInFiber: (locked: Effect.Effect<HeldAccess, TokenManagerError>) => void
  /** Registers what `close()` must do to this flight while its request is out; returns the unregister. */
  readonly onClose: (abort: () => void) => () => void
}

/** What a flight without a fiber needs of the manager's parts, all of which it has (see `directFaces`). */
export interface DirectFaces {
  readonly settings: RequestSettings
  readonly send: PromiseSend
  readonly loadNow: LoadNow
  readonly lockNow: LockNow
}

/**
 * The faces of the manager's store, transport and clock that a flight without a fiber uses, or
 * `undefined` when one of them has none (then every flight runs in a fiber). They are fixed when the
 * manager is built, so this is decided once.
 */
export const directFaces = (ctx: EngineContext, clock: Clock.Clock): DirectFaces | undefined => {
  const { request, store, transport } = ctx.config
  const send = promiseSendOf(transport)
  const loadNow = loadNowOf(store)
  const lockNow = lockNowOf(store)
  return Result.isFailure(request) ||
    send === undefined ||
    loadNow === undefined ||
    lockNow === undefined ||
    saveNowOf(store) === undefined ||
    !isRealClock(clock)
    ? undefined
    : { settings: request.success, send, loadNow, lockNow }
}

/**
 * Runs the flight without a fiber when it can (see the module's description); `false`: nothing was
 * done, run it in a fiber. `clock`: the engine's (the Promise client's is the real one).
 */
export const directFlight = (
  ctx: EngineContext,
  faces: DirectFaces,
  force: boolean,
  clock: Clock.Clock,
  handOff: DirectHandOff,
): boolean => {
  const { settings, send, loadNow, lockNow } = faces
  // A rotation the store refused earlier is saved first: by the fiber path.
  if (unsavedOf(ctx.read()) !== undefined) return false
  const unlock = lockNow()
  if (unlock === undefined) return false
  const stored = loadNow()
  const now = clock.currentTimeMillisUnsafe()
  const decision = isRollback(heldOf(ctx.read()), stored) ? undefined : plainDecision(ctx, force, stored, now)
  if (decision === undefined) {
    unlock()
    return false
  }
  if (decision.settled) ctx.update(provisionSettled)
  /** The flight succeeded with `access` (as `runFlight`'s exit handler records it). */
  const succeeded = (access: HeldAccess) => {
    unlock()
    ctx.update(flightSucceeded)
    handOff.settle(Exit.succeed(toAccessToken(access)))
  }
  const { ready, plan } = decision
  if (ready !== undefined) {
    // Another process (or an earlier run) already refreshed: its token is served, nothing is sent.
    succeeded(ready)
    return true
  }

  const parts = attemptParts(withRefreshToken(settings, plan.use), clock)
  // The rest of the flight in a fiber, still holding the lock (given back when the fiber ends).
  const handOver = (locked: Effect.Effect<HeldAccess, TokenManagerError>) =>
    handOff.continueInFiber(Effect.ensuring(locked, Effect.sync(unlock)))
  const after = (rest: Parameters<typeof refreshPlannedAfter>[4]) =>
    handOver(Effect.uninterruptibleMask((restore) => refreshPlannedAfter(ctx, settings, plan, restore, rest)))
  const failed = (error: RefreshError) => after({ first: { error, sentAt: parts.sentAt } })
  const answered = (response: HttpTransportResponse) => {
    const result = parts.interpret(response)
    if (Result.isFailure(result)) return failed(result.failure)
    const { saving, finish } = takeAnswer(ctx, plan, result.success, clock, Math.random())
    if (saving !== undefined) return after({ saving, finish })
    succeeded(finish())
  }
  // `close()` while the request is out: it is aborted, and the flight ends closed (as an interrupted fiber's).
  let abort: () => boolean = () => false
  const forget = handOff.onClose(() => {
    if (!abort()) return
    unlock()
    handOff.settle(Exit.fail(new TokenManagerClosed()))
  })
  abort = sendTimed(send, parts.httpRequest, parts.httpRequest.timeoutMillis, {
    response: (response) => {
      forget()
      try {
        answered(response)
      } catch (defect) {
        // The steps after the answer never throw; if one did, the flight must still end.
        handOver(Effect.die(defect))
      }
    },
    failure: (error) => {
      forget()
      failed(parts.transportError(classifyFailure(error)))
    },
    timeout: () => {
      forget()
      failed(parts.timeoutError())
    },
  })
  return true
}
