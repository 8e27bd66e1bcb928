/**
 * The credential's hooks with a fake of n8n's `httpRequest`: the refresh request, the fields n8n
 * persists, the in-process single flight, and every failure, whose output must never show a secret.
 */
import { inspect } from "node:util"
import { secretFingerprint as fingerprint, makeFlightTable, TOKEN_URLS } from "@tangoe-token/core/host"
import { type INode, NodeApiError } from "n8n-workflow"
import { beforeEach, describe, expect, it, vi } from "vitest"
import { TangoeApi } from "../credentials/TangoeApi.credentials.ts"
import { Tangoe } from "../nodes/Tangoe/Tangoe.node.ts"
import { refreshCredential } from "../shared/refresh.ts"
import { findTangoeAuthMarker, TangoeAuthError } from "../shared/TangoeAuthError.ts"
import {
  type Answer,
  type FakeHttp,
  fakeHttp,
  networkError,
  oauthError,
  secret,
  tokenResponse,
} from "./support/fakeHttp.mts"
import { type HookMoment, preAuthenticate } from "./support/hookCalls.mts"

const credential = new TangoeApi()

interface Secrets {
  clientSecret: string
  refreshToken: string
  newRefreshToken: string
  accessToken: string
}

let s: Secrets

beforeEach(() => {
  // Fresh values per test: the single flight is per process, keyed by the refresh token.
  s = {
    clientSecret: secret("cs_"),
    refreshToken: secret("rt_"),
    newRefreshToken: secret("rt2_"),
    accessToken: secret("at_"),
  }
})

const data = (overrides: Record<string, unknown> = {}) => ({
  environment: "qa",
  tokenUrl: "",
  clientId: "client-123",
  clientSecret: s.clientSecret,
  scope: "MOBPROC",
  refreshToken: s.refreshToken,
  placement: "query",
  apiBaseUrl: "https://api.example.com",
  tenant: "",
  context: [],
  accessToken: "",
  expiresAt: "",
  ...overrides,
})

const success = (): Answer =>
  tokenResponse({
    token_type: "Bearer",
    expires_in: 7200,
    access_token: s.accessToken,
    refresh_token: s.newRefreshToken,
  })

/** The refresh hook on a new copy of the data, before a request (or after one with it failed). */
const preAuth = (
  http: FakeHttp,
  fields: Record<string, unknown> = {},
  moment: HookMoment = "beforeRequest",
) => preAuthenticate(http.httpRequest, data(fields) as never, moment)

const errorOf = async (promise: Promise<unknown>): Promise<TangoeAuthError> => {
  try {
    await promise
  } catch (error) {
    return error as TangoeAuthError
  }
  throw new Error("expected a rejection")
}

const node: INode = {
  id: "n1",
  name: "Tangoe",
  type: "@tangoe-token/n8n-nodes-tangoe.tangoe",
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
}

/** Every way an error can be shown: its own text and n8n's wrapper's. */
const renderings = (error: unknown): string => {
  const wrapped = new NodeApiError(node, error as never)
  return [
    String(error),
    (error as Error).message,
    (error as Error).stack ?? "",
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    wrapped.message,
    String(wrapped.description),
    inspect(wrapped, { depth: 10 }),
    JSON.stringify(wrapped),
  ].join("\n")
}

const leaked = (text: string): string[] =>
  Object.entries(s)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name)

