/**
 * The `tangoe api` node inside Node-RED's runtime (node-red-node-test-helper), against the local
 * PingFederate simulator's Tangoe-style API (`GET /mobileprocurement/v1/orders`: X-TNGO-TENANT and
 * client_id required, 403 for a dead token, `_meta` pages). The same suite runs on Node-RED 5.0 and
 * 4.1 (see vitest.config.mts).
 */

import { createServer, type Server } from "node:http"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import { beforeEach, describe, expect, it } from "vitest"
import tangoe from "../src/tangoe.ts"
import { type Client, credentialsOf, outAndCaughtHelpers, simulatorCredentialsNode } from "./support/flows.ts"
import { useHelperRuntime } from "./support/helperSuite.ts"
import { helper, NODE_RED_PACKAGE, nodeRedVersion } from "./support/nodeRed.ts"
import { collect, observable, statuses, waitFor } from "./support/watchNodes.ts"

const CONFIG = "cfg1"
const API = "api1"

let sim: Simulator

useHelperRuntime("tangoe-nr-api-", {
  simulator: (started) => {
    sim = started
  },
})
beforeEach(() => {
  sim.configure({ apiCollectionSize: 24 })
})

const newClient = (spec: object = {}): Client => credentialsOf(sim.addClient(spec))

/** Config `cfg1` (tenant ACME, the simulator's API base unless overridden) -> `tangoe api` -> `out`; catch -> `caught`. */
const flowWith = (api: object, config: object = {}) => [
  { id: "f1", type: "tab", label: "test" },
  simulatorCredentialsNode(CONFIG, sim.tokenUrl, { tenant: "ACME", apiBase: sim.apiBaseUrl, ...config }),
  {
    id: API,
    z: "f1",
    type: "tangoe api",
    account: CONFIG,
    method: "GET",
    url: "orders",
    wires: [["out"]],
    ...api,
  },
  ...outAndCaughtHelpers(),
]

const credsFor = (client: Client) => ({ [CONFIG]: { ...client } })

/** Loads the flow, sends `msg` into the api node, waits until `done` and returns what came out. */
const run = async (
  client: Client,
  api: object,
  msg: object,
  done: (out: unknown[], caught: unknown[], seen: Array<{ fill?: string }>) => boolean,
  config: object = {},
) => {
  await helper.load(tangoe, flowWith(api, config), credsFor(client))
  const out = collect("out")
  const caught = collect("caught")
  const seen = statuses(API)
  helper.getNode(API)?.receive(msg)
  await waitFor(() => done(out, caught, seen), "the node's answer")
  return { out, caught, seen }
}

const greenAfter = (seen: Array<{ fill?: string }>): boolean => seen.some((s) => s.fill === "green")
const redAfter = (seen: Array<{ fill?: string }>): boolean => seen.some((s) => s.fill === "red")

interface CaughtError {
  error: { code: string; message: string; source: { id: string }; cause?: Record<string, unknown> }
  _error: Record<string, unknown>
}

