/**
 * The Tangoe node's operations with a fake n8n context: what it sends through
 * `httpRequestWithAuthentication`, what it outputs, how it fails, and its answer to a refresh race.
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { secretFingerprint as fingerprint } from "@tangoe-token/core/host"
import { NodeApiError, NodeOperationError } from "n8n-workflow"
import { describe, expect, it } from "vitest"
import { Tangoe } from "../nodes/Tangoe/Tangoe.node.ts"
import { TangoeAuthError } from "../shared/TangoeAuthError.ts"
import { type AuthCall, fakeContext, fakeNode } from "./support/fakeContext.mts"

const here = dirname(fileURLToPath(import.meta.url))
const node = new Tangoe()

const credential = (fields: Record<string, unknown> = {}) => ({
  environment: "qa",
  clientId: "client-123",
  clientSecret: "cs-not-used-here",
  scope: "MOBPROC",
  refreshToken: "rt-current",
  placement: "query",
  apiBaseUrl: "https://api.example.com/tangoe",
  accessToken: "at-current",
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  ...fields,
})

const ok = (body: unknown, statusCode = 200) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body,
})

const apiRequest = (parameters: Record<string, unknown> = {}) => ({
  operation: "apiRequest",
  method: "GET",
  url: "/v1/devices",
  options: {},
  ...parameters,
})

const run = async (context: ReturnType<typeof fakeContext>) =>
  (await node.execute.call(context.context))[0] ?? []

describe("description", () => {
  it("is a programmatic node usable as a tool, with the credential, icons and a codex that exist", () => {
    const d = node.description
    expect(d.name).toBe("tangoe")
    expect(d.usableAsTool).toBe(true)
    expect(d.credentials).toEqual([{ name: "tangoeApi", required: true }])
    const icons = d.icon as { light: string; dark: string }
    for (const icon of [icons.light, icons.dark]) {
      expect(existsSync(join(here, "../nodes/Tangoe", icon.replace(/^file:/, "")))).toBe(true)
    }
    const codex = JSON.parse(readFileSync(join(here, "../nodes/Tangoe/Tangoe.node.json"), "utf8"))
    expect(codex.node).toBe("@tangoe-token/n8n-nodes-tangoe.tangoe")
    const operations = d.properties.find((p) => p.name === "operation")?.options as Array<{ value: string }>
    expect(operations.map((o) => o.value)).toEqual(["apiRequest", "getAccessToken"])
  })
})

describe("API Request", () => {
  it("sends through httpRequestWithAuthentication with every status as a response (the node replays a 401/403 itself) and a correlation id of its own", async () => {
    const context = fakeContext({
      parameters: apiRequest({
        method: "POST",
        sendQuery: true,
        queryParameters: { parameters: [{ name: "page", value: "2" }] },
        sendHeaders: true,
        headerParameters: { parameters: [{ name: "X-Trace", value: "abc" }] },
        sendBody: true,
        body: '{"name":"phone"}',
        options: { timeout: 5000 },
      }),
      credential,
      request: async () => ok({ id: 7 }),
    })
    const output = await run(context)
    expect(output).toEqual([{ json: { id: 7 }, pairedItem: { item: 0 } }])
    expect(context.calls).toHaveLength(1)
    const call = context.calls[0] as AuthCall
    expect(call.credentialType).toBe("tangoeApi")
    expect(call.options).toEqual({
      method: "POST",
      url: "https://api.example.com/tangoe/v1/devices",
      returnFullResponse: true,
      ignoreHttpStatusErrors: true,
      json: true,
      timeout: 5000,
      qs: { page: "2" },
      headers: { "X-Trace": "abc", "X-TNGO-CONTEXT-CORRELATIONID": expect.stringMatching(/^[0-9a-f-]{36}$/) },
      body: { name: "phone" },
    })
    // No refresh forced: n8n's own credential data is used.
    expect(call.additional).toBeUndefined()
  })

  it("outputs one item per array element, or the status and headers when asked", async () => {
    const list = fakeContext({
      parameters: apiRequest(),
      credential,
      request: async () => ok([{ a: 1 }, { a: 2 }]),
    })
    expect((await run(list)).map((item) => item.json)).toEqual([{ a: 1 }, { a: 2 }])

    const full = fakeContext({
      parameters: apiRequest({ options: { fullResponse: true } }),
      credential,
      request: async () => ok({ a: 1 }),
    })
    expect((await run(full))[0]?.json).toEqual({
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: { a: 1 },
    })
  })

  it("sends the items' requests in parallel, up to the limit, keeping their order", async () => {
    let running = 0
    let most = 0
    const context = fakeContext({
      parameters: apiRequest({ options: { concurrency: 2 } }),
      items: [{ json: {} }, { json: {} }, { json: {} }, { json: {} }],
      credential,
      request: async () => {
        running++
        most = Math.max(most, running)
        const n = most
        await new Promise((resolve) => setTimeout(resolve, 10))
        running--
        return ok({ n })
      },
    })
    const output = await run(context)
    expect(output.map((item) => item.pairedItem)).toEqual([
      { item: 0 },
      { item: 1 },
      { item: 2 },
      { item: 3 },
    ])
    expect(most).toBe(2)
  })

  it("fails on an error status unless told never to, and continues on fail when set", async () => {
    const failing = fakeContext({
      parameters: apiRequest(),
      credential,
      request: async () => ok({ message: "nope" }, 404),
    })
    await expect(run(failing)).rejects.toBeInstanceOf(NodeApiError)

    const never = fakeContext({
      parameters: apiRequest({ options: { neverError: true } }),
      credential,
      request: async () => ok({ message: "nope" }, 404),
    })
    expect((await run(never))[0]?.json).toEqual({ message: "nope" })

    const tolerant = fakeContext({
      parameters: apiRequest(),
      credential,
      continueOnFail: true,
      request: async () => ok({ message: "nope" }, 404),
    })
    expect((await run(tolerant))[0]?.json.error).toEqual(expect.any(String))
  })

  it("refuses a URL outside the API base URL and an Authorization header of the user's own", async () => {
    const outside = fakeContext({
      parameters: apiRequest({ url: "https://evil.example.com/collect" }),
      credential,
      request: async () => ok({}),
    })
    await expect(run(outside)).rejects.toBeInstanceOf(NodeOperationError)

    const header = fakeContext({
      parameters: apiRequest({
        sendHeaders: true,
        headerParameters: { parameters: [{ name: "authorization", value: "x" }] },
      }),
      credential,
      request: async () => ok({}),
    })
    await expect(run(header)).rejects.toThrow(/Authorization header/)
    expect(outside.calls.length + header.calls.length).toBe(0)
  })

  it("after invalid_grant, waits for another process's rotated token and sends once more", async () => {
    let stored = credential()
    const refused = new NodeApiError(
      fakeNode,
      new TangoeAuthError("Tangoe token refresh failed: invalid_grant", {
        reason: "InvalidGrant",
        refreshTokenFingerprint: fingerprint("rt-current"),
      }) as never,
    )
    const context = fakeContext({
      parameters: apiRequest(),
      credential: () => stored,
      request: async () => {
        if (context.calls.length === 1) {
          // The other process stores its rotated tokens a little later.
          setTimeout(() => {
            stored = credential({ refreshToken: "rt-next", accessToken: "at-next" })
          }, 300)
          throw refused
        }
        return ok({ ok: true })
      },
    })
    const output = await run(context)
    expect(output[0]?.json).toEqual({ ok: true })
    expect(context.calls).toHaveLength(2)
  })
})

describe("API Request: a rejected token (401/403)", () => {
  const tangoeBody = (status: number, errorCode: string, message: string) =>
    ok({ status, id: "e7k2q", errorCode, message }, status)

  it("403 with an expired token: the stored credential is resent with its token emptied (n8n refreshes and saves), then 200", async () => {
    for (const status of [401, 403]) {
      const context = fakeContext({
        parameters: apiRequest(),
        credential,
        request: async (call) =>
          call.additional === undefined
            ? tangoeBody(status, `${status}-invalid-token`, "expired")
            : ok({ ok: 1 }),
      })
      expect((await run(context))[0]?.json).toEqual({ ok: 1 })
      expect(context.calls).toHaveLength(2)
      const forced = context.calls[1]?.additional?.credentialsDecrypted
      expect(forced).toMatchObject({
        id: "cred-1",
        type: "tangoeApi",
        data: { accessToken: "", refreshToken: "rt-current" },
      })
      // Each send has its own correlation id.
      const ids = context.calls.map(
        (c) => (c.options.headers as Record<string, string>)["X-TNGO-CONTEXT-CORRELATIONID"],
      )
      expect(new Set(ids).size).toBe(2)
    }
  })

  it("a forced refresh that another process won (invalid_grant): resends with the winner's stored tokens, not the stale copy", async () => {
    let stored = credential()
    const refused = new NodeApiError(
      fakeNode,
      new TangoeAuthError("Tangoe token refresh failed: invalid_grant", {
        reason: "InvalidGrant",
        refreshTokenFingerprint: fingerprint("rt-current"),
      }) as never,
    )
    const context = fakeContext({
      parameters: apiRequest(),
      credential: () => stored,
      request: async (call) => {
        const n = context.calls.length
        if (n === 1) return tangoeBody(403, "403-invalid-token", "expired")
        if (n === 2) {
          expect(call.additional?.credentialsDecrypted?.data).toMatchObject({
            accessToken: "",
            refreshToken: "rt-current",
          })
          setTimeout(() => {
            stored = credential({ refreshToken: "rt-winner", accessToken: "at-winner" })
          }, 300)
          throw refused
        }
        // n8n reads the stored (winner's) credential: no stale copy is handed over.
        expect(call.additional).toBeUndefined()
        return ok({ ok: 1 })
      },
    })
    expect((await run(context))[0]?.json).toEqual({ ok: 1 })
    expect(context.calls).toHaveLength(3)
  })

  it("uses the token another item already stored instead of refreshing again", async () => {
    let stored = credential()
    const context = fakeContext({
      parameters: apiRequest(),
      credential: () => stored,
      request: async (call) => {
        if (call.additional === undefined) {
          stored = credential({ accessToken: "at-newer", refreshToken: "rt-newer" })
          return tangoeBody(403, "403-invalid-token", "expired")
        }
        return ok({ ok: 1 })
      },
    })
    expect((await run(context))[0]?.json).toEqual({ ok: 1 })
    expect(context.calls[1]?.additional?.credentialsDecrypted?.data).toMatchObject({
      accessToken: "at-newer",
    })
  })

  it("403 again with a fresh token: an authorization failure with Tangoe's errorCode, message and the correlation id; no third send", async () => {
    const context = fakeContext({
      parameters: apiRequest(),
      credential,
      request: async () =>
        tangoeBody(403, "403-tenant-forbidden", "The client is not authorized for the tenant"),
    })
    const error = (await run(context).catch((e: unknown) => e)) as NodeApiError
    expect(error).toBeInstanceOf(NodeApiError)
    expect(context.calls).toHaveLength(2)
    expect(error.message).toBe(
      "Tangoe API 403 403-tenant-forbidden (not authorized, with a fresh token): The client is not authorized for the tenant",
    )
    expect(error.httpCode).toBe("403")
    const lastId = String(context.calls[1]?.options.headers?.["X-TNGO-CONTEXT-CORRELATIONID"])
    expect(error.description).toContain(`Correlation id ${lastId}`)
    expect(error.description).toContain("Tangoe error id e7k2q")
    expect(error.description).toContain("authorization failure, not an expired token")
  })

  it("a 400 Tangoe body (missing tenant) is one send, surfaced with its errorCode and the correlation id the user set", async () => {
    const context = fakeContext({
      parameters: apiRequest({
        sendHeaders: true,
        headerParameters: {
          parameters: [{ name: "x-tngo-context-correlationid", value: "my-correlation-1" }],
        },
      }),
      credential,
      request: async () =>
        tangoeBody(400, "400-missing-required-header", "Missing required header X-TNGO-TENANT"),
    })
    const error = (await run(context).catch((e: unknown) => e)) as NodeApiError
    expect(context.calls).toHaveLength(1)
    expect(context.calls[0]?.options.headers).toEqual({ "x-tngo-context-correlationid": "my-correlation-1" })
    expect(error.message).toBe(
      "Tangoe API 400 400-missing-required-header: Missing required header X-TNGO-TENANT",
    )
    expect(error.description).toContain("Correlation id my-correlation-1")
  })

  it("masks the access token if an error body echoes it", async () => {
    const context = fakeContext({
      parameters: apiRequest(),
      credential: () => credential({ accessToken: "at-current-secret-value" }),
      request: async () => tangoeBody(404, "404-not-found", "no route for token at-current-secret-value"),
    })
    const error = (await run(context).catch((e: unknown) => e)) as NodeApiError
    expect(JSON.stringify({ m: error.message, d: error.description, c: error.context })).not.toContain(
      "at-current-secret-value",
    )
  })
})

describe("API Request: Tangoe Collection", () => {
  const page = (items: unknown[], next?: string) =>
    ok({ orders: items, _meta: { totalCount: 5, ...(next === undefined ? {} : { hrefNext: next }) } })

  it("Return All follows _meta.hrefNext over three pages, one item per element", async () => {
    const context = fakeContext({
      parameters: apiRequest({ url: "/orders", collection: true, returnAll: true }),
      credential,
      request: async (call) => {
        const n = context.calls.length
        expect(call.options.url).toBe(
          n === 1
            ? "https://api.example.com/tangoe/orders"
            : `https://api.example.com/tangoe/orders?offset=${(n - 1) * 2}&limit=2`,
        )
        return n === 1
          ? page([{ id: 1 }, { id: 2 }], "https://api.example.com/tangoe/orders?offset=2&limit=2")
          : n === 2
            ? page([{ id: 3 }, { id: 4 }], "/orders?offset=4&limit=2")
            : page([{ id: 5 }])
      },
    })
    expect((await run(context)).map((item) => item.json)).toEqual([
      { id: 1 },
      { id: 2 },
      { id: 3 },
      { id: 4 },
      { id: 5 },
    ])
    expect(context.calls).toHaveLength(3)
  })

  it("an empty collection gives no items; without Return All the limit is sent and kept", async () => {
    const empty = fakeContext({
      parameters: apiRequest({ url: "/orders", collection: true, returnAll: true }),
      credential,
      request: async () => ok({ orders: [], _meta: { totalCount: 0 } }),
    })
    expect(await run(empty)).toEqual([])

    const limited = fakeContext({
      parameters: apiRequest({ url: "/orders", collection: true, returnAll: false, limit: 3 }),
      credential,
      request: async () => context2Page(limited.calls.length),
    })
    const context2Page = (n: number) =>
      n === 1
        ? page([{ id: 1 }, { id: 2 }], "/orders?offset=2&limit=2")
        : page([{ id: 3 }, { id: 4 }], "/orders?offset=4")
    expect((await run(limited)).map((item) => item.json)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }])
    expect(limited.calls[0]?.options.qs).toEqual({ limit: 3 })
    expect(limited.calls).toHaveLength(2)
  })

  it("refuses an hrefNext on another host (no token sent there) and stops at Max Pages", async () => {
    const foreign = fakeContext({
      parameters: apiRequest({ url: "/orders", collection: true, returnAll: true }),
      credential,
      request: async () => page([{ id: 1 }], "https://evil.example.com/orders?offset=1"),
    })
    await expect(run(foreign)).rejects.toThrow(/hrefNext was not followed.*evil\.example\.com/)
    expect(foreign.calls).toHaveLength(1)

    const endless = fakeContext({
      parameters: apiRequest({ url: "/orders", collection: true, returnAll: true, options: { maxPages: 2 } }),
      credential,
      request: async () => page([{ id: 1 }], "/orders?offset=1"),
    })
    await expect(run(endless)).rejects.toThrow(/Stopped after 2 pages/)
    expect(endless.calls).toHaveLength(2)
  })
})

describe("Get Access Token", () => {
  const getToken = (parameters: Record<string, unknown> = {}) => ({
    operation: "getAccessToken",
    minValidity: 300,
    includeAccessToken: false,
    ...parameters,
  })

  it("outputs the stored token's header and expiry without a request while it is valid long enough", async () => {
    const context = fakeContext({ parameters: getToken(), credential, request: async () => ok({}) })
    const [item] = await run(context)
    expect(context.calls).toHaveLength(0)
    expect(Object.keys(item?.json ?? {}).sort()).toEqual([
      "authorization",
      "expiresAt",
      "expiresIn",
      "tokenType",
    ])
    expect(item?.json.authorization).toBe("Bearer at-current")
    expect(item?.json.expiresIn).toBeGreaterThan(3500)
  })

  it("adds the bare token only when asked", async () => {
    const context = fakeContext({
      parameters: getToken({ includeAccessToken: true }),
      credential,
      request: async () => ok({}),
    })
    expect((await run(context))[0]?.json.accessToken).toBe("at-current")
  })

  it("refreshes first through n8n (which saves the tokens) when the token expires too soon", async () => {
    const soon = () => credential({ expiresAt: new Date(Date.now() + 60_000).toISOString() })
    const context = fakeContext({
      parameters: getToken(),
      credential: soon,
      request: async (call) => {
        // What n8n does: the empty access token makes it run the credential's refresh, store the
        // result, and write it into the credential data it was given.
        const data = call.additional?.credentialsDecrypted?.data as Record<string, unknown>
        expect(data.accessToken).toBe("")
        Object.assign(data, {
          accessToken: "at-fresh",
          refreshToken: "rt-fresh",
          expiresAt: new Date(Date.now() + 7_200_000).toISOString(),
        })
        return ok({}, 404)
      },
    })
    const [item] = await run(context)
    expect(item?.json.authorization).toBe("Bearer at-fresh")
    const call = context.calls[0] as AuthCall
    expect(call.options).toMatchObject({
      method: "GET",
      url: "https://api.example.com/tangoe",
      ignoreHttpStatusErrors: true,
    })
    expect(call.additional?.credentialsDecrypted).toMatchObject({
      id: "cred-1",
      name: "Tangoe",
      type: "tangoeApi",
    })
  })

  it("fails with the refresh's error when the refresh fails", async () => {
    const context = fakeContext({
      parameters: getToken(),
      credential: () => credential({ accessToken: "", expiresAt: "" }),
      request: async () => {
        throw new NodeApiError(
          fakeNode,
          new TangoeAuthError("Tangoe token refresh failed: invalid_client", {
            reason: "InvalidClient",
            refreshTokenFingerprint: fingerprint("rt-current"),
          }) as never,
        )
      },
    })
    await expect(run(context)).rejects.toThrow(/invalid_client/)
  })
})