describe("credential description", () => {
  it("has the fields of the issue, secrets as password fields, and one expirable hidden access token", () => {
    const byName = Object.fromEntries(credential.properties.map((p) => [p.name, p]))
    expect(Object.keys(byName)).toEqual([
      "environment",
      "tokenUrl",
      "clientId",
      "clientSecret",
      "scope",
      "authentication",
      "username",
      "password",
      "refreshToken",
      "placement",
      "apiBaseUrl",
      "tenant",
      "companyEmployeeId",
      "employeeId",
      "hierarchyId",
      "accessToken",
      "expiresAt",
      "healedAt",
    ])
    expect(byName.tenant?.default).toBe("")
    expect(byName.password?.typeOptions?.password).toBe(true)
    expect(byName.authentication?.default).toBe("refreshToken")
    // The refresh token is shown in both modes (n8n drops the values of fields it does not show).
    const refreshTokenFields = credential.properties.filter((p) => p.name === "refreshToken")
    expect(refreshTokenFields.map((p) => p.displayOptions?.show?.authentication)).toEqual([
      ["serviceAccount"],
      ["refreshToken"],
    ])
    expect(refreshTokenFields.map((p) => p.typeOptions?.password)).toEqual([true, true])
    expect(byName.clientSecret?.typeOptions?.password).toBe(true)
    expect(byName.refreshToken?.typeOptions?.password).toBe(true)
    expect(byName.placement?.default).toBe("query")
    // n8n refreshes through the FIRST hidden field with `expirable: true`.
    const expirable = credential.properties.filter(
      (p) => p.type === "hidden" && p.typeOptions?.expirable === true,
    )
    expect(expirable.map((p) => p.name)).toEqual(["accessToken"])
    expect(byName.expiresAt?.type).toBe("hidden")
  })

  it("authenticates with a Bearer header, and has its own test request (the node names no testedBy)", async () => {
    const authenticate = credential.authenticate
    if (typeof authenticate !== "function") throw new Error("authenticate must be a function")
    const options = await authenticate(
      { accessToken: "at-1", clientId: "c-1", tenant: "" },
      { url: "https://api.example/v1/x", headers: { authorization: "Basic old", Accept: "x" } },
    )
    // Exactly one Authorization (ours), the request's other headers kept; no tenant configured, none sent.
    expect(options.headers).toEqual({
      Accept: "x",
      Authorization: "Bearer at-1",
      client_id: "c-1",
      "X-TNGO-CONTEXT-CORRELATIONID": expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    expect(options.url).toBe("https://api.example/v1/x")
    // n8n 2.41.1 runs a credential's own `test` through its routing path, with preAuthentication first.
    expect(credential.test.request).toMatchObject({ method: "GET", url: "={{$credentials.apiBaseUrl}}" })
    const entry = new Tangoe().description.credentials?.find((c) => c.name === "tangoeApi")
    expect(entry).toEqual({ name: "tangoeApi", required: true })
    expect("methods" in new Tangoe()).toBe(false)
  })
})

describe("Tangoe's API headers on every request made with the credential", () => {
  const authenticate = credential.authenticate
  const run = (credentials: Record<string, string>, headers: Record<string, string> = {}) => {
    if (typeof authenticate !== "function") throw new Error("authenticate must be a function")
    return authenticate(
      { accessToken: "at-1", clientId: "c-1", ...credentials },
      { url: "https://a.example/x", headers },
    )
  }

  it("adds X-TNGO-TENANT (the tenant field) and client_id (the client ID)", async () => {
    const first = (await run({ tenant: " ACME " })).headers ?? {}
    expect(first).toEqual({
      Authorization: "Bearer at-1",
      "X-TNGO-TENANT": "ACME",
      client_id: "c-1",
      "X-TNGO-CONTEXT-CORRELATIONID": expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
    // A new correlation id for every request.
    const second = (await run({ tenant: "ACME" })).headers ?? {}
    expect(second["X-TNGO-CONTEXT-CORRELATIONID"]).not.toBe(first["X-TNGO-CONTEXT-CORRELATIONID"])
  })

  it("adds the default context headers the credential names, never over the request's own", async () => {
    const sent = (
      await run(
        { tenant: "ACME", companyEmployeeId: " 42 ", employeeId: "", hierarchyId: "H-7" },
        { "x-tngo-context-hierarchyid": "H-mine" },
      )
    ).headers
    expect(sent).toMatchObject({
      "X-TNGO-CONTEXT-COMPANYEMPLOYEEID": "42",
      "x-tngo-context-hierarchyid": "H-mine",
    })
    // An empty field sends nothing, and the request's own hierarchy id is the only one.
    expect(Object.keys(sent ?? {}).filter((name) => /employeeid$|hierarchyid$/i.test(name))).toEqual([
      "x-tngo-context-hierarchyid",
      "X-TNGO-CONTEXT-COMPANYEMPLOYEEID",
    ])
  })

  it("keeps a tenant or client header the request set, in any case", async () => {
    expect(
      (
        await run(
          { tenant: "ACME" },
          { "x-tngo-tenant": "OTHER", Client_Id: "mine", "x-tngo-context-correlationid": "wf-1" },
        )
      ).headers,
    ).toEqual({
      "x-tngo-tenant": "OTHER",
      Client_Id: "mine",
      "x-tngo-context-correlationid": "wf-1",
      Authorization: "Bearer at-1",
    })
  })
})

describe("preAuthentication", () => {
  it("refreshes with Tangoe's documented query form and returns exactly the fields n8n must persist", async () => {
    const http = fakeHttp(success())
    const before = Date.now()
    const output = await preAuth(http)
    expect(Object.keys(output).sort()).toEqual(["accessToken", "expiresAt", "refreshToken"])
    expect(output.accessToken === s.accessToken).toBe(true)
    expect(output.refreshToken === s.newRefreshToken).toBe(true)
    const expiresAt = Date.parse(String(output.expiresAt))
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7_199_000)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7_200_000)

    expect(http.calls).toHaveLength(1)
    const call = http.calls[0]
    expect(call).toMatchObject({
      method: "POST",
      returnFullResponse: true,
      ignoreHttpStatusErrors: true,
      disableFollowRedirect: true,
      encoding: "text",
    })
    expect(call?.body).toBeUndefined()
    const url = new URL(String(call?.url))
    expect(`${url.origin}${url.pathname}`).toBe(TOKEN_URLS.qa)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      grant_type: "refresh_token",
      client_id: "client-123",
      client_secret: s.clientSecret,
      scope: "MOBPROC",
      refresh_token: s.refreshToken,
    })
  })

  it("goes to the production endpoint, or to a custom token URL", async () => {
    const production = fakeHttp(success())
    await preAuth(production, { environment: "production" })
    expect(String(production.calls[0]?.url).startsWith(`${TOKEN_URLS.production}?`)).toBe(true)

    s.refreshToken = secret("rt_")
    const custom = fakeHttp(success())
    await preAuth(custom, { environment: "custom", tokenUrl: "http://127.0.0.1:4567/as/token.oauth2" })
    expect(String(custom.calls[0]?.url).startsWith("http://127.0.0.1:4567/as/token.oauth2?")).toBe(true)
  })

  it("sends a form body when the placement is body, and no scope when it is empty", async () => {
    const http = fakeHttp(success())
    await preAuth(http, { placement: "body", scope: "" })
    const call = http.calls[0]
    expect(call?.url).toBe(TOKEN_URLS.qa)
    const headers = (call?.headers ?? {}) as Record<string, string>
    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded")
    expect(Object.fromEntries(new URLSearchParams(String(call?.body)))).toEqual({
      grant_type: "refresh_token",
      client_id: "client-123",
      client_secret: s.clientSecret,
      refresh_token: s.refreshToken,
    })
  })

  it("keeps the current refresh token when the server does not send a new one", async () => {
    const http = fakeHttp(
      tokenResponse({ token_type: "bearer", expires_in: "3600", access_token: s.accessToken }),
    )
    const output = await preAuth(http)
    expect(output.refreshToken === s.refreshToken).toBe(true)
  })
})

