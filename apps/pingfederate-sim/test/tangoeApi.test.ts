import { describe, expect, it } from "vitest"
import type { SeededClient, Simulator } from "../src/index.ts"
import { admin, callApi } from "./grantHelpers.ts"
import { firstClient, json, type RawResponse, refresh, start } from "./helpers.ts"

const accessTokenOf = async (sim: Simulator, client: SeededClient): Promise<string> =>
  String(json(await refresh(sim, client, client.refreshToken)).access_token)

/** Asserts a Tangoe error body (concepts/errors): exactly errorCode, id, message, status. */
const expectTangoeError = (res: RawResponse, status: number, errorCode: RegExp): Record<string, unknown> => {
  expect(res.status).toBe(status)
  expect(res.headers["content-type"]).toBe("application/json;charset=UTF-8")
  const body = json(res)
  expect(Object.keys(body)).toEqual(["errorCode", "id", "message", "status"])
  expect(body.status).toBe(status)
  expect(body.errorCode).toMatch(errorCode)
  expect(body.id).toMatch(/^[a-z0-9]{5}$/)
  expect(body.message).toEqual(expect.any(String))
  return body
}

describe("the Tangoe-style API: headers", () => {
  it("answers 200 with both required headers and a live token, and echoes the correlation id", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    const res = await callApi(sim, "/mobileprocurement/v1/orders", token, client, {
      "X-TNGO-CONTEXT-CORRELATIONID": "corr-123",
    })
    expect(res.status).toBe(200)
    expect(res.headers["x-tngo-context-correlationid"]).toBe("corr-123")
    expect(sim.stats()).toMatchObject({ apiRequests: 1, apiUnauthorized: 0, apiForbidden: 0 })
    expect(sim.collectionUrl).toBe(`${sim.url}/mobileprocurement/v1/orders`)
    expect(sim.apiBaseUrl).toBe(`${sim.url}/mobileprocurement/v1`)
  })

  it("answers 400 with a Tangoe error body naming the missing header, before looking at the token", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    const noTenant = await callApi(sim, "/mobileprocurement/v1/orders", token, client, {
      "X-TNGO-TENANT": undefined,
      "X-TNGO-CONTEXT-CORRELATIONID": "c1",
    })
    expect(expectTangoeError(noTenant, 400, /^400-/).message).toContain("X-TNGO-TENANT")
    expect(noTenant.headers["x-tngo-context-correlationid"]).toBe("c1")
    const noClient = await callApi(sim, "/mobileprocurement/v1/orders", token, client, {
      client_id: undefined,
    })
    const message = String(expectTangoeError(noClient, 400, /^400-/).message)
    expect(message).toMatch(/^Missing required header client_id/)
    const neither = await callApi(sim, "/mobileprocurement/v1/orders", undefined, client, {
      client_id: "",
      "X-TNGO-TENANT": " ",
    })
    expect(expectTangoeError(neither, 400, /^400-/).message).toMatch(/X-TNGO-TENANT and client_id/)
  })

  it("records the headers each request carried, with the bearer token masked", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    await callApi(sim, "/mobileprocurement/v1/orders?limit=2&offset=0", token, client, {
      "X-TNGO-CONTEXT-CORRELATIONID": "corr-1",
      "X-TNGO-CONTEXT-ACTIVITYID": "act-1",
      "X-TNGO-CONTEXT-EMPLOYEEID": "emp-9",
      "X-Client-Secret": "hidden-value",
    })
    await callApi(sim, "/mobileprocurement/v1/orders", undefined, client, { "X-TNGO-TENANT": undefined })
    const [first, second] = sim.apiRequests()
    expect(first).toMatchObject({
      method: "GET",
      path: "/mobileprocurement/v1/orders",
      query: { limit: "2", offset: "0" },
      status: 200,
      headers: {
        "x-tngo-tenant": client.tenant,
        client_id: client.clientId,
        authorization: "Bearer [redacted]",
        "x-tngo-context-correlationid": "corr-1",
        "x-tngo-context-activityid": "act-1",
        "x-tngo-context-employeeid": "emp-9",
        "x-client-secret": "[redacted]",
      },
    })
    expect(second).toMatchObject({ status: 400 })
    expect(second?.headers["x-tngo-tenant"]).toBeUndefined()
    const listed = await admin(sim, "/api-requests")
    expect(json(listed).requests).toHaveLength(2)
    for (const text of [JSON.stringify(sim.apiRequests()), listed.text]) {
      expect(text).not.toContain(token)
      expect(text).not.toContain("hidden-value")
    }
    sim.resetStats()
    expect(sim.apiRequests()).toEqual([])
  })
})

