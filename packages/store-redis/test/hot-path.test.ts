/**
 * Core's Promise client on the Redis store, in this process: a valid cached access token costs
 * no Redis round trip, and keeps being served while Redis is down, even past the refresh-ahead
 * point; once it expires the caller gets a clear StoreError, and the same client recovers when
 * Redis is back.
 */
import type { TokenClient } from "@tangoe-token/core"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import type { RedisTokenStore } from "../src/index.ts"
import { defined, sleep } from "./support/effects.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"
import { simulatorClients } from "./support/stores.ts"

let server: RedisServer
let sim: Simulator
const closing: Array<() => Promise<void>> = []

beforeAll(async () => {
  server = await startRedis({ durable: true })
  sim = await startSimulator({ accessTokenLifetime: 60 })
})
afterAll(async () => {
  for (const close of closing.reverse()) await close()
  await sim.close()
  await server.stop()
})

const open = simulatorClients(() => sim, "hot", closing)
const clientOn = (options: { refreshAhead: number }): { client: TokenClient; store: RedisTokenStore } =>
  open(server.url, {
    store: { connectTimeout: 1_000, reconnectDelay: { max: 200 } },
    client: { refreshAhead: options.refreshAhead },
  })

const commandsProcessed = async () => {
  const raw = await server.raw()
  const info = await raw.info("stats")
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1])
}

describe("the hot path stays local", () => {
  it("1000 calls with a valid cached token send no command to Redis", async () => {
    const { client } = clientOn({ refreshAhead: 1_000 })
    const first = await client.getAccessToken()
    const before = await commandsProcessed()
    const tokens = new Set<string>()
    for (let i = 0; i < 1_000; i++) tokens.add(await client.getAccessToken())
    await Promise.all(Array.from({ length: 100 }, async () => tokens.add(await client.getAccessToken())))
    const after = await commandsProcessed()
    expect([...tokens]).toEqual([first])
    // The only commands between the two readings are the readings themselves (INFO).
    expect(after - before).toBeLessThanOrEqual(2)
  })

  it("Redis down: a valid token keeps being served (even past refresh-ahead); expired, a clear StoreError; back, recovery", {
    timeout: 180_000,
  }, async () => {
    // The token's life is read from `Date`, and only `Date` is moved: Redis, sockets and timers run
    // in real time, so a slow machine cannot make the token expire before Redis is down.
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true })
    try {
      // A 60 s token refreshed 30 s ahead: due 30 s after issue, expires at 60 s.
      const { client } = clientOn({ refreshAhead: 30_000 })
      const token = await client.getAccessToken()
      const issuedAt = Date.now()
      const requests = sim.stats().tokenRequests
      await server.kill()
      vi.setSystemTime(issuedAt + 40_000)
      const served: string[] = []
      for (let i = 0; i < 3; i++) served.push(await client.getAccessToken())
      // Past the refresh-ahead point the refresh could not take the lock: the valid token is served.
      expect(served).toEqual([token, token, token])
      expect(sim.stats().tokenRequests).toBe(requests)
      expect(client.status().lastError?._tag).toBe("StoreError")
      vi.setSystemTime(issuedAt + 61_000)
      const error = await client.getAccessToken().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ _tag: "StoreError" })
      expect((error as Error).message).toContain(`redis://127.0.0.1:${server.port}/0`)
      await server.start()
      const restartedAt = performance.now()
      let fresh: string | undefined
      for (let attempt = 0; fresh === undefined && attempt < 1_200; attempt++) {
        fresh = await client.getAccessToken().catch(async () => {
          await sleep(50)
          return undefined
        })
      }
      console.log(
        `in-process client recovered ${Math.round(performance.now() - restartedAt)} ms after Redis came back`,
      )
      expect(fresh).toBeDefined()
      expect(fresh).not.toBe(token)
      expect(sim.isAccessTokenValid(defined(fresh))).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})
