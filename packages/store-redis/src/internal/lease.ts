/**
 * The refresh lock: a Redis key set with `SET NX PX` to a random owner value, so that of many
 * processes and hosts one refreshes at a time.
 *
 * - Acquire: try `SET NX PX lease`; while another owner holds it, poll (jittered, 20–100 ms)
 *   until `lockTimeout`. A holder that died stops renewing and loses the lock when its lease
 *   runs out; the next poll after that takes it.
 * - Renew: while the effect runs, a fiber extends the lease every third of it, only if the
 *   value is still ours (a compare-and-`PEXPIRE` script). A renewal that finds the lock gone
 *   marks the lease lost; from then on a save under it is fenced by the save script.
 * - Release: a compare-and-`DEL` script, so a process never deletes another owner's lock. A
 *   release that cannot reach Redis is dropped: the lease runs out by itself.
 *
 * Fibers of one process first take turns on an in-process semaphore, so only one of them
 * polls Redis at a time; `lockTimeout` bounds both waits together.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { hostname } from "node:os"
import type { StoreError } from "@tangoe-token/core"
import { realSleep } from "@tangoe-token/core/store"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Semaphore from "effect/Semaphore"
import type { Connection } from "./connection.ts"
import { RELEASE, RENEW, runScript } from "./scripts.ts"
import type { StoreErrorFields } from "./storeError.ts"

/** A held lock: its key and our owner value. */
export interface Lease {
  readonly lockKey: string
  readonly value: string
}

/**
 * The lease the current fiber holds, if any: set by `withRefreshLock` for the effect it runs, so
 * that `save` can pass the owner value to the fencing check without the caller's help.
 */
export const CurrentLease = Context.Reference<ReadonlyArray<Lease>>(
  "@tangoe-token/store-redis/CurrentLease",
  {
    defaultValue: () => [],
  },
)

/** What the lock value says about its holder (all secret-free). */
interface LockValue {
  readonly owner: string
  readonly pid: number
  readonly host: string
  readonly at: number
}

const parseHolder = (value: unknown): LockValue | undefined => {
  if (typeof value !== "string") return undefined
  try {
    const parsed: unknown = JSON.parse(value)
    if (typeof parsed === "object" && parsed !== null && "owner" in parsed) return parsed as LockValue
  } catch {
    // A lock value written by something else: the holder is unknown.
  }
  return undefined
}

/** Settings of the lock of one store. */
export interface LockSettings {
  readonly connection: Connection
  readonly lockKey: string
  readonly leaseMs: number
  readonly timeoutMs: number
  readonly error: (fields: StoreErrorFields) => StoreError
}

/** `withRefreshLock` for one store. */
export const makeRefreshLock = (settings: LockSettings) => {
  const { connection, lockKey, leaseMs, timeoutMs } = settings
  const local = Semaphore.makeUnsafe(1)

  const tryAcquire = (value: string) =>
    Effect.map(
      connection.send("lock", ["SET", lockKey, value, "NX", "PX", String(leaseMs)]),
      (reply) => reply === "OK",
    )

  const timeoutError = Effect.gen(function* () {
    const holder = parseHolder(
      yield* Effect.orElseSucceed(connection.send("lock", ["GET", lockKey]), () => undefined),
    )
    return settings.error({
      operation: "lock",
      reason: "LockTimeout",
      detail: `waited ${timeoutMs} ms`,
      holder: {
        pid: holder?.pid,
        hostname: holder?.host,
        heldForMs: holder === undefined ? 0 : Math.max(0, Date.now() - holder.at),
      },
    })
  })

  /** Polls with a jittered, growing delay until `attempt` succeeds or `deadline` passes. */
  const poll = <E>(attempt: Effect.Effect<boolean, E>, deadline: number): Effect.Effect<boolean, E> =>
    Effect.gen(function* () {
      let delay = 20
      for (;;) {
        if (yield* attempt) return true
        const left = deadline - Date.now()
        if (left <= 0) return false
        yield* Effect.interruptible(realSleep(Math.min(delay * (0.5 + Math.random()), left)))
        delay = Math.min(delay * 1.5, 100)
      }
    })

  /** Our turn among this process's fibers (so that only one of them polls Redis). */
  const takeLocal = (deadline: number) =>
    Effect.flatMap(poll(local.takeIfAvailable(1), deadline), (taken) =>
      taken ? Effect.void : Effect.flip(timeoutError),
    )

  const acquire = (deadline: number) =>
    Effect.gen(function* () {
      const value = JSON.stringify({
        owner: randomBytes(16).toString("hex"),
        pid: process.pid,
        host: hostname(),
        at: Date.now(),
      } satisfies LockValue)
      if (yield* poll(tryAcquire(value), deadline)) return { lockKey, value } satisfies Lease
      return yield* Effect.flip(timeoutError)
    })

  const renew = (lease: Lease) =>
    Effect.gen(function* () {
      const every = Math.max(10, Math.floor(leaseMs / 3))
      for (;;) {
        yield* realSleep(every)
        const reply = yield* Effect.orElseSucceed(
          runScript(connection, "lock", RENEW, [lockKey], [lease.value, String(leaseMs)]),
          () => undefined,
        )
        if (reply === 0) {
          yield* Effect.logWarning(
            `token store refresh lock ${lockKey}: the lease ran out before it could be renewed; another process may take the lock and refresh now; a save under this lease is refused once it has`,
          )
          return
        }
      }
    })

  const release = (lease: Lease) =>
    Effect.ignore(runScript(connection, "lock", RELEASE, [lockKey], [lease.value]))

  return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreError, R> =>
    Effect.suspend(() => {
      const deadline = Date.now() + timeoutMs
      return Effect.acquireUseRelease(
        takeLocal(deadline),
        () =>
          Effect.acquireUseRelease(
            Effect.flatMap(acquire(deadline), (lease) =>
              Effect.map(Effect.forkChild(Effect.interruptible(renew(lease))), (renewal) => ({
                lease,
                renewal,
              })),
            ),
            ({ lease }) => Effect.updateService(effect, CurrentLease, (held) => [...held, lease]),
            ({ lease, renewal }) => Effect.andThen(Fiber.interrupt(renewal), release(lease)),
          ),
        () => local.release(1),
      )
    })
}