describe("the Tangoe-style API: token rejection", () => {
  it("answers 403 by default for a missing, unknown, expired or revoked token (the docs list no 401)", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    expectTangoeError(
      await callApi(sim, "/mobileprocurement/v1/orders", undefined, client),
      403,
      /^403-invalid-token$/,
    )
    expectTangoeError(
      await callApi(sim, "/mobileprocurement/v1/orders", "bogus", client),
      403,
      /^403-invalid-token$/,
    )
    sim.expireAccessTokens()
    const expired = await callApi(sim, "/mobileprocurement/v1/orders", token, client)
    expect(expectTangoeError(expired, 403, /^403-invalid-token$/).message).toMatch(/expired/)
    expect(expired.headers["www-authenticate"]).toBeUndefined()
    expect(sim.stats()).toMatchObject({ apiRequests: 3, apiForbidden: 3, apiUnauthorized: 0 })
  })

  it("answers 401 with a Bearer challenge when configured so, from the options or the admin endpoint", async () => {
    const sim = await start({ apiRejectionStatus: 401 })
    const client = firstClient(sim)
    const res = await callApi(sim, "/mobileprocurement/v1/orders", "bogus", client)
    expectTangoeError(res, 401, /^401-invalid-token$/)
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer error="invalid_token"/)
    expect((await admin(sim, "/config", "POST", { apiRejectionStatus: 403 })).status).toBe(200)
    expectTangoeError(await callApi(sim, "/mobileprocurement/v1/orders", "bogus", client), 403, /^403-/)
    const bad = await admin(sim, "/config", "POST", { apiRejectionStatus: 402 })
    expect(bad.status).toBe(400)
    expect(json(bad).error_description).toContain("apiRejectionStatus")
    expect(sim.stats()).toMatchObject({ apiUnauthorized: 1, apiForbidden: 1 })
  })

  it("answers 403 for a live token with another tenant or another client_id: an authorization failure", async () => {
    const sim = await start({ clients: [{ tenant: "AAA" }, { tenant: "BBB" }] })
    const [a, b] = sim.clients
    if (a === undefined || b === undefined) throw new Error("two clients expected")
    const token = await accessTokenOf(sim, a)
    expectTangoeError(
      await callApi(sim, "/mobileprocurement/v1/orders", token, a, { "X-TNGO-TENANT": "BBB" }),
      403,
      /^403-tenant-forbidden$/,
    )
    expectTangoeError(
      await callApi(sim, "/mobileprocurement/v1/orders", token, a, { client_id: b.clientId }),
      403,
      /^403-client-mismatch$/,
    )
    expect((await callApi(sim, "/mobileprocurement/v1/orders", token, a)).status).toBe(200)
  })

  it("keeps /api/v1/ping as it was: 401 and no header requirement", async () => {
    const sim = await start()
    const res = await callApi(sim, "/api/v1/ping", "bogus", firstClient(sim))
    expect(res.status).toBe(401)
    expect(json(res).error).toBe("invalid_token")
  })
})

