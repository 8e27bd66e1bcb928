/**
 * The refresh lock on a real redis-server, across clients and OS processes: exclusivity, lease
 * expiry of a killed holder, release only by the owner, renewal while a slow refresh runs, and
 * fencing of a holder whose lease ran out.
 */
import { fileURLToPath } from "node:url"
import type { StoreError } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisStoreOptions, redisStore } from "../src/index.ts"
import { defined, failure, run, sleep, timedStoreFailure, tokenInput } from "./support/effects.ts"
import { type Child, startChild } from "./support/processes.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"

const worker = fileURLToPath(new URL("./fixtures/lock-worker.ts", import.meta.url))

let server: RedisServer
const opened: Array<{ close: () => Promise<void> }> = []
const children: Child[] = []

beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await Promise.all(children.map((child) => child.kill()))
  await Promise.all(opened.map((store) => store.close()))
  await server.stop()
})

let counter = 0
const makeStore = (namespace: string, options: Partial<RedisStoreOptions> = {}) => {
  const store = redisStore({ url: server.url, environment: "qa", clientId: "lock", namespace, ...options })
  opened.push(store)
  return store
}
const fresh = () => `lock-${++counter}`

/** A one-shot barrier: `promise` resolves once `resolve` is called. */
const latch = () => {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve: () => resolve() }
}

/** A child process that holds the lock of `namespace` with `leaseMs`, once it printed `locked`. */
const holdInChild = async (namespace: string, leaseMs: number): Promise<Child> => {
  const child = startChild(worker, [server.url, namespace, String(leaseMs)])
  children.push(child)
  await child.line((line) => line === "locked")
  return child
}

