/**
 * The Promise client against the real simulator: tokens and headers, single flight, `fetch` with a
 * 401 replay (against the simulator's protected API, and a local echo server for request bodies),
 * errors as core's own classes, events, status, and `close` leaving nothing that keeps a process
 * alive.
 */
import { once } from "node:events"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { runProcess } from "@tangoe-token/test-support/processes"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "vitest"
import { memoryStore } from "../../core/src/MemoryStore.ts"
import { InvalidGrant, RefreshError } from "../../core/src/RefreshError.ts"
import { StoreError } from "../../core/src/StoreError.ts"
import { createTokenClient, type TokenClient, type TokenClientOptions } from "../../core/src/TokenClient.ts"
import type { TokenEvent } from "../../core/src/TokenEvents.ts"
import { TokenManagerClosed } from "../../core/src/TokenManagerError.ts"
import { assertNoSecrets } from "../../core/test/fixtures/store-assert.ts"
import { expiredRecord, instrumentedStore } from "./fixtures/manager-stores.ts"

let sim: Simulator
let echo: Server
let echoUrl: string
/** Bodies the echo server received, in order. */
const received: Array<{ status: number; body: string }> = []

beforeAll(async () => {
  sim = await startSimulator({ environment: "qa" })
  // A protected API that reads the body: 401 unless the bearer token is valid on the simulator.
  echo = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "")
      const status = sim.isAccessTokenValid(token) ? 200 : 401
      const body = Buffer.concat(chunks).toString("utf8")
      received.push({ status, body })
      res
        .writeHead(status, { "content-type": "text/plain" })
        .end(status === 200 ? `echo:${body}` : "unauthorized")
    })
  })
  echo.listen(0, "127.0.0.1")
  await once(echo, "listening")
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/echo`
})
afterAll(async () => {
  echo?.close()
  await sim?.close()
})
beforeEach(() => {
  sim.clearFaults()
  sim.resetStats()
  received.length = 0
})

const clients: Array<TokenClient> = []
const clientFor = (overrides: Partial<TokenClientOptions> = {}) => {
  const seeded = sim.addClient()
  const client = createTokenClient({
    environment: { tokenUrl: sim.tokenUrl },
    clientId: seeded.clientId,
    clientSecret: seeded.clientSecret,
    refreshToken: seeded.refreshToken,
    timeout: 5_000,
    ...overrides,
  })
  clients.push(client)
  return { client, seeded }
}
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
})

describe("tokens", () => {
  it("getAccessToken, getToken and authorizationHeader give a token the API accepts", async () => {
    const { client } = clientFor()
    const token = await client.getAccessToken()
    assert.isTrue(sim.isAccessTokenValid(token))
    assert.strictEqual(await client.authorizationHeader(), `Bearer ${token}`)
    const info = await client.getToken()
    assert.strictEqual(info.accessToken, token)
    assert.strictEqual(info.tokenType, "Bearer")
    assert.isAbove(info.expiresAt.getTime(), Date.now())
    const api = await fetch(sim.apiUrl, { headers: { authorization: await client.authorizationHeader() } })
    assert.strictEqual(api.status, 200)
    assert.strictEqual(sim.stats().tokenRequests, 1)
  })

  it("1,000 concurrent getAccessToken calls at expiry cause exactly one token request", async () => {
    const seeded = sim.addClient()
    const client = createTokenClient({
      environment: { tokenUrl: sim.tokenUrl },
      clientId: seeded.clientId,
      clientSecret: seeded.clientSecret,
      store: memoryStore(expiredRecord(seeded.refreshToken)),
    })
    clients.push(client)
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => client.getAccessToken()))
    assert.strictEqual(sim.stats().tokenRequests, 1)
    assert.strictEqual(new Set(tokens).size, 1)
  })

  it("the hot path touches neither the store nor the network", async () => {
    const store = instrumentedStore()
    const { client } = clientFor({ store })
    await client.getAccessToken()
    const counts = { ...store.counts }
    for (let i = 0; i < 1000; i++) await client.getAccessToken()
    await client.getToken()
    assert.deepStrictEqual(store.counts, counts)
    assert.strictEqual(sim.stats().tokenRequests, 1)
  })

  it("accepts a store given as an Effect (fileStore-style) and rejects with its error", async () => {
    const store = Effect.succeed(memoryStore())
    const { client } = clientFor({ store })
    assert.isTrue(sim.isAccessTokenValid(await client.getAccessToken()))
    const broken = Effect.fail(
      new StoreError({ operation: "load", location: "/nowhere", reason: "InvalidKey", detail: "too short" }),
    )
    const { client: failing } = clientFor({ store: broken })
    const error = await failing.getAccessToken().catch((e: unknown) => e)
    assert.instanceOf(error, StoreError)
  })
})

describe("fetch", () => {
  it("adds the token, and on 401 invalidates, refreshes once and replays", async () => {
    const { client } = clientFor()
    const first = await client.fetch(sim.apiUrl)
    assert.strictEqual(first.status, 200)
    await first.body?.cancel()
    sim.expireAccessTokens()
    const replayed = await client.fetch(sim.apiUrl)
    assert.strictEqual(replayed.status, 200)
    await replayed.body?.cancel()
    const stats = sim.stats()
    assert.strictEqual(stats.tokenRequests, 2)
    assert.strictEqual(stats.apiUnauthorized, 1)
    assert.strictEqual(stats.apiRequests, 3)
  })

  it("replays a string body and a Request with a body", async () => {
    const { client } = clientFor()
    await client.getAccessToken()
    sim.expireAccessTokens()
    const a = await client.fetch(echoUrl, { method: "POST", body: "payload-1" })
    assert.strictEqual(await a.text(), "echo:payload-1")
    sim.expireAccessTokens()
    const b = await client.fetch(new Request(echoUrl, { method: "POST", body: "payload-2" }))
    assert.strictEqual(await b.text(), "echo:payload-2")
    assert.deepStrictEqual(received, [
      { status: 401, body: "payload-1" },
      { status: 200, body: "payload-1" },
      { status: 401, body: "payload-2" },
      { status: 200, body: "payload-2" },
    ])
  })

  it("does not replay a stream body: the 401 comes back as is", async () => {
    const { client } = clientFor()
    await client.getAccessToken()
    sim.expireAccessTokens()
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("streamed"))
        controller.close()
      },
    })
    const response = await client.fetch(echoUrl, { method: "POST", body, duplex: "half" } as RequestInit)
    assert.strictEqual(response.status, 401)
    await response.body?.cancel()
    assert.deepStrictEqual(received, [{ status: 401, body: "streamed" }])
    // The rejected token was still invalidated: the next call gets a fresh one.
    assert.isTrue(sim.isAccessTokenValid(await client.getAccessToken()))
  })
})

describe("errors, events, status", () => {
  it("rejects with core's own error classes, without secrets", async () => {
    const seeded = sim.addClient()
    const client = createTokenClient({
      environment: { tokenUrl: sim.tokenUrl },
      clientId: seeded.clientId,
      clientSecret: seeded.clientSecret,
      refreshToken: "rt-never-issued-by-the-server",
    })
    clients.push(client)
    const events: Array<TokenEvent> = []
    client.on("refreshFailed", (e) => events.push(e))
    const error = await client.getAccessToken().catch((e: unknown) => e)
    assert.instanceOf(error, RefreshError)
    assert.instanceOf((error as RefreshError).reason, InvalidGrant)
    assert.strictEqual((error as RefreshError).reason._tag, "InvalidGrant")
    assert.notInclude(String(error), "FiberFailure")
    assert.strictEqual(events.length, 1)
    const status = client.status()
    assert.strictEqual(status.state, "error")
    assert.strictEqual(status.lastError?._tag, "RefreshError")
    assert.strictEqual(status.lastError?.reason, "InvalidGrant")
    const secrets = [seeded.clientSecret, seeded.refreshToken, "rt-never-issued-by-the-server"]
    assertNoSecrets(error, secrets)
    assertNoSecrets(events, secrets)
    assertNoSecrets(status, secrets)
  })

  it("emits events and reports status without secrets; unsubscribe works", async () => {
    const { client, seeded } = clientFor()
    const seen: Array<string> = []
    const off = client.on("refreshed", (e) => seen.push(`refreshed:${e.rotated}`))
    client.on("rotationSaved", (e) => seen.push(`saved:${e.generation}`))
    assert.strictEqual(client.status().state, "empty")
    const token = await client.getAccessToken()
    off()
    await client.refresh()
    assert.deepStrictEqual(seen, ["saved:1", "refreshed:true", "saved:2"])
    const status = client.status()
    assert.strictEqual(status.state, "valid")
    assert.strictEqual(status.refreshCount, 2)
    assertNoSecrets(status, [seeded.clientSecret, seeded.refreshToken, token, ...sim.liveRefreshTokens()])
  })
})

describe("close", () => {
  it("rejects later calls with TokenManagerClosed and leaves no timer behind (keep-warm on)", async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length
    const before = timeouts()
    const { client } = clientFor({ keepWarm: true })
    await client.getAccessToken()
    await client.close()
    // Waits for the timers to go (a timer left behind would keep this loop until the test's limit).
    while (timeouts() > before) await new Promise((resolve) => setImmediate(resolve))
    assert.isAtMost(timeouts(), before)
    const error = await client.getAccessToken().catch((e: unknown) => e)
    assert.instanceOf(error, TokenManagerClosed)
    assert.instanceOf(await client.refresh().catch((e: unknown) => e), TokenManagerClosed)
  })

  for (const mode of ["close", "open"] as const) {
    it(`a process with a keep-warm client exits by itself (client ${mode === "close" ? "closed" : "left open"})`, async () => {
      const seeded = sim.addClient()
      const { code, signal, stdout, stderr } = await runProcess(
        process.execPath,
        [join(import.meta.dirname, "fixtures", "manager-keepwarm-child.ts"), mode],
        {
          env: {
            ...process.env,
            TANGOE_WORKER: JSON.stringify({
              tokenUrl: sim.tokenUrl,
              clientId: seeded.clientId,
              clientSecret: seeded.clientSecret,
              refreshToken: seeded.refreshToken,
            }),
          },
          timeoutMs: 15_000,
        },
      )
      const out = stdout + stderr
      assert.strictEqual(signal, null, `the child had to be killed: ${out}`)
      assert.strictEqual(code, 0, out)
      assert.strictEqual(out, "ok\n")
    }, 20_000)
  }
})

describe("a rejected token is never served again", () => {
  it("invalidate() drops the cached token even when the store still holds it", async () => {
    const store = memoryStore()
    const { client } = clientFor({ store })
    const token = await client.getAccessToken()
    client.invalidate(token)
    const next = await client.getAccessToken()
    assert.notStrictEqual(next, token)
    const stored = await Effect.runPromise(store.load)
    assert.strictEqual(Redacted.value(stored?.accessToken ?? Redacted.make("")), next)
    assert.strictEqual(sim.stats().tokenRequests, 2)
  })
})