describe("the Tangoe-style API: pagination", () => {
  const page = async (sim: Simulator, client: SeededClient, token: string, query: string) => {
    const res = await callApi(sim, `/mobileprocurement/v1/orders${query}`, token, client)
    expect(res.status).toBe(200)
    return json(res) as { _meta: Record<string, unknown>; items: Array<Record<string, unknown>> }
  }

  it("pages like the docs' example: 24 items, limit 5, offset 10", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    const body = await page(sim, client, token, "?limit=5&offset=10")
    const href = (offset: number) => `${sim.url}/mobileprocurement/v1/orders?limit=5&offset=${offset}`
    expect(body._meta).toEqual({
      href: href(10),
      totalCount: 24,
      offset: 10,
      limit: 5,
      hrefStart: href(0),
      hrefPrevious: href(5),
      hrefNext: href(15),
      hrefEnd: href(20),
    })
    expect(body.items.map((i) => i.id)).toEqual(["100011", "100012", "100013", "100014", "100015"])
    expect(body.items[0]?._meta).toEqual({ href: `${sim.url}/mobileprocurement/v1/orders/100011` })
    const item = await callApi(sim, "/mobileprocurement/v1/orders/100011", token, client)
    expect(json(item)).toEqual(body.items[0])
  })

  it("leaves out the links that point to the current page, keeps other parameters, follows hrefNext to the end", async () => {
    const sim = await start({ apiCollectionSize: 7 })
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    const first = await page(sim, client, token, "?sortAscending=true&limit=3")
    expect(Object.keys(first._meta)).toEqual(["href", "totalCount", "offset", "limit", "hrefNext", "hrefEnd"])
    expect(first._meta.hrefNext).toBe(
      `${sim.url}/mobileprocurement/v1/orders?sortAscending=true&limit=3&offset=3`,
    )
    expect(first._meta.hrefEnd).toBe(
      `${sim.url}/mobileprocurement/v1/orders?sortAscending=true&limit=3&offset=6`,
    )
    const seen: Array<unknown> = []
    let next: unknown = `${sim.url}/mobileprocurement/v1/orders?limit=3`
    let pages = 0
    let last: Record<string, unknown> = {}
    while (typeof next === "string") {
      const res = await callApi(sim, next, token, client)
      const body = json(res) as { _meta: Record<string, unknown>; items: Array<Record<string, unknown>> }
      seen.push(...body.items.map((i) => i.id))
      last = body._meta
      next = body._meta.hrefNext
      pages++
    }
    expect(pages).toBe(3)
    expect(seen).toHaveLength(7)
    expect(new Set(seen).size).toBe(7)
    expect(Object.keys(last)).toEqual(["href", "totalCount", "offset", "limit", "hrefStart", "hrefPrevious"])
  })

  it("serves an empty collection with no links, and defaults to limit 10, offset 0", async () => {
    const sim = await start({ apiCollectionSize: 0 })
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    const empty = await page(sim, client, token, "")
    expect(empty).toEqual({
      _meta: {
        href: `${sim.url}/mobileprocurement/v1/orders?limit=10&offset=0`,
        totalCount: 0,
        offset: 0,
        limit: 10,
      },
      items: [],
    })
    sim.configure({ apiCollectionSize: 31 })
    const docs = await page(sim, client, token, "?limit=3&offset=9")
    expect(docs._meta.hrefEnd).toBe(`${sim.url}/mobileprocurement/v1/orders?limit=3&offset=30`)
    expect(docs._meta.hrefPrevious).toBe(`${sim.url}/mobileprocurement/v1/orders?limit=3&offset=6`)
  })

  it("answers 400 for a bad, zero, oversized or repeated limit or offset; 404 and 405 with Tangoe bodies", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const token = await accessTokenOf(sim, client)
    for (const query of [
      "?limit=0",
      "?limit=abc",
      "?limit=1001",
      "?offset=-1",
      "?limit=2&limit=3",
      "?offset=1.5",
    ]) {
      expectTangoeError(
        await callApi(sim, `/mobileprocurement/v1/orders${query}`, token, client),
        400,
        /^400-invalid-(limit|offset)$/,
      )
    }
    expectTangoeError(await callApi(sim, "/mobileprocurement/v1/orders/999", token, client), 404, /^404-/)
    expectTangoeError(await callApi(sim, "/mobileprocurement/v1/devices", token, client), 404, /^404-/)
    const post = await callApi(sim, "/mobileprocurement/v1/orders", token, client, {}, { method: "POST" })
    expectTangoeError(post, 405, /^405-/)
    expect(post.headers.allow).toBe("GET")
    const badSize = await admin(sim, "/config", "POST", { apiCollectionSize: -1 })
    expect(badSize.status).toBe(400)
  })
})
