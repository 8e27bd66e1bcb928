/**
 * The memory store's refresh lock, with two faces: fibers take it with `withLock` (an effect's
 * Semaphore), and a caller outside any fiber tries it in its own step with `lockNow` (the token
 * manager's flight without a fiber: manager/directFlight.ts), without running an effect.
 *
 * `lockNow` succeeds only while no fiber holds the lock or waits for it; a fiber that takes the
 * Semaphore while a `lockNow` holder runs waits for its release before its own work starts. So at
 * most one of them runs its work at a time, and fibers queue as they always did.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Semaphore from "effect/Semaphore"
import type { LockNow } from "./syncFace.ts"

export interface MemoryLock {
  readonly withLock: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  readonly lockNow: LockNow
}

export const makeMemoryLock = (): MemoryLock => {
  const semaphore = Semaphore.makeUnsafe(1)
  /** Fibers holding or waiting for the lock. */
  let fibers = 0
  /** Whether a caller outside any fiber holds it. */
  let heldNow = false
  /** Opened when that caller releases it, made only once a fiber waits for it. */
  let released: Deferred.Deferred<void> | undefined
  const release = () => {
    heldNow = false
    if (released !== undefined) {
      Deferred.doneUnsafe(released, Exit.void)
      released = undefined
    }
  }
  const awaitRelease = Effect.suspend(() => {
    if (!heldNow) return Effect.void
    released ??= Deferred.makeUnsafe<void>()
    return Deferred.await(released)
  })
  return {
    withLock: (effect) =>
      // Counted and uncounted in one uninterruptible step each: an interruption cannot leave it counted.
      Effect.uninterruptibleMask((restore) => {
        fibers++
        return Effect.ensuring(
          restore(semaphore.withPermit(Effect.andThen(awaitRelease, effect))),
          Effect.sync(() => {
            fibers--
          }),
        )
      }),
    lockNow: () => {
      if (heldNow || fibers > 0) return undefined
      heldNow = true
      return release
    },
  }
}
