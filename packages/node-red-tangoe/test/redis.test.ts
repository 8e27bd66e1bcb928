/**
 * A `tangoe-credentials` node with a Redis URL, inside Node-RED's runtime
 * (node-red-node-test-helper; the suite runs on Node-RED 5.0 and 4.1, see vitest.config.mts),
 * against the PingFederate simulator and a real redis-server with a password: tokens come from
 * the shared Redis store (not the side file), a restarted flow adopts what is in Redis, the
 * connection is closed with the node, and a bad URL or password is a clear, secret-free error.
 */
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import { redisStore } from "@tangoe-token/store-redis"
import { type RedisServer, startRedis } from "@tangoe-token/test-support/redisServer"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { redisStoreKey } from "../src/internal/redisStore.ts"
import tangoe from "../src/tangoe.ts"
import { outAndCaughtHelpers, simulatorCredentialsNode } from "./support/flows.ts"
import { useHelperRuntime } from "./support/helperSuite.ts"
import { helper, NODE_RED_PACKAGE, nodeRedVersion, type TestNode } from "./support/nodeRed.ts"
import { waitFor } from "./support/watchNodes.ts"

const PASSWORD = `nr-redis-pw-${randomBytes(8).toString("hex")}`
const CONFIG = "cfg1"
const TOKEN = "tok1"

let sim: Simulator
let redis: RedisServer
let userDir: string
let redisUrl: string

useHelperRuntime("tangoe-nr-redis-", {
  simulator: (started) => {
    sim = started
  },
  userDir: (dir) => {
    userDir = dir
  },
})
beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD })
  redisUrl = `redis://:${PASSWORD}@127.0.0.1:${redis.port}/0`
})
afterAll(async () => {
  await redis?.stop()
})

const flow = () => [
  { id: "f1", type: "tab", label: "redis" },
  simulatorCredentialsNode(CONFIG, sim.tokenUrl),
  { id: TOKEN, z: "f1", type: "tangoe token", account: CONFIG, wires: [["out"]] },
  ...outAndCaughtHelpers(),
]

const newClient = (overrides: object = {}) => {
  const c = sim.addClient()
  return {
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    refreshToken: c.refreshToken,
    redisUrl,
    ...overrides,
  }
}
type Client = ReturnType<typeof newClient>

/** Sends a message into the token node; resolves with what comes out, or what a catch node got. */
const pass = async (
  msg: object,
): Promise<{ out?: Record<string, unknown>; caught?: Record<string, unknown> }> => {
  const seen: Array<{ out?: Record<string, unknown>; caught?: Record<string, unknown> }> = []
  ;(helper.getNode("out") as TestNode).on("input", (m) => seen.push({ out: m }))
  ;(helper.getNode("caught") as TestNode).on("input", (m) => seen.push({ caught: m }))
  helper.getNode(TOKEN)?.receive(msg)
  await waitFor(() => seen.length > 0, "the message out or caught")
  return seen[0] as { out?: Record<string, unknown>; caught?: Record<string, unknown> }
}

const accessTokenOf = (out: Record<string, unknown> | undefined): string =>
  String((out?.headers as Record<string, string> | undefined)?.Authorization).replace(/^Bearer /, "")

/** The record in Redis, read as the node stores it (same key, same derived encryption key). */
const stored = async (client: Client) => {
  const store = redisStore({
    url: redisUrl,
    environment: { tokenUrl: sim.tokenUrl },
    clientId: client.clientId,
    encryptionKey: Redacted.make(redisStoreKey(client.clientId, client.clientSecret)),
  })
  try {
    const record = await Effect.runPromise(store.load)
    return record && { refreshToken: Redacted.value(record.refreshToken), generation: record.generation }
  } finally {
    await store.close()
  }
}

const connectedClients = async (): Promise<number> =>
  Number(/connected_clients:(\d+)/.exec(await redis.command("INFO", "clients"))?.[1])

describe(`a Redis URL on tangoe-credentials, ${NODE_RED_PACKAGE} ${nodeRedVersion}`, () => {
  it("gets tokens through the shared Redis store (no side file); a restarted flow adopts them; close ends the connection", async () => {
    const client = newClient()
    await helper.load(tangoe, flow(), { [CONFIG]: client })
    const first = await pass({ payload: 1 })
    const token = accessTokenOf(first.out)
    expect(sim.isAccessTokenValid(token)).toBe(true)
    const record = await stored(client)
    expect(record?.generation).toBe(1)
    expect(sim.isLive(record?.refreshToken ?? "")).toBe(true)
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(existsSync(join(userDir, "tangoe-token", `${CONFIG}.json`))).toBe(false)
    const key = /tangoe-token:\{[^}\r\n]+\}:token/.exec(await redis.command("KEYS", "tangoe-token:*"))?.[0]
    const data = await redis.command("HGET", key ?? "?", "data")
    expect(data).toContain('"encrypted"')
    expect(data).not.toContain(record?.refreshToken ?? "?")

    // Another runtime (here: the same flow loaded again) finds the token in Redis: no token request.
    await helper.unload()
    const before = sim.stats().tokenRequests
    await helper.load(tangoe, flow(), { [CONFIG]: client })
    const again = await pass({ payload: 2 })
    expect(accessTokenOf(again.out)).toBe(token)
    expect(sim.stats().tokenRequests).toBe(before)
    expect(sim.stats().errors.invalid_grant ?? 0).toBe(0)

    // Closing the flow quits the node's Redis connection.
    const open = await connectedClients()
    await helper.unload()
    const until = Date.now() + 60_000
    let now = await connectedClients()
    while (now >= open && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50))
      now = await connectedClients()
    }
    expect(now).toBe(open - 1)
  })

  it("refuses an unusable URL as NotConfigured (redisUrl) and a wrong password as StoreError, never showing them", async () => {
    const wrong = `wrong-${PASSWORD}`
    const badScheme = newClient({ redisUrl: `http://:${PASSWORD}@127.0.0.1:${redis.port}` })
    await helper.load(tangoe, flow(), { [CONFIG]: badScheme })
    const notConfigured = await pass({ payload: 1 })
    expect(notConfigured.caught?.error).toMatchObject({ code: "NotConfigured" })
    expect((notConfigured.caught?._error as { field?: string } | undefined)?.field).toBe("redisUrl")
    await helper.unload()

    const badPassword = newClient({ redisUrl: `redis://:${wrong}@127.0.0.1:${redis.port}/0` })
    await helper.load(tangoe, flow(), { [CONFIG]: badPassword })
    const failed = await pass({ payload: 1 })
    expect(failed.caught?.error).toMatchObject({ code: "StoreError" })
    expect(String((failed.caught?.error as { message?: string } | undefined)?.message)).toMatch(
      /redis:\/\/127\.0\.0\.1:\d+\/0 .*WRONGPASS/,
    )
    expect(sim.stats().tokenRequests).toBe(0)

    const shown = JSON.stringify([notConfigured, failed, helper.log().args.map((a) => String(a[0]))])
    for (const secret of [PASSWORD, wrong, badScheme.clientSecret, badPassword.clientSecret]) {
      expect(shown).not.toContain(secret)
    }
  })
})
