/**
 * The end to end: TWO real Node-RED 5 processes (the packed package installed in each
 * user dir, each with its own credential secret) deployed with the same `tangoe-credentials`
 * node, sharing one Tangoe client through Redis. Access tokens live 3 s, so the refresh token
 * rotates about every 1.5 s while both runtimes call the simulator's protected API: every call
 * must answer 200, and the simulator must never see a dead refresh token (0 `invalid_grant`),
 * which it would if the two runtimes raced each other's refresh.
 */
import { randomBytes } from "node:crypto"
import { readFile, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { type RedisServer, startRedis } from "@tangoe-token/test-support/redisServer"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Collector, startCollector } from "./support/collector.ts"
import { tokenApiFlow } from "./support/flows.ts"
import { NodeRedProcess, type PackedPackage, packPackage } from "./support/realRuntime.ts"

const PASSWORD = `e2e-redis-pw-${randomBytes(8).toString("hex")}`
/** How long the runtimes keep calling: at 3-second tokens, several rotations. */
const CALLING_MS = 7_500

let sim: Simulator
let redis: RedisServer
let collector: Collector
let packed: PackedPackage
const runtimes: NodeRedProcess[] = []

/** inject -> tangoe token -> GET the protected API -> POST the status code to /result-<label>. */
const flows = (label: string, credentials: object): object[] =>
  tokenApiFlow({
    label: `tangoe redis ${label}`,
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.apiUrl,
    credentials,
    resultUrl: `${collector.url}/result-${label}`,
    resultPayload: "return { payload: { statusCode: msg.statusCode } };",
    errorUrl: `${collector.url}/error-${label}`,
    errorPayload: "return { payload: { error: msg.error } };",
  })

/** Fires runtime `label`'s inject and waits for its API result; returns the status code. */
const call = async (red: NodeRedProcess, label: string): Promise<number> => {
  const count = () => collector.posts.filter((p) => p.path === `/result-${label}`).length
  const errors = () => collector.posts.filter((p) => p.path === `/error-${label}`)
  const before = count()
  const errorsBefore = errors().length
  await red.inject("go")
  const until = Date.now() + 120_000
  while (count() === before) {
    if (errors().length > errorsBefore) throw new Error(`runtime ${label} caught: ${errors().at(-1)?.raw}`)
    if (Date.now() > until) throw new Error(`runtime ${label}: no result in 120 s`)
    await new Promise((r) => setTimeout(r, 20))
  }
  return Number(collector.posts.filter((p) => p.path === `/result-${label}`).at(-1)?.body.statusCode)
}

beforeAll(async () => {
  packed = await packPackage()
  sim = await startSimulator({ accessTokenLifetime: 3 })
  redis = await startRedis({ password: PASSWORD })
  collector = await startCollector()
  const [a, b] = await Promise.all([
    NodeRedProcess.create(packed.tarball, "credential secret of runtime A"),
    NodeRedProcess.create(packed.tarball, "credential secret of runtime B"),
  ])
  runtimes.push(a as NodeRedProcess, b as NodeRedProcess)
  await Promise.all(runtimes.map((red) => red.start()))
}, 120_000)

afterAll(async () => {
  await Promise.all(runtimes.map((red) => red.stop("SIGKILL")))
  await collector?.close()
  await sim?.close()
  await redis?.stop()
  await Promise.all(runtimes.map((red) => rm(red.userDir, { recursive: true, force: true })))
  if (packed) await rm(dirname(packed.tarball), { recursive: true, force: true })
})

describe("two real Node-RED 5 runtimes sharing one Tangoe client through Redis", () => {
  it("both keep answering 200 across rotations with 0 invalid_grant", async () => {
    const [a, b] = runtimes as [NodeRedProcess, NodeRedProcess]
    const [client] = sim.clients
    if (client === undefined) throw new Error("the simulator has no client")
    const credentials = {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      refreshToken: client.refreshToken,
      redisUrl: `redis://:${PASSWORD}@127.0.0.1:${redis.port}/0`,
    }
    await a.deploy(flows("a", credentials), "full")
    await b.deploy(flows("b", credentials), "full")

    const codes: Record<"a" | "b", number[]> = { a: [], b: [] }
    const seen = new Set<string>([client.refreshToken])
    const end = Date.now() + CALLING_MS
    while (Date.now() < end) {
      const [ca, cb] = await Promise.all([call(a, "a"), call(b, "b")])
      codes.a.push(ca)
      codes.b.push(cb)
      for (const token of sim.liveRefreshTokens(client.clientId)) seen.add(token)
      await new Promise((r) => setTimeout(r, 100))
    }

    const stats = sim.stats()
    console.info(
      `[figures] two runtimes through Redis: ${codes.a.length + codes.b.length} API calls ` +
        `(${codes.a.length} + ${codes.b.length}), ${stats.tokenRequests} token requests, ${stats.refreshes} rotations, ` +
        `${stats.errors.invalid_grant ?? 0} invalid_grant, ${stats.apiUnauthorized} API 401s, errors ${JSON.stringify(stats.errors)}`,
    )
    expect(codes.a).toEqual(codes.a.map(() => 200))
    expect(codes.b).toEqual(codes.b.map(() => 200))
    expect(codes.a.length).toBeGreaterThanOrEqual(5)
    expect(stats.refreshes).toBeGreaterThanOrEqual(3)
    expect(stats.errors.invalid_grant ?? 0).toBe(0)
    expect(stats.failures).toBe(0)
    // One token request per rotation: the runtimes never refreshed side by side.
    expect(stats.tokenRequests).toBe(stats.refreshes)
    expect(collector.posts.filter((p) => p.path.startsWith("/error"))).toEqual([])

    // Neither runtime wrote a side store: the token lives in Redis only.
    for (const red of runtimes) {
      await expect(readFile(join(red.userDir, "tangoe-token", "cfg.json"), "utf8")).rejects.toThrow(/ENOENT/)
    }
    // No secret in the runtimes' logs, flows files or posted results.
    const observable = [
      ...runtimes.map((red) => red.log),
      ...(await Promise.all(runtimes.map((red) => readFile(join(red.userDir, "flows.json"), "utf8")))),
      ...collector.posts.map((p) => p.raw),
    ].join("\n")
    for (const secret of [PASSWORD, client.clientSecret, ...seen]) expect(observable).not.toContain(secret)
  })
})
