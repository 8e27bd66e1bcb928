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
  it("sends through httpRequestWithAuthentication, so that only a 401 makes n8n refresh", async () => {
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
      ignoreHttpStatusErrors: { ignore: true, except: [401] },
      json: true,
      timeout: 5000,
      qs: { page: "2" },
      headers: { "X-Trace": "abc" },
      body: { name: "phone" },
    })
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
