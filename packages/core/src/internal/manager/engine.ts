/**
 * The token manager's engine, shared by the Effect service (`TokenManager`) and the Promise client
 * (`createTokenClient`): it wires the parts, each in its own file:
 * - `state.ts`: the state, one immutable value, and its transitions (pure);
 * - `serve.ts`: what may be handed out, the snapshot and the status (pure);
 * - `plan.ts`: where the refresh token comes from: options, store or memory (pure);
 * - `adoption.ts`: taking the store's record as the held token;
 * - `writeAhead.ts`: saving a rotation before its access token is handed out;
 * - `lockedRefresh.ts`: the work of one refresh inside the store's lock, `invalid_grant` recovery;
 * - `flight.ts`: one refresh for all callers, and serving around a failure;
 * - `keepWarm.ts`: refresh-ahead in the background.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { secretFingerprint } from "../../HostRefresh.ts"
import type { AccessToken, TokenStatus } from "../../TokenManager.ts"
import { TokenManagerClosed, type TokenManagerError } from "../../TokenManagerError.ts"
import { inlineYield } from "../inlineYield.ts"
import { type EngineConfig, makeContext } from "./context.ts"
import { directFaces } from "./directFlight.ts"
import { closeDirect, flight, flightPromise, isRefreshing, makeFlights } from "./flight.ts"
import { keepWarm } from "./keepWarm.ts"
import { fingerprint } from "./origin.ts"
import { recordRejection } from "./rejection.ts"
import { servable, statusOf, toAccessToken } from "./serve.ts"
import { accessRejected, closed, type HeldAccess, heldOf } from "./state.ts"

export type { EngineConfig } from "./context.ts"
export type { Snapshot } from "./serve.ts"

/** The engine's operations. */
export interface Engine {
  readonly get: Effect.Effect<AccessToken, TokenManagerError>
  readonly refreshNow: Effect.Effect<AccessToken, TokenManagerError>
  /** `get` for the Promise client: a cached token at once, else the flight's outcome, without a fiber per caller. */
  readonly getPromise: () => Promise<Exit.Exit<AccessToken, TokenManagerError>>
  /** `refreshNow` for the Promise client, without a fiber per caller. */
  readonly refreshNowPromise: () => Promise<Exit.Exit<AccessToken, TokenManagerError>>
  readonly invalidate: (rejected?: Redacted.Redacted<string>) => Effect.Effect<void>
  /** Rejects in memory at once; the promise settles (never rejects) once the store has recorded it too. */
  readonly invalidateUnsafe: (rejected?: string) => Promise<void>
  readonly status: Effect.Effect<TokenStatus>
  readonly statusAt: (now: number) => TokenStatus
  /** Background refreshes at each refresh-ahead point; runs until interrupted. */
  readonly keepWarm: Effect.Effect<never>
  /** Marks the engine closed and ends the flights without a fiber; the scope's own close interrupts the fibers. */
  readonly markClosed: () => void
}

/**
 * `clock`: the `Clock` of the fiber that built the engine (a service's dependencies are fixed when it
 * is built); the hot path reads it without a lookup per call.
 */
export const makeEngine = (config: EngineConfig, scope: Scope.Scope, clock: Clock.Clock): Engine => {
  const provisioned = config.provisioned
  const ctx = makeContext(config, {
    token: provisioned,
    origin: provisioned === undefined ? undefined : fingerprint(provisioned),
  })
  const flights = makeFlights()
  // Whether the Promise client's flights can run without a fiber (the store, transport and clock say so).
  const faces = directFaces(ctx, clock)
  const isClosed = () => ctx.read().closed || scope.state._tag === "Closed"

  // The hot path: one primitive that reads the engine's clock, and the same answer (an `Exit`, itself
  // an effect) for as long as the same access token is served: nothing is allocated per call.
  let servedFrom: HeldAccess | undefined
  let served: Exit.Exit<AccessToken, never> | undefined
  // `yield* manager.get` takes that `Exit` inline, without a step of the run loop (see inlineYield.ts).
  const getAs = (background: boolean): Effect.Effect<AccessToken, TokenManagerError> =>
    inlineYield(() => {
      if (isClosed()) return Effect.fail(new TokenManagerClosed())
      const ready = servable(ctx.read(), clock.currentTimeMillisUnsafe())
      if (ready === undefined) return flight(ctx, flights, scope, isClosed, false, background)
      if (ready !== servedFrom || served === undefined) {
        servedFrom = ready
        served = Exit.succeed(toAccessToken(ready))
      }
      return served
    })
  const get = getAs(false)

  const getPromise = (): Promise<Exit.Exit<AccessToken, TokenManagerError>> => {
    if (isClosed()) return Promise.resolve(Exit.fail(new TokenManagerClosed()))
    const ready = servable(ctx.read(), clock.currentTimeMillisUnsafe())
    if (ready === undefined) return flightPromise(ctx, flights, scope, isClosed, false, clock, faces)
    return Promise.resolve(Exit.succeed(toAccessToken(ready)))
  }

  /** Remembers the rejection in memory at once; returns its fingerprint (`undefined`: nothing to reject). */
  const rejectInMemory = (rejectedToken?: string): string | undefined => {
    const current = heldOf(ctx.read())?.access
    const value = rejectedToken ?? (current === undefined ? undefined : Redacted.value(current.token))
    if (value === undefined) return undefined
    const rejected = secretFingerprint(value)
    ctx.update((state) => accessRejected(state, rejected))
    return rejected
  }

  const invalidateUnsafe = (rejectedToken?: string): Promise<void> => {
    const rejected = rejectInMemory(rejectedToken)
    return rejected === undefined ? Promise.resolve() : Effect.runPromise(recordRejection(ctx, rejected))
  }

  const account = config.serviceAccount === undefined ? undefined : { selfHeal: config.selfHeal }
  const statusAt = (now: number): TokenStatus => statusOf(ctx.read(), now, isRefreshing(flights), account)

  return {
    get,
    // Keep-warm is nobody waiting: its refreshes retry gently.
    keepWarm: keepWarm(ctx, getAs(true)),
    refreshNow: flight(ctx, flights, scope, isClosed, true),
    getPromise,
    refreshNowPromise: () => flightPromise(ctx, flights, scope, isClosed, true, clock, faces),
    invalidate: (rejectedToken) =>
      Effect.suspend(() => {
        const rejected = rejectInMemory(
          rejectedToken === undefined ? undefined : Redacted.value(rejectedToken),
        )
        return rejected === undefined ? Effect.void : recordRejection(ctx, rejected)
      }),
    invalidateUnsafe,
    status: Effect.map(Clock.currentTimeMillis, statusAt),
    statusAt,
    markClosed: () => {
      ctx.update(closed)
      closeDirect(flights)
    },
  }
}
