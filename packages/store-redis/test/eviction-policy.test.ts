/**
 * An evicting Redis (`maxmemory-policy allkeys-lru` and friends) may drop the token key: the store
 * refuses it at connect with a typed error naming the policy and what to set, unless
 * `allowEvictingPolicy` accepts the risk. Real redis-servers; where CONFIG is renamed away, the policy
 * is read from INFO; where both are denied, the store proceeds and says so.
 */
import type { StoreError } from "@tangoe-token/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RedisStoreOptions } from "../src/index.ts"
import { failure, run, tokenInput } from "./support/effects.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"
import { storeOpener } from "./support/stores.ts"

let lru: RedisServer
let noConfig: RedisServer
let plain: RedisServer
const opened: Array<{ close: () => Promise<void> }> = []

beforeAll(async () => {
  ;[lru, noConfig, plain] = await Promise.all([
    startRedis({ args: ["--maxmemory-policy", "allkeys-lru"] }),
    startRedis({ args: ["--maxmemory-policy", "allkeys-lfu", "--rename-command", "CONFIG", ""] }),
    startRedis({ args: ["--maxmemory-policy", "noeviction"] }),
  ])
})
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()))
  await Promise.all([lru?.stop(), noConfig?.stop(), plain?.stop()])
})

const openStore = storeOpener(opened)
const makeStore = (server: RedisServer, options: Partial<RedisStoreOptions> = {}) =>
  openStore(server.url, options)

describe("maxmemory-policy", () => {
  it("allkeys-lru is refused: every operation fails with a typed StoreError that says what to set; nothing is written", async () => {
    const store = makeStore(lru)
    const error = (await failure(store.save(tokenInput("a"), undefined))) as StoreError
    expect(error._tag).toBe("StoreError")
    expect(error.reason).toBe("EvictionPolicy")
    expect(error.detail).toBe("allkeys-lru")
    expect(error.retryable).toBe(false)
    expect(error.message).toContain("allkeys-lru")
    expect(error.message).toContain("maxmemory-policy noeviction")
    expect(error.message).toContain("allowEvictingPolicy")
    const load = (await failure(store.load)) as StoreError
    expect(load.reason).toBe("EvictionPolicy")
    expect(load.operation).toBe("load")
    expect(store.evictionPolicy()).toEqual({ policy: "allkeys-lru", source: "CONFIG" })
    expect(await lru.command("EXISTS", store.tokenKey)).toContain(":0")
  })

  it("allkeys-lru is accepted with allowEvictingPolicy: true", async () => {
    const store = makeStore(lru, { allowEvictingPolicy: true })
    const saved = await run(store.save(tokenInput("a"), undefined))
    expect(saved.generation).toBe(1)
    expect((await run(store.load))?.generation).toBe(1)
    expect(store.evictionPolicy()).toEqual({ policy: "allkeys-lru", source: "CONFIG" })
  })

  it("noeviction is fine", async () => {
    const store = makeStore(plain)
    expect(await run(store.load)).toBeUndefined()
    expect((await run(store.save(tokenInput("a"), undefined))).generation).toBe(1)
    expect(store.evictionPolicy()).toEqual({ policy: "noeviction", source: "CONFIG" })
  })

  it("a volatile-* policy is accepted: it evicts only keys with a TTL, and the token key has none", async () => {
    await plain.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru")
    try {
      const store = makeStore(plain)
      expect((await run(store.save(tokenInput("a"), undefined))).generation).toBe(1)
      expect(store.evictionPolicy()).toEqual({ policy: "volatile-lru", source: "CONFIG" })
      expect(await plain.command("TTL", store.tokenKey)).toContain(":-1")
    } finally {
      await plain.command("CONFIG", "SET", "maxmemory-policy", "noeviction")
    }
  })

  it("with CONFIG renamed away, the policy is read from INFO memory and allkeys-lfu is refused", async () => {
    const store = makeStore(noConfig)
    const error = (await failure(store.load)) as StoreError
    expect(error.reason).toBe("EvictionPolicy")
    expect(error.message).toContain("allkeys-lfu")
    expect(store.evictionPolicy()).toEqual({ policy: "allkeys-lfu", source: "INFO" })
  })

  it("when neither CONFIG nor INFO may be read, the store proceeds and says so (policy unreadable, a process warning)", async () => {
    await plain.command(
      "ACL",
      "SETUSER",
      "limited",
      "on",
      ">limited-pass",
      "~*",
      "&*",
      "+@all",
      "-config",
      "-info",
    )
    const warnings: Array<Error> = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on("warning", onWarning)
    try {
      const store = makeStore(plain, { username: "limited", password: "limited-pass" })
      expect((await run(store.save(tokenInput("a"), undefined))).generation).toBe(1)
      expect(store.evictionPolicy()).toEqual({ policy: undefined, source: "unreadable" })
      // the warning is emitted on the next tick
      await new Promise((resolve) => setImmediate(resolve))
      const warning = warnings.find((w) => (w as { code?: string }).code === "TANGOE_REDIS_POLICY_UNKNOWN")
      expect(warning?.message).toContain("noeviction")
      expect(warning?.message).not.toContain("limited-pass")
    } finally {
      process.off("warning", onWarning)
    }
  })
})