describe("single flight inside one process", () => {
  it("turns concurrent refreshes of the same credential into one request; all get its result", async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const http = fakeHttp(async () => {
      await gate
      return success()
    })
    const outputs = Promise.all([preAuth(http), preAuth(http), preAuth(http)])
    // An event, not a pause: the one request is on the wire (held by the gate) before it is answered.
    await vi.waitFor(() => expect(http.calls).toHaveLength(1), { timeout: 60_000, interval: 5 })
    release()
    const [a, b, c] = await outputs
    expect(http.calls).toHaveLength(1)
    expect(a).toEqual(b)
    expect(b).toEqual(c)
    expect(a?.refreshToken === s.newRefreshToken).toBe(true)
  })

  it("hands a finished refresh to a late caller still holding the old tokens, without a request", async () => {
    const http = fakeHttp(success())
    const first = await preAuth(http, { accessToken: "expired-access-token" }, "afterFailedRequest")
    const late = await preAuth(http, { accessToken: "expired-access-token" }, "afterFailedRequest")
    expect(http.calls).toHaveLength(1)
    expect(late).toEqual(first)
  })

  it("refreshes again when the caller's 401 came with the token that refresh produced", async () => {
    // A server that does not rotate: the same refresh token stays, so the key stays the same.
    const http = fakeHttp(
      tokenResponse({ token_type: "Bearer", expires_in: 7200, access_token: s.accessToken }),
      tokenResponse({ token_type: "Bearer", expires_in: 7200, access_token: s.newRefreshToken }),
    )
    await preAuth(http)
    const again = await preAuth(http, { accessToken: s.accessToken }, "afterFailedRequest")
    expect(http.calls).toHaveLength(2)
    expect(again.accessToken === s.newRefreshToken).toBe(true)
  })

  it("keeps refreshes of different refresh tokens apart", async () => {
    const http = fakeHttp(success())
    await preAuth(http)
    await preAuth(http, { refreshToken: secret("other_") })
    expect(http.calls).toHaveLength(2)
  })

  it("does not send a refresh token again that the server has just refused", async () => {
    const http = fakeHttp(oauthError(400, "invalid_grant", "unknown or expired refresh token"))
    const first = await errorOf(preAuth(http))
    const second = await errorOf(preAuth(http))
    expect(http.calls).toHaveLength(1)
    expect(second).toBe(first)
    expect(first).toBeInstanceOf(TangoeAuthError)
    expect(findTangoeAuthMarker(first)).toEqual({
      reason: "InvalidGrant",
      refreshTokenFingerprint: fingerprint(s.refreshToken),
    })
    expect(first.message).toContain("re-provision")
  })
})