describe("refresh lock", () => {
  it("excludes: of two clients x 10 fibers, one runs at a time", async () => {
    const ns = fresh()
    const a = makeStore(ns)
    const b = makeStore(ns)
    let inside = 0
    let most = 0
    let runs = 0
    const critical = Effect.gen(function* () {
      inside++
      most = Math.max(most, inside)
      yield* Effect.promise(() => sleep(10))
      runs++
      inside--
    })
    await run(
      Effect.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).withRefreshLock(critical)),
        { concurrency: "unbounded" },
      ),
    )
    expect(runs).toBe(20)
    expect(most).toBe(1)
    const raw = await server.raw()
    expect(await raw.exists(a.lockKey)).toBe(0)
  })

  it("a waiter times out with LockTimeout naming the holder's pid, and gets the lock once it is free", async () => {
    const ns = fresh()
    const child = await holdInChild(ns, 5_000)
    const waiter = makeStore(ns, { lockTimeout: 300 })
    const started = Date.now()
    const error = (await failure(waiter.withRefreshLock(Effect.void))) as StoreError
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(error).toMatchObject({ _tag: "StoreError", reason: "LockTimeout", operation: "lock" })
    expect(error.holder?.pid).toBe(child.process.pid)
    expect(error.message).toContain(`pid ${child.process.pid}`)
    child.process.stdin?.write("done\n")
    await child.exited
    expect(await run(makeStore(ns, { lockTimeout: 30_000 }).withRefreshLock(Effect.succeed("got it")))).toBe(
      "got it",
    )
  })

  it("lockTimeout also bounds the wait behind another fiber of the same process", async () => {
    const store = makeStore(fresh(), { lockTimeout: 300 })
    // Barriers, not delays: the first fiber holds the lock from `entered` until the test releases it,
    // after the waiter gave up, so the waiter's wait can only end by its own timeout.
    const entered = latch()
    const release = latch()
    const holding = run(
      store.withRefreshLock(
        Effect.promise(() => {
          entered.resolve()
          return release.promise
        }),
      ),
    )
    await entered.promise
    const [error, ms] = await timedStoreFailure(store.withRefreshLock(Effect.void)).finally(() =>
      release.resolve(),
    )
    expect(error).toMatchObject({ reason: "LockTimeout", operation: "lock" })
    expect(ms).toBeGreaterThanOrEqual(250)
    // Bounded: the holder never lets go before the waiter gives up, so without the timeout this
    // wait would not end at all. (The margin is for a starved machine, not a speed claim.)
    expect(ms).toBeLessThan(10_000)
    await holding
  })

  it("a holder killed with SIGKILL loses the lock when its lease runs out, not before; a waiter then takes it", async () => {
    const ns = fresh()
    const leaseMs = 1_000
    const child = await holdInChild(ns, leaseMs)
    const waiter = makeStore(ns, { lockTimeout: 30_000 })
    const raw = await server.raw()
    // Timed from before the lease's remaining life is read: the waiter cannot get in earlier.
    const readAt = performance.now()
    const remainingMs = await raw.pTTL(waiter.lockKey)
    expect(remainingMs).toBeGreaterThan(0)
    await child.kill()
    // Nobody releases the dead holder's lock: only the lease's expiry lets the waiter in, well
    // inside its 30 s lock timeout (a lease that never ran out would end in LockTimeout).
    await run(waiter.withRefreshLock(Effect.void))
    const tookMs = performance.now() - readAt
    expect(tookMs).toBeGreaterThanOrEqual(remainingMs - 5)
    console.log(
      `waiter got the lock ${Math.round(tookMs - remainingMs)} ms after the dead holder's lease ran out`,
    )
  })

  it("renews the lease while a slow refresh runs (3 x the lease), and nobody else gets in", async () => {
    const ns = fresh()
    // Redis expires a lease in real time, so a renewal that comes late loses it. Renewed every third
    // of the lease, a 5 s lease survives a 3.3 s stall of this process (two CI runs on one 2-core
    // machine stall it for over a second; a 300 ms lease did not survive a busy machine).
    const leaseMs = 5_000
    const holder = makeStore(ns, { lockLease: leaseMs })
    const other = makeStore(ns, { lockTimeout: 100 })
    const raw = await server.raw()
    const seen: number[] = []
    let intruded = 0
    await run(
      holder.withRefreshLock(
        Effect.promise(async () => {
          const until = Date.now() + 3 * leaseMs
          while (Date.now() < until) {
            seen.push(await raw.pTTL(holder.lockKey))
            const exit = await run(Effect.exit(other.withRefreshLock(Effect.void)))
            if (exit._tag === "Success") intruded++
          }
        }),
      ),
    )
    expect(intruded).toBe(0)
    expect(seen.length).toBeGreaterThan(3)
    expect(Math.min(...seen)).toBeGreaterThan(0)
    expect(await raw.exists(holder.lockKey)).toBe(0)
  })

  it("releases only its own lock: a holder whose lock was taken over does not delete the new owner's", async () => {
    const ns = fresh()
    const holder = makeStore(ns, { lockLease: 5_000 })
    const raw = await server.raw()
    await run(
      holder.withRefreshLock(
        Effect.promise(async () => {
          // The lease ran out and another process took the lock.
          await raw.set(holder.lockKey, "someone-else", { PX: 5_000 })
        }),
      ),
    )
    expect(await raw.get(holder.lockKey)).toBe("someone-else")
    await raw.del(holder.lockKey)
  })

  it("fencing: a holder paused past its lease (SIGSTOP) cannot save once another process holds the lock", async () => {
    const ns = fresh()
    const store = makeStore(ns, { lockTimeout: 10_000 })
    const seed = await run(store.save({ refreshToken: Redacted.make("rt-seed") }, undefined))
    const child = await holdInChild(ns, 400)
    child.process.kill("SIGSTOP")
    const raw = await server.raw()
    let newOwner: string | null = null
    const outcome = await run(
      store.withRefreshLock(
        Effect.promise(async () => {
          newOwner = await raw.get(store.lockKey)
          child.process.kill("SIGCONT")
          child.process.stdin?.write("save rt-seed rt-from-paused-holder\n")
          return JSON.parse(await child.line((line) => line.startsWith("{")))
        }),
      ),
    )
    expect(outcome).toMatchObject({ tag: "StoreError", detail: "lease lost" })
    const stored = await run(store.load)
    expect(Redacted.value(defined(stored).refreshToken)).toBe("rt-seed")
    expect(defined(stored).generation).toBe(seed.generation)
    expect(newOwner).not.toBeNull()
    expect(await child.exited).toBe(0)
    // The paused holder's release did not delete the lock we held meanwhile (we released it ourselves).
    expect(await raw.exists(store.lockKey)).toBe(0)
  })

  it("fencing: the fenced save's error says what happened and what to do", async () => {
    const ns = fresh()
    const store = makeStore(ns, { lockLease: 5_000 })
    const seed = await run(store.save(tokenInput("f"), undefined))
    const raw = await server.raw()
    const error = (await failure(
      store.withRefreshLock(
        Effect.gen(function* () {
          yield* Effect.promise(() => raw.set(store.lockKey, "new-owner", { PX: 5_000 }))
          return yield* store.save(tokenInput("g"), seed.refreshToken)
        }),
      ),
    )) as StoreError
    expect(error).toMatchObject({
      _tag: "StoreError",
      operation: "save",
      reason: "LockTimeout",
      detail: "lease lost",
    })
    expect(error.message).toContain("lease expired")
    expect(error.retryable).toBe(true)
    await raw.del(store.lockKey)
    // Outside the lock the same save is a plain compare-and-set: it succeeds.
    expect((await run(store.save(tokenInput("g"), seed.refreshToken))).generation).toBe(2)
  })

  it("a save under an expired lease that nobody took is a plain compare-and-set (nothing newer to protect)", async () => {
    const ns = fresh()
    const store = makeStore(ns, { lockLease: 5_000 })
    const seed = await run(store.save(tokenInput("e"), undefined))
    const raw = await server.raw()
    const saved = await run(
      store.withRefreshLock(
        Effect.gen(function* () {
          yield* Effect.promise(() => raw.del(store.lockKey))
          return yield* store.save(tokenInput("e2"), seed.refreshToken)
        }),
      ),
    )
    expect(saved.generation).toBe(2)
  })
})