describe(`tangoe api on ${NODE_RED_PACKAGE} ${nodeRedVersion}`, () => {
  it("one call: the body as msg.payload, with X-TNGO-TENANT, client_id and a correlation id; green status", async () => {
    const client = newClient()
    const { out, seen } = await run(
      client,
      {},
      { payload: "" },
      (o, _c, s) => o.length === 1 && greenAfter(s),
    )
    const payload = out[0]?.payload as { _meta: { totalCount: number }; items: unknown[] }
    expect(payload._meta.totalCount).toBe(24)
    expect(payload.items).toHaveLength(10)
    const [sent] = sim.apiRequests()
    expect(sim.apiRequests()).toHaveLength(1)
    expect(sent?.path).toBe("/mobileprocurement/v1/orders")
    expect(sent?.headers["x-tngo-tenant"]).toBe("ACME")
    expect(sent?.headers.client_id).toBe(client.clientId)
    expect(sent?.headers["x-tngo-context-correlationid"]).toMatch(/^[0-9a-f-]{36}$/)
    expect(sent?.headers.authorization).toBe("Bearer [redacted]")
    expect(seen.map((s) => s.fill)).toEqual(["blue", "green"])
  })

  it("per page: 3 pages of 10, 10, 4 as 3 messages; Tangoe's headers on every call, the flow's own never replaced", async () => {
    const client = newClient()
    const flowHeaders = {
      "X-TNGO-CONTEXT-ACTIVITYID": "activity-7",
      "x-tngo-context-correlationid": "flow-corr",
    }
    const { out, seen } = await run(
      client,
      { paging: "pages", limit: 10 },
      { payload: "", headers: flowHeaders },
      (o, _c, s) => o.length === 3 && greenAfter(s),
    )
    expect(out.map((m) => (m.payload as unknown[]).length)).toEqual([10, 10, 4])
    expect(out.map((m) => (m.page as { index: number }).index)).toEqual([0, 1, 2])
    expect(out.map((m) => (m.page as { last: boolean }).last)).toEqual([false, false, true])
    expect(out[0]?.page).toMatchObject({ meta: { totalCount: 24 } })
    // Three distinct message objects: a later page never rewrites an earlier one.
    expect(new Set(out).size).toBe(3)
    const sent = sim.apiRequests()
    expect(sent.map((r) => r.query.offset)).toEqual(["0", "10", "20"])
    for (const r of sent) {
      expect(r.status).toBe(200)
      expect(r.headers["x-tngo-tenant"]).toBe("ACME")
      expect(r.headers.client_id).toBe(client.clientId)
      expect(r.headers["x-tngo-context-activityid"]).toBe("activity-7")
      expect(r.headers["x-tngo-context-correlationid"]).toBe("flow-corr")
    }
    // The helper loads no message catalog: the key stands for "24 items, 3 pages at HH:MM" (apiStatus.test.ts).
    expect(seen.at(-1)).toMatchObject({ fill: "green", text: "tangoe-api.status.paged" })
  })

  it("all items: one message with the 24 items of 3 pages, a fresh correlation id per call", async () => {
    const client = newClient()
    const { out } = await run(
      client,
      { paging: "all", limit: 10 },
      { payload: "" },
      (o, _c, s) => o.length === 1 && greenAfter(s),
    )
    const items = out[0]?.payload as Array<{ _meta: { href: string } }>
    expect(items).toHaveLength(24)
    expect(new Set(items.map((i) => i._meta.href)).size).toBe(24)
    expect(out[0]?.page).toEqual({ count: 3, totalCount: 24 })
    const ids = sim.apiRequests().map((r) => r.headers["x-tngo-context-correlationid"])
    expect(ids).toHaveLength(3)
    expect(new Set(ids).size).toBe(3)
  })

  it("an empty collection: one message with no items per page, and an empty array for all items", async () => {
    sim.configure({ apiCollectionSize: 0 })
    const client = newClient()
    const perPage = await run(
      client,
      { paging: "pages" },
      { payload: "" },
      (o, _c, s) => o.length === 1 && greenAfter(s),
    )
    expect(perPage.out[0]?.payload).toEqual([])
    expect(perPage.out[0]?.page).toMatchObject({ last: true })
    await helper.unload()
    const all = await run(
      client,
      { paging: "all" },
      { payload: "" },
      (o, _c, s) => o.length === 1 && greenAfter(s),
    )
    expect(all.out[0]?.payload).toEqual([])
    expect(all.out[0]?.page).toEqual({ count: 1, totalCount: 0 })
    expect(sim.apiRequests()).toHaveLength(2)
  })

  it("without a tenant in the credentials, takes it from token validation (validate_bearer) and sends it", async () => {
    const client = newClient({ tenant: "GLOBEX" })
    const { out } = await run(client, {}, { payload: "" }, (o, _c, s) => o.length === 1 && greenAfter(s), {
      tenant: "",
    })
    expect((out[0]?.payload as { items?: unknown[] } | undefined)?.items).toHaveLength(10)
    expect(sim.stats().validations).toBe(1)
    expect(sim.apiRequests()[0]?.headers["x-tngo-tenant"]).toBe("GLOBEX")
  })

  it("a missing tenant: Tangoe's 400 body to a catch node, with errorCode, status and the correlation id", async () => {
    const client = newClient()
    // The flow's own (empty) tenant header wins over the credentials' tenant, as any header of the flow does.
    const { out, caught, seen } = await run(
      client,
      {},
      { payload: "", headers: { "X-TNGO-TENANT": "" } },
      (_o, c, s) => c.length === 1 && redAfter(s),
    )
    expect(out).toHaveLength(0)
    const [sent] = sim.apiRequests()
    expect(sent?.status).toBe(400)
    const msg = caught[0] as unknown as CaughtError
    expect(msg.error.source.id).toBe(API)
    expect(msg.error.code).toBe("BadRequest")
    expect(msg.error.message).toContain("400-missing-required-header")
    expect(msg.error.cause).toMatchObject({
      _tag: "BadRequest",
      status: 400,
      errorCode: "400-missing-required-header",
      correlationId: sent?.headers["x-tngo-context-correlationid"],
    })
    expect(msg.error.cause?.id).toMatch(/^\w{5}$/)
    expect(msg._error).toMatchObject({
      errorCode: "400-missing-required-header",
      correlationId: sent?.headers["x-tngo-context-correlationid"],
      action: "tangoe-api.errors.BadRequest.missingHeader",
    })
    expect(seen.at(-1)?.fill).toBe("red")
    expect(observable(caught, seen)).not.toContain(client.clientSecret)
  })

  it("a client not permitted to validate, and no tenant: ValidationNotPermitted to a catch node, no API call", async () => {
    const client = newClient({ grantTypes: ["refresh_token"] })
    const { caught } = await run(client, {}, { payload: "" }, (_o, c, s) => c.length === 1 && redAfter(s), {
      tenant: "",
    })
    const msg = caught[0] as unknown as CaughtError
    expect(msg.error.code).toBe("ValidationNotPermitted")
    expect(msg.error.message).toMatch(/tenant/i)
    expect(sim.apiRequests()).toHaveLength(0)
  })

  it("403 with an expired token: one refresh, the call replayed, 200", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith({}), credsFor(client))
    const out = collect("out")
    const caught = collect("caught")
    helper.getNode(API)?.receive({ payload: "" })
    await waitFor(() => out.length === 1, "the first answer")
    const before = sim.stats().tokenRequests
    sim.expireAccessTokens()
    helper.getNode(API)?.receive({ payload: "" })
    await waitFor(() => out.length === 2, "the replayed answer")
    expect(caught).toHaveLength(0)
    expect(sim.stats().tokenRequests - before).toBe(1)
    expect(sim.apiRequests().map((r) => r.status)).toEqual([200, 403, 200])
    expect((out[1]?.payload as { items?: unknown[] } | undefined)?.items).toHaveLength(10)
    const text = observable(out, caught)
    for (const secret of [
      client.clientSecret,
      client.refreshToken,
      ...sim.liveRefreshTokens(client.clientId),
    ]) {
      expect(text).not.toContain(secret)
    }
  })

  it("403 with a fresh token: Forbidden to a catch node after one refresh, never a refresh loop", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith({}), credsFor(client))
    const out = collect("out")
    const caught = collect("caught")
    // A live token, but a tenant this client may not act for: an authorization failure.
    helper.getNode(API)?.receive({ payload: "", headers: { "X-TNGO-TENANT": "OTHER" } })
    await waitFor(() => caught.length === 1, "the caught error")
    expect(out).toHaveLength(0)
    const msg = caught[0] as unknown as CaughtError
    expect(msg.error.code).toBe("Forbidden")
    expect(msg.error.cause).toMatchObject({ status: 403, errorCode: "403-tenant-forbidden" })
    // One token for the call, one fresh token for its one replay: 2 token requests, 2 API calls.
    expect(sim.stats().tokenRequests).toBe(2)
    expect(sim.apiRequests().map((r) => r.status)).toEqual([403, 403])
    // Again: one more refresh and replay per message, not a loop.
    helper.getNode(API)?.receive({ payload: "", headers: { "X-TNGO-TENANT": "OTHER" } })
    await waitFor(() => caught.length === 2, "the second caught error")
    expect(sim.stats().tokenRequests).toBe(3)
    expect(sim.apiRequests()).toHaveLength(4)
    const text = observable(caught)
    for (const secret of [
      client.clientSecret,
      client.refreshToken,
      ...sim.liveRefreshTokens(client.clientId),
    ]) {
      expect(text).not.toContain(secret)
    }
  })

  it("refuses an hrefNext on another host: the first page out, ForeignHost caught, nothing sent there", async () => {
    const client = newClient()
    const seenBy: Array<{ server: string; url: string; authorization: string | undefined }> = []
    const listen = async (name: string, handler: (port: number) => string): Promise<[Server, number]> => {
      let port = 0
      const server = createServer((req, res) => {
        seenBy.push({ server: name, url: req.url ?? "", authorization: req.headers.authorization })
        res.writeHead(200, { "content-type": "application/json" }).end(handler(port))
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      port = (server.address() as { port: number }).port
      return [server, port]
    }
    const [elsewhere, otherPort] = await listen("elsewhere", () => JSON.stringify({ items: ["stolen"] }))
    const [api, apiPort] = await listen("api", () =>
      JSON.stringify({
        _meta: {
          totalCount: 2,
          offset: 0,
          limit: 1,
          hrefNext: `http://127.0.0.1:${otherPort}/v1/orders?limit=1&offset=1`,
        },
        items: [{ id: 1 }],
      }),
    )
    try {
      const { out, caught, seen } = await run(
        client,
        { paging: "pages" },
        { payload: "" },
        (_o, c, s) => c.length === 1 && redAfter(s),
        { apiBase: `http://127.0.0.1:${apiPort}/v1` },
      )
      expect(out.map((m) => m.payload)).toEqual([[{ id: 1 }]])
      const msg = caught[0] as unknown as CaughtError
      expect(msg.error.code).toBe("ForeignHost")
      expect(seenBy.map((s) => s.server)).toEqual(["api"])
      const accessToken = seenBy[0]?.authorization?.replace(/^Bearer /, "")
      expect(accessToken).toMatch(/\w{16,}/)
      const text = observable(out, caught, seen)
      for (const secret of [client.clientSecret, client.refreshToken, accessToken ?? "?"]) {
        expect(text).not.toContain(secret)
      }
    } finally {
      api.closeAllConnections()
      elsewhere.closeAllConnections()
      await Promise.all([api, elsewhere].map((s) => new Promise((r) => s.close(r))))
    }
  })

  it("reports a node without URL, and a bad API base, as errors naming the field; no secret anywhere", async () => {
    const client = newClient()
    const noUrl = await run(client, { url: "" }, { payload: "" }, (_o, c) => c.length === 1)
    const a = noUrl.caught[0] as unknown as CaughtError
    expect(a.error.code).toBe("InvalidRequest")
    expect(a._error.field).toBe("url")
    await helper.unload()
    const badBase = await run(client, {}, { payload: "" }, (_o, c) => c.length === 1, {
      apiBase: "http://api.example.com/v1",
    })
    const b = badBase.caught[0] as unknown as CaughtError
    expect(b.error.code).toBe("NotConfigured")
    expect(b._error.field).toBe("apiBase")
    expect(b.error.message).toMatch(/baseUrl|loopback|https/)
    expect(sim.apiRequests()).toHaveLength(0)
    const text = observable(noUrl.caught, badBase.caught, noUrl.seen, badBase.seen)
    for (const secret of [client.clientSecret, client.refreshToken]) expect(text).not.toContain(secret)
  })

  it("takes msg.url and msg.method when the node leaves them to the message", async () => {
    const client = newClient()
    const { out } = await run(
      client,
      { url: "", method: "use" },
      { payload: "", url: "orders?limit=2", method: "get" },
      (o) => o.length === 1,
    )
    expect(sim.apiRequests()[0]).toMatchObject({
      method: "GET",
      path: "/mobileprocurement/v1/orders",
      query: { limit: "2" },
    })
    expect((out[0]?.payload as { items?: unknown[] } | undefined)?.items).toHaveLength(2)
  })
})
