/**
 * Redis unreachable, at start and in the middle of a run: operations fail at once with a clear
 * StoreError naming the URL without its password, nothing hangs, and the same store recovers
 * when Redis comes back (no restart). Nothing secret appears in any error.
 */
import { type AddressInfo, createServer, type Socket } from "node:net"
import { inspect } from "node:util"
import type { StoreError } from "@tangoe-token/core"
import { freePort } from "@tangoe-token/test-support/ports"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, describe, expect, it } from "vitest"
import { redisStore } from "../src/index.ts"
import { defined, failure, run, sleep, timedStoreFailure, tokenInput } from "./support/effects.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"

const PASSWORD = "redis-pw-7f3a9c1e5b"
const servers: RedisServer[] = []
const opened: Array<{ close: () => Promise<void> }> = []
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()))
  await Promise.all(servers.map((server) => server.stop()))
})

/** Every way an error may be shown. */
const shown = (e: unknown) =>
  [
    String(e),
    (e as Error).message,
    (e as Error).stack ?? "",
    inspect(e, { depth: 5 }),
    JSON.stringify(e),
  ].join("\n")

/** Polls `load` until it succeeds; returns how long that took. */
const untilLoads = async (store: { load: Effect.Effect<unknown, unknown> }, ms: number): Promise<number> => {
  const started = Date.now()
  while (Date.now() - started < ms) {
    const exit = await run(Effect.exit(store.load))
    if (exit._tag === "Success") return Date.now() - started
    await sleep(50)
  }
  throw new Error(`the store did not recover within ${ms} ms`)
}

const recoveries: Record<string, number> = {}

describe("Redis unreachable", () => {
  it("down at start: a clear, immediate StoreError without the password; recovers when Redis starts", async () => {
    const port = await freePort()
    const store = redisStore({
      url: `redis://tangoe:${PASSWORD}@127.0.0.1:${port}/0`,
      environment: "qa",
      clientId: "outage-start",
      // "Immediate" means not waiting out the connect timeout: a minute here, so a slow machine's
      // few seconds cannot be mistaken for it.
      connectTimeout: 60_000,
    })
    opened.push(store)
    const [error, ms] = await timedStoreFailure(store.load)
    expect(ms).toBeLessThan(20_000)
    expect(error).toMatchObject({ _tag: "StoreError", operation: "load", reason: "Io" })
    expect(error.message).toContain(`redis://tangoe@127.0.0.1:${port}/0`)
    expect(error.message).toContain("ECONNREFUSED")
    expect(error.message).toMatch(/check that Redis is running/)
    expect(shown(error)).not.toContain(PASSWORD)
    // Further calls while down fail at once, too (no offline queue).
    const again = Date.now()
    await failure(store.save(tokenInput("down"), undefined))
    expect(Date.now() - again).toBeLessThan(20_000)

    // Down for a while, so the reconnect backoff has grown (default: 100 ms doubling to 2 s, jittered).
    await sleep(2_500)
    const server = await startRedis({
      port,
      args: ["--user", "tangoe", "on", `>${PASSWORD}`, "~*", "&*", "+@all"],
    })
    servers.push(server)
    const backAt = Date.now()
    recoveries.downAtStart = await untilLoads(store, 60_000)
    // The reconnect backoff is capped (2 s by default): recovery comes within a few of its steps, not
    // after the caller's 60 s bound above. The figure itself is printed with the others.
    expect(Date.now() - backAt).toBeLessThan(10_000)
    expect((await run(store.save(tokenInput("up"), undefined))).generation).toBe(1)
  })

  it("killed mid-run: calls fail fast instead of hanging; with appendonly the token survives the restart", async () => {
    const server = await startRedis({ durable: true })
    servers.push(server)
    const store = redisStore({
      url: server.url,
      environment: "qa",
      clientId: "outage-mid",
      reconnectDelay: { max: 1_000 },
      connectTimeout: 60_000,
    })
    opened.push(store)
    const first = await run(store.save(tokenInput("before"), undefined))
    await server.kill()
    const results = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const started = Date.now()
        const exit = await run(Effect.exit(store.load))
        return { ms: Date.now() - started, failed: exit._tag === "Failure" }
      }),
    )
    for (const result of results) {
      expect(result.failed).toBe(true)
      // Failing fast, not hanging or waiting out the minute-long connect timeout.
      expect(result.ms).toBeLessThan(20_000)
    }
    const lockError = (await failure(store.withRefreshLock(Effect.void))) as StoreError
    expect(lockError).toMatchObject({ operation: "lock", reason: "Io" })
    await server.start()
    recoveries.restart = await untilLoads(store, 10_000)
    const loaded = await run(store.load)
    expect(Redacted.value(defined(loaded).refreshToken)).toBe(Redacted.value(first.refreshToken))
    expect((await run(store.save(tokenInput("after"), first.refreshToken))).generation).toBe(2)
  })

  it("a wrong password: a StoreError that names the URL and the reply code, never the password", async () => {
    const server = await startRedis({ password: PASSWORD })
    servers.push(server)
    const store = redisStore({
      url: `redis://127.0.0.1:${server.port}`,
      password: Redacted.make(`${PASSWORD}-wrong`),
      environment: "qa",
      clientId: "outage-auth",
    })
    opened.push(store)
    const error = (await failure(store.load)) as StoreError
    expect(error.reason).toBe("Io")
    expect(error.message).toMatch(/WRONGPASS|NOAUTH|ERR/)
    expect(shown(error)).not.toContain(PASSWORD)
    const right = redisStore({
      url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`,
      environment: "qa",
      clientId: "outage-auth",
    })
    opened.push(right)
    expect(await run(right.load)).toBeUndefined()
  })

  it("a server that accepts connections but never answers: calls fail after connectTimeout, never hang", async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => {
      sockets.push(socket)
    })
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const port = (silent.address() as AddressInfo).port
    const store = redisStore({
      url: `redis://127.0.0.1:${port}`,
      environment: "qa",
      clientId: "silent",
      connectTimeout: 500,
    })
    opened.push(store)
    try {
      for (const effect of [store.load, store.save(tokenInput("s"), undefined)]) {
        const [error, ms] = await timedStoreFailure(effect)
        expect(error).toMatchObject({ _tag: "StoreError", reason: "Io" })
        // 500 ms connect timeout; the bug would be a hang (no bound at all).
        expect(ms).toBeLessThan(20_000)
      }
    } finally {
      await store.close()
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  it("reports the recovery times", () => {
    // Printed for the report; bounded above by the tests' own limits.
    console.log(`recovery after Redis came back: ${JSON.stringify(recoveries)} ms`)
    expect(Object.keys(recoveries)).toHaveLength(2)
  })
})
