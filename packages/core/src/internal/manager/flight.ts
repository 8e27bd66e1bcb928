/**
 * The flight: ONE refresh for everyone who needs one (N concurrent callers at expiry => one token
 * request), through core's single-flight rule (`decideFlight` of `HostRefresh`, the same one hosts
 * without compare-and-set use) with a `Deferred` as the pending hand-off to the waiters.
 *
 * Callers waiting for a flight are counted (`ctx.waiters`; keep-warm is not a caller): the default
 * retry schedule paces itself by it.
 *
 * The refresh runs in the manager's scope, not in the first caller's fiber: a caller that gives up
 * does not cancel the refresh the others wait for. A failure is recorded and reported, and the
 * previous access token is served around it while that is safe (see `previousServable`).
 *
 * The hand-off has two faces: a `Deferred` for fibers (the Effect service) and a plain Promise for the
 * Promise client, whose callers then wait without a fiber of their own (`flightPromise`).
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Result from "effect/Result"
import type * as Scope from "effect/Scope"
import { beginFlight, decideFlight, endFlight, type FlightTable, makeFlightTable } from "../../HostRefresh.ts"
import type { AccessToken } from "../../TokenManager.ts"
import { TokenManagerClosed, type TokenManagerError } from "../../TokenManagerError.ts"
import type { EngineContext } from "./context.ts"
import { type DirectFaces, directFlight } from "./directFlight.ts"
import { lockedRefresh } from "./lockedRefresh.ts"
import { previousServable, toAccessToken } from "./serve.ts"
import { flightFailed, flightSucceeded, type HeldAccess, heldOf, refreshDeferred } from "./state.ts"
import { retryRefreshAt } from "./timing.ts"

type Outcome = Exit.Exit<AccessToken, TokenManagerError>

/**
 * A running refresh's hand-off: the Promise client waits on `settled`, fibers on a `Deferred` made when
 * the first of them waits (`deferredOf`), so that a flight nobody waits for in a fiber makes none.
 */
interface Pending {
  deferred: Deferred.Deferred<AccessToken, TokenManagerError> | undefined
  /** The outcome, once settled. */
  outcome: Outcome | undefined
  readonly settled: Promise<Outcome>
  /** How many Promise callers wait on `settled` (counted in `ctx.waiters` until it settles). */
  promiseWaiters: number
}

/** The `Deferred` fibers wait on for `pending` (done at once when it has already settled). */
const deferredOf = (pending: Pending): Deferred.Deferred<AccessToken, TokenManagerError> => {
  if (pending.deferred === undefined) {
    pending.deferred = Deferred.makeUnsafe<AccessToken, TokenManagerError>()
    if (pending.outcome !== undefined) Deferred.doneUnsafe(pending.deferred, pending.outcome)
  }
  return pending.deferred
}

/**
 * The manager's flights: one key, as a manager holds one credential. `closers`: what `close()` does to
 * each flight running without a fiber (see `closeDirect`).
 */
export type Flights = FlightTable<Pending, AccessToken> & { readonly closers: Set<() => void> }

const KEY = "manager"

export const makeFlights = (): Flights => ({ ...makeFlightTable<Pending, AccessToken>(), closers: new Set() })

/** Ends the flights running without a fiber, as closing the scope interrupts the others. */
export const closeDirect = (flights: Flights): void => {
  for (const close of [...flights.closers]) close()
}

/** Whether a refresh is running. */
export const isRefreshing = (flights: Flights): boolean => flights.inFlight.size > 0

/** The flight's work in the store's refresh lock. */
const lockedWork = (ctx: EngineContext, force: boolean): Effect.Effect<HeldAccess, TokenManagerError> => {
  const { request, store } = ctx.config
  return Result.isFailure(request)
    ? Effect.fail(request.failure)
    : store.withRefreshLock(lockedRefresh(ctx, request.success, force, heldOf(ctx.read())))
}

/**
 * One refresh; failures are recorded, reported, and served around when safe. Built when the flight
 * begins (its fiber starts at once) and run as two frames around the locked work: a failure handler,
 * and the exit handler that records a success and settles the flight with `settle`. `locked`: the work
 * in the lock, or what a flight without a fiber left of it (directFlight.ts).
 */
const runFlight = (
  ctx: EngineContext,
  force: boolean,
  settle: (exit: Outcome) => void,
  locked: Effect.Effect<HeldAccess, TokenManagerError> = lockedWork(ctx, force),
): Effect.Effect<HeldAccess, TokenManagerError> => {
  // The previous token was served around a failure: a success of the flight, not a refresh.
  let servedPrevious = false
  const served = Effect.catch(locked, (error: TokenManagerError) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      ctx.update((state) => flightFailed(state, error))
      const previous = previousServable(ctx.read(), now, force)
      ctx.config.emit({
        type: "refreshFailed",
        at: new Date(now),
        error,
        servedPrevious: previous !== undefined,
      })
      if (previous === undefined) return yield* error
      // The previous token is still valid: hand it out and try again a little later.
      ctx.update((state) => refreshDeferred(state, retryRefreshAt(previous.expiresAt, now)))
      servedPrevious = true
      return previous
    }),
  )
  return Effect.onExit(served, (exit) => {
    if (Exit.isFailure(exit)) {
      settle(Exit.failCause(exit.cause))
    } else {
      if (!servedPrevious) ctx.update(flightSucceeded)
      settle(Exit.succeed(toAccessToken(exit.value)))
    }
    return Effect.void
  })
}

