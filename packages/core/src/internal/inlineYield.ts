/**
 * An effect whose `yield*` in `Effect.gen` hands the generator the answer of `thunk` directly. When
 * the answer is an `Exit` (a cached token, a closed manager), Effect's generator loop takes it inline,
 * without a step of the run loop; any other effect (a refresh) is run as usual. Run by itself (not
 * through `yield*`), the effect is `Effect.suspend(thunk)`: the same answer either way.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import { SingleShotGen } from "effect/Utils"

export const inlineYield = <A, E, R>(thunk: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const effect = Effect.suspend(thunk)
  Object.defineProperty(effect, Symbol.iterator, {
    value: () => new SingleShotGen(thunk()),
  })
  return effect
}
