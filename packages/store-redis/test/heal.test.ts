/**
 * Four OS processes with the same Tangoe service account share one Redis store (a real
 * redis-server) and one client of the simulator. They bootstrap from the account alone (ONE grant
 * between them); the chain is killed (its family revoked) and all four are made to refresh at the same
 * moment with a barrier (the simulator holds the first token request until all four have begun): ONE
 * password grant re-establishes the chain, and every process is served. No output shows the account.
 */
import { fileURLToPath } from "node:url"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { redisStore } from "../src/index.ts"
import { loaded } from "./support/effects.ts"
import { type Child, startChild } from "./support/processes.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"

const PASSWORD = "heal-redis-pw-51c0"
const USERNAME = "rivermine://svc.heal"
const SA_PASSWORD = "h€al pass&word=+/"
const PROCESSES = 4
const worker = fileURLToPath(new URL("./fixtures/heal-worker.ts", import.meta.url))

let server: RedisServer
let sim: Simulator
const children: Child[] = []

beforeAll(async () => {
  server = await startRedis({ durable: true, password: PASSWORD })
  sim = await startSimulator({
    accessTokenLifetime: 3600,
    gracePeriod: 0,
    serviceAccounts: [{ username: USERNAME, password: SA_PASSWORD }],
  })
})
afterAll(async () => {
  await Promise.all(children.map((c) => c.kill()))
  await sim?.close()
  await server?.stop()
})

const json = (line: string) => JSON.parse(line) as Record<string, unknown>

describe("self-heal across processes sharing Redis", () => {
  it(`${PROCESSES} processes on one Redis store: one grant to bootstrap, ONE grant when they find the chain dead together`, {
    timeout: 120_000,
  }, async () => {
    const client = sim.clients[0]
    if (client === undefined) throw new Error("no seeded client")
    const redisUrl = `redis://:${PASSWORD}@127.0.0.1:${server.port}/0`
    const env = {
      REDIS_URL: redisUrl,
      NAMESPACE: "heal",
      TOKEN_URL: sim.tokenUrl,
      CLIENT_ID: client.clientId,
      CLIENT_SECRET: client.clientSecret,
      SA_USERNAME: USERNAME,
      SA_PASSWORD,
    }
    for (let i = 0; i < PROCESSES; i++) children.push(startChild(worker, [], env))
    await Promise.all(children.map((c) => c.line((l) => l.includes('"ready"'), 30_000)))
    const gets = children.map((c) => c.line((l) => l.includes('"op":"get"'), 60_000))
    for (const child of children) child.process.stdin?.write("get\n")
    for (const answer of await Promise.all(gets)) expect(json(answer).ok, answer).toBe(true)
    expect(sim.stats().passwordGrants).toBe(1)

    // Kill the chain; then the barrier.
    const store = redisStore({
      url: redisUrl,
      environment: { tokenUrl: sim.tokenUrl },
      clientId: client.clientId,
      namespace: "heal",
    })
    const dead = Redacted.value((await loaded(store)).refreshToken)
    expect(sim.revoke({ refreshToken: dead })).toBeGreaterThanOrEqual(1)
    sim.resetStats()
    sim.injectFaults({ kind: "hold" })
    const began = children.map((c) => c.line((l) => l.includes('"began"'), 30_000))
    const done = children.map((c) => c.line((l) => l.includes('"refresh-done"'), 60_000))
    for (const child of children) child.process.stdin?.write("begin-refresh\n")
    await Promise.all(began)
    await sim.whenHeld(1)
    expect(sim.releaseHeld()).toBe(1)
    for (const result of await Promise.all(done)) expect(json(result).ok, result).toBe(true)

    const stats = sim.stats()
    console.log(
      `[heal] redis store, ${PROCESSES} processes: ${stats.passwordGrants} password grant(s), ${stats.tokenRequests} token requests after the chain died`,
    )
    expect(stats.passwordGrants).toBe(1)
    expect(stats.tokenRequests).toBe(2)
    const healed = Redacted.value((await loaded(store)).refreshToken)
    expect(healed).not.toBe(dead)
    expect(sim.isLive(healed)).toBe(true)
    const events = children.map((c) => c.line((l) => l.includes('"op":"events"'), 10_000))
    for (const child of children) child.process.stdin?.write("events\n")
    const heals = (await Promise.all(events)).flatMap((l) => json(l).heals as string[])
    expect(heals.sort()).toEqual(["bootstrap", "deadChain"])
    await store.close()
    const output = children.map((c) => c.output()).join("\n")
    for (const secret of [SA_PASSWORD, encodeURIComponent(SA_PASSWORD), USERNAME, PASSWORD, dead, healed]) {
      expect(output).not.toContain(secret)
    }
  })
})