/** Waits for `pending`, counted among the waiting callers unless `background`. */
const awaitFlight = (ctx: EngineContext, pending: Pending, background: boolean) =>
  background
    ? Effect.suspend(() => Deferred.await(deferredOf(pending)))
    : Effect.suspend(() => {
        ctx.waiters.count++
        return Effect.ensuring(
          Deferred.await(deferredOf(pending)),
          Effect.sync(() => {
            ctx.waiters.count--
          }),
        )
      })

/**
 * Waits for `pending` without a fiber, counted among the waiting callers until the flight settles
 * (the count is given back by `settle`, not by a callback per caller).
 */
const awaitSettled = (ctx: EngineContext, pending: Pending): Promise<Outcome> => {
  ctx.waiters.count++
  pending.promiseWaiters++
  return pending.settled
}

/** Registers a new flight: its hand-off, and the refresh that settles it (built and started by the caller). */
const beginRefresh = (ctx: EngineContext, flights: Flights, force: boolean) => {
  let resolve: (outcome: Outcome) => void = () => undefined
  const pending: Pending = {
    deferred: undefined,
    outcome: undefined,
    settled: new Promise<Outcome>((r) => {
      resolve = r
    }),
    promiseWaiters: 0,
  }
  beginFlight(flights, KEY, pending)
  const settle = (exit: Outcome) => {
    endFlight(flights, KEY, pending)
    ctx.waiters.count -= pending.promiseWaiters
    pending.promiseWaiters = 0
    const outcome = Exit.hasInterrupts(exit) ? Exit.fail(new TokenManagerClosed()) : exit
    pending.outcome = outcome
    if (pending.deferred !== undefined) Deferred.doneUnsafe(pending.deferred, outcome)
    resolve(outcome)
  }
  // The flight's value reaches its callers through `settle`, not as the fiber's own value.
  const run = () => runFlight(ctx, force, settle)
  return { pending, settle, run }
}

const closedOutcome = (): Promise<Outcome> => Promise.resolve(Exit.fail(new TokenManagerClosed()))

/**
 * The Promise client's flight: the same decision and the same refresh as {@link flight}, but the
 * caller waits on a Promise, not in a fiber, and the refresh runs without a fiber when it can
 * (directFlight.ts, with the manager's `faces`), else as a fiber of its own (in `scope`). `clock`: the
 * engine's.
 */
export const flightPromise = (
  ctx: EngineContext,
  flights: Flights,
  scope: Scope.Scope,
  isClosed: () => boolean,
  force: boolean,
  clock: Clock.Clock,
  faces: DirectFaces | undefined,
): Promise<Outcome> => {
  if (isClosed()) return closedOutcome()
  const decision = decideFlight(flights, KEY, 0)
  switch (decision._tag) {
    case "Join":
      return awaitSettled(ctx, decision.pending)
    case "Recent":
      return Promise.resolve(Exit.succeed(decision.value))
    case "Refused":
      return Promise.resolve(Exit.fail(decision.error as TokenManagerError))
  }
  const { pending, settle, run } = beginRefresh(ctx, flights, force)
  const inFiber = (flight: Effect.Effect<HeldAccess, TokenManagerError>) => {
    Fiber.runIn(Effect.runFork(flight), scope)
  }
  const direct =
    faces !== undefined &&
    directFlight(ctx, faces, force, clock, {
      settle,
      continueInFiber: (locked) => inFiber(runFlight(ctx, force, settle, locked)),
      onClose: (close) => {
        flights.closers.add(close)
        return () => {
          flights.closers.delete(close)
        }
      },
    })
  if (!direct) inFiber(run())
  return awaitSettled(ctx, pending)
}

/** Joins the running refresh, or starts one in `scope` that every later caller joins until it ends. */
export const flight = (
  ctx: EngineContext,
  flights: Flights,
  scope: Scope.Scope,
  isClosed: () => boolean,
  force: boolean,
  background = false,
): Effect.Effect<AccessToken, TokenManagerError> =>
  Effect.suspend(() => {
    if (isClosed()) return Effect.fail(new TokenManagerClosed())
    const decision = decideFlight(flights, KEY, 0)
    switch (decision._tag) {
      case "Join":
        return awaitFlight(ctx, decision.pending, background)
      case "Recent":
        return Effect.succeed(decision.value)
      case "Refused":
        return Effect.fail(decision.error as TokenManagerError)
    }
    const { pending, settle, run } = beginRefresh(ctx, flights, force)
    return Effect.forkIn(run(), scope, { startImmediately: true }).pipe(
      Effect.andThen(
        Effect.suspend(() => {
          // A scope that closed meanwhile never starts the fiber: settle the waiters here.
          if (scope.state._tag === "Closed" && flights.inFlight.get(KEY) === pending) {
            settle(Exit.fail(new TokenManagerClosed()))
          }
          return awaitFlight(ctx, pending, background)
        }),
      ),
    )
  })