describe("failures reach the user as actionable errors without secrets", () => {
  const cases: ReadonlyArray<{
    readonly name: string
    readonly answers: () => Answer[]
    readonly reason: string
    readonly says: RegExp
    readonly calls: number
    readonly fields?: Record<string, unknown>
  }> = [
    {
      name: "invalid_grant",
      answers: () => [oauthError(400, "invalid_grant", `token ${s.refreshToken} is unknown`)],
      reason: "InvalidGrant",
      says: /re-provision/,
      calls: 1,
    },
    {
      name: "invalid_client (a pair from another environment)",
      answers: () => [oauthError(401, "invalid_client", `client secret ${s.clientSecret} rejected`)],
      reason: "InvalidClient",
      says: /ONE environment/,
      calls: 1,
    },
    {
      name: "invalid_scope",
      answers: () => [oauthError(400, "invalid_scope")],
      reason: "InvalidScope",
      says: /scope/,
      calls: 1,
    },
    {
      name: "invalid_request",
      answers: () => [oauthError(400, "invalid_request")],
      reason: "InvalidRequest",
      says: /placement/,
      calls: 1,
    },
    {
      name: "unsupported_grant_type",
      answers: () => [oauthError(400, "unsupported_grant_type")],
      reason: "UnsupportedGrantType",
      says: /token\.oauth2/,
      calls: 1,
    },
    {
      name: "unauthorized_client",
      answers: () => [oauthError(400, "unauthorized_client")],
      reason: "UnauthorizedClient",
      says: /grant types/,
      calls: 1,
    },
    {
      name: "500 after the server may have rotated (not retried)",
      answers: () => [oauthError(500, "server_error")],
      reason: "ServerError",
      says: /may have processed/,
      calls: 1,
    },
    {
      name: "an HTML gateway page",
      answers: () => [
        { statusCode: 502, headers: { "content-type": "text/html" }, body: "<html>Bad gateway</html>" },
      ],
      reason: "ServerError",
      says: /502/,
      calls: 1,
    },
    {
      name: "a gateway's 502 whose description n8n would swap for a generic text",
      answers: () => [oauthError(502, "server_error", "Bad Gateway")],
      reason: "ServerError",
      says: /details say why/,
      calls: 1,
    },
    {
      name: "broken JSON with 200",
      answers: () => [
        { statusCode: 200, headers: { "content-type": "application/json" }, body: '{"access_token":' },
      ],
      reason: "MalformedResponse",
      says: /not a JSON object/,
      calls: 1,
    },
    {
      name: "a 200 without access_token",
      answers: () => [
        tokenResponse({ token_type: "Bearer", expires_in: 7200, refresh_token: s.newRefreshToken }),
      ],
      reason: "MalformedResponse",
      says: /access_token/,
      calls: 1,
    },
    {
      name: "a token type other than Bearer",
      answers: () => [
        tokenResponse({
          token_type: "mac",
          expires_in: 7200,
          access_token: s.accessToken,
          refresh_token: s.newRefreshToken,
        }),
      ],
      reason: "MalformedResponse",
      says: /token_type/,
      calls: 1,
    },
    {
      name: "a redirect (never followed: the URL carries secrets)",
      answers: () => [{ statusCode: 302, headers: { location: "https://elsewhere.example.com/" } }],
      reason: "MalformedResponse",
      says: /redirect/,
      calls: 1,
    },
    {
      name: "a connection reset after sending (ambiguous: not retried)",
      answers: () => [
        { throws: networkError("ECONNRESET", `${TOKEN_URLS.qa}?client_secret=${s.clientSecret}`) },
      ],
      reason: "Transport",
      says: /may have rotated/,
      calls: 1,
    },
    {
      name: "n8n's HTTP client timing out (ambiguous)",
      answers: () => [
        { throws: networkError("ECONNABORTED", `${TOKEN_URLS.qa}?refresh_token=${s.refreshToken}`) },
      ],
      reason: "Transport",
      says: /the connection failed after the request was sent/,
      calls: 1,
    },
    {
      name: "an invalid custom token URL (nothing sent)",
      answers: () => [success()],
      reason: "InvalidConfig",
      says: /environment\.tokenUrl/,
      calls: 0,
      fields: { environment: "custom", tokenUrl: "http://tokens.example.com/as/token.oauth2" },
    },
    {
      name: "an empty client id (nothing sent)",
      answers: () => [success()],
      reason: "InvalidConfig",
      says: /clientId/,
      calls: 0,
      fields: { clientId: "" },
    },
    // Issue 18, problem 6: a field of spaces was sent to the server.
    {
      name: "a client secret of only spaces (nothing sent)",
      answers: () => [success()],
      reason: "InvalidConfig",
      says: /"Client Secret" field: invalid setting `clientSecret`/,
      calls: 0,
      fields: { clientSecret: "   " },
    },
    {
      name: "a client id of only spaces (nothing sent)",
      answers: () => [success()],
      reason: "InvalidConfig",
      says: /"Client ID" field: invalid setting `clientId`/,
      calls: 0,
      fields: { clientId: " \t " },
    },
    {
      name: "a refresh token of only spaces (nothing sent, never a placeholder)",
      answers: () => [success()],
      reason: "InvalidConfig",
      says: /"Refresh Token" field: invalid setting `refreshToken`/,
      calls: 0,
      fields: { refreshToken: "    " },
    },
  ]

  for (const c of cases) {
    it(c.name, async () => {
      const http = fakeHttp(...c.answers())
      const error = await errorOf(preAuth(http, c.fields))
      expect(error).toBeInstanceOf(TangoeAuthError)
      expect(findTangoeAuthMarker(error)?.reason).toBe(c.reason)
      expect(error.message).toMatch(/^Tangoe token refresh failed[:;] /)
      expect(error.message).toMatch(c.says)
      expect(http.calls).toHaveLength(c.calls)
      // n8n replaces a message that has a status or code field, or a network error code in its text.
      const shown = new NodeApiError(node, error as never)
      expect(shown.message).toBe(error.message)
      expect(shown.description).toBe(error.description)
      if (c.reason === "Transport") expect(error.description).toMatch(/^Error code: ECONN/)
      expect(leaked(renderings(error))).toEqual([])
    })
  }

  it("retries what certainly did no harm (429, 503, connection refused) within the budget", async () => {
    const http = fakeHttp(
      { statusCode: 429, headers: { "retry-after": "0" }, body: "" },
      oauthError(503, "temporarily_unavailable"),
      { throws: networkError("ECONNREFUSED", TOKEN_URLS.qa) },
      success(),
    )
    const outcome = await refreshCredential(http.httpRequest, toData(), { flights: makeFlightTable() })
    expect(http.calls).toHaveLength(4)
    expect(outcome.refreshToken === s.newRefreshToken).toBe(true)
  })

  it("gives up when the budget is spent, saying the refresh token was not used", async () => {
    const http = fakeHttp({
      throws: networkError("ECONNREFUSED", `${TOKEN_URLS.qa}?client_secret=${s.clientSecret}`),
    })
    const error = await errorOf(
      refreshCredential(http.httpRequest, toData(), {
        flights: makeFlightTable(),
        retryBudgetMillis: 300,
      }),
    )
    expect(findTangoeAuthMarker(error)?.reason).toBe("Transport")
    expect(error.message).toMatch(/never left/)
    expect(http.calls.length).toBeGreaterThanOrEqual(1)
    expect(leaked(renderings(error))).toEqual([])
  })

  it("reports a credential domain allowlist that blocks the token URL", async () => {
    const http = fakeHttp({
      throws: new Error(
        "Domain not allowed: This credential is restricted from accessing oauthqa.tangoe.com.",
      ),
    })
    const error = await errorOf(
      refreshCredential(http.httpRequest, toData(), {
        flights: makeFlightTable(),
        retryBudgetMillis: 200,
      }),
    )
    expect(error.description).toBe("Error code: DOMAIN_NOT_ALLOWED")
  })

  it("hides anything unexpected behind a generic message", async () => {
    const http = fakeHttp(() => {
      throw Object.assign(new TypeError(`boom ${s.clientSecret}`), { code: undefined })
    })
    const error = await errorOf(preAuth(http))
    expect(error).toBeInstanceOf(TangoeAuthError)
    expect(leaked(renderings(error))).toEqual([])
  })
})

const toData = () => {
  const d = data()
  return {
    authentication: "refreshToken" as const,
    username: "",
    password: "",
    environment: "qa" as const,
    tokenUrl: "",
    clientId: d.clientId,
    clientSecret: d.clientSecret,
    scope: d.scope,
    refreshToken: d.refreshToken,
    placement: "query" as const,
    apiBaseUrl: d.apiBaseUrl,
    tenant: "",
    context: [],
    accessToken: "",
    expiresAt: "",
  }
}
