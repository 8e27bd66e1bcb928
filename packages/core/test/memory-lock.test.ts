/**
 * The memory store's refresh lock with two faces (`internal/store/memoryLock.ts`): fibers take it with
 * `withLock`, the flight without a fiber with `lockNow`. At most one of them runs its work at a time.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { assert, describe, it } from "vitest"
import { makeMemoryLock } from "../src/internal/store/memoryLock.ts"

/** A fiber that records when its work runs, started now (it runs until it first waits). */
const work = (lock: ReturnType<typeof makeMemoryLock>, log: Array<string>, name: string) =>
  Effect.runFork(
    lock.withLock(
      Effect.sync(() => {
        log.push(name)
      }),
    ),
  )

/** The lock is free: lockNow takes it (and gives it back). */
const assertFree = (lock: ReturnType<typeof makeMemoryLock>) => {
  const release = lock.lockNow()
  assert.isFunction(release)
  release?.()
}

describe("the memory store's lock", () => {
  it("runs a fiber's work at once when nothing holds it, and lockNow is refused while a fiber holds it", async () => {
    const lock = makeMemoryLock()
    const log: Array<string> = []
    // Not waiting: the work ran in the fiber's first step.
    await Effect.runPromise(Fiber.join(work(lock, log, "first")))
    assert.deepStrictEqual(log, ["first"])
    let insideNow: ReturnType<typeof lock.lockNow> | "not tried" = "not tried"
    await Effect.runPromise(
      lock.withLock(
        Effect.sync(() => {
          insideNow = lock.lockNow()
        }),
      ),
    )
    assert.strictEqual(insideNow, undefined)
    // Free again once the fiber is done.
    assertFree(lock)
  })

  it("makes a fiber wait while lockNow holds it, and runs it once released", async () => {
    const lock = makeMemoryLock()
    const log: Array<string> = []
    const release = lock.lockNow()
    assert.isFunction(release)
    // A second lockNow is refused while the first holds it.
    assert.strictEqual(lock.lockNow(), undefined)
    const waiting = work(lock, log, "fiber")
    const other = work(lock, log, "second fiber")
    // Each fiber ran until it waited: neither's work has run.
    assert.deepStrictEqual(log, [])
    // A fiber waits: lockNow stays refused even once the first holder is gone.
    release?.()
    assert.strictEqual(lock.lockNow(), undefined)
    await Effect.runPromise(Fiber.join(waiting))
    await Effect.runPromise(Fiber.join(other))
    assert.deepStrictEqual(log, ["fiber", "second fiber"])
    assertFree(lock)
  })

  it("a fiber interrupted while it waits gives the lock back", async () => {
    const lock = makeMemoryLock()
    const log: Array<string> = []
    const release = lock.lockNow()
    const waiting = work(lock, log, "interrupted")
    const exit = await Effect.runPromise(Fiber.interrupt(waiting).pipe(Effect.andThen(Fiber.await(waiting))))
    assert.isTrue(Exit.hasInterrupts(exit))
    release?.()
    assert.deepStrictEqual(log, [])
    assertFree(lock)
  })
})
