/**
 * Keep-warm: refresh at each token's refresh-ahead point, in the background, until interrupted. It
 * sleeps without holding the process open, backs off after failures (1 s doubling, at most 5 min),
 * and never spins on a token that is due again at once.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { AccessToken } from "../../TokenManager.ts"
import type { TokenManagerError } from "../../TokenManagerError.ts"
import { backgroundSleep } from "./backgroundSleep.ts"
import type { EngineContext } from "./context.ts"
import { heldOf, type ManagerState, unsavedOf } from "./state.ts"
import { keepWarmBackoff } from "./timing.ts"

/** When keep-warm should refresh next: the held access token's refresh point, unless a rotation is unsaved. */
export const nextRefreshAt = (state: ManagerState): number | undefined =>
  unsavedOf(state) === undefined ? heldOf(state)?.access?.refreshAt : undefined

/** The keep-warm loop over `get` (which refreshes when due). */
export const keepWarm = (
  ctx: EngineContext,
  get: Effect.Effect<AccessToken, TokenManagerError>,
): Effect.Effect<never> =>
  Effect.gen(function* () {
    let failures = 0
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      const refreshAt = nextRefreshAt(ctx.read())
      if (refreshAt !== undefined && now < refreshAt) {
        yield* backgroundSleep(refreshAt - now)
        continue
      }
      const exit = yield* Effect.exit(get)
      if (Exit.isSuccess(exit)) {
        failures = 0
        const next = heldOf(ctx.read())?.access?.refreshAt
        // A token that is due again at once (a server answering tiny lifetimes): do not spin.
        if (next === undefined || next <= (yield* Clock.currentTimeMillis)) yield* backgroundSleep(1_000)
      } else {
        if (ctx.read().closed || Exit.hasInterrupts(exit)) return yield* Effect.interrupt
        failures++
        yield* backgroundSleep(keepWarmBackoff(failures))
      }
    }
  })
