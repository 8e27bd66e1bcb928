/**
 * The Tangoe API layer against the real simulator's Tangoe-style API: the headers on every call and
 * never over the caller's, the Tangoe 400 body as a typed error, 403 with an expired token (one refresh,
 * replay, 200) and with a fresh token (an authorization error, no refresh loop), pagination over three
 * pages and an empty collection, a cross-host `hrefNext` refused, `validate_bearer` permitted / not
 * permitted / filling the tenant, and no secret in any error.
 */
import { once } from "node:events"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as util from "node:util"
import { type SeededClient, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { afterAll, afterEach, assert, beforeAll, beforeEach, describe, it } from "vitest"
import { InvalidConfig } from "../../core/src/InvalidConfig.ts"
import { layerMemoryStore } from "../../core/src/MemoryStore.ts"
import {
  createTangoeApi,
  TangoeApi,
  type TangoeApiClient,
  type TangoeApiClientOptions,
  type TangoePage,
} from "../../core/src/TangoeApi.ts"
import { isTangoeApiError, TangoeApiError } from "../../core/src/TangoeApiError.ts"
import { API_BASE_URL_SOURCES, API_BASE_URLS } from "../../core/src/TangoeApiUrls.ts"
import { TokenManager } from "../../core/src/TokenManager.ts"
import { validateToken } from "../../core/src/TokenValidation.ts"

let sim: Simulator
let client: SeededClient
const open: Array<TangoeApiClient> = []
/** Every error a test saw, scanned for secrets at the end. */
const seen: Array<unknown> = []
/** Every secret: client secrets, refresh tokens, access tokens handed out. */
const secrets = new Set<string>()

beforeAll(async () => {
  sim = await startSimulator({ environment: "qa", clients: [{ tenant: "ACME" }] })
  client = sim.clients[0] as SeededClient
  secrets.add(client.clientSecret)
})
afterAll(async () => {
  await sim.close()
})
beforeEach(() => {
  sim.resetStats()
  sim.configure({ apiRejectionStatus: 403, apiCollectionSize: 24 })
})
afterEach(async () => {
  for (const api of open.splice(0)) {
    secrets.add(await api.tokens.getAccessToken().catch(() => ""))
    await api.close()
  }
})

/** An API client over a new token family of `who` (so tests do not share a rotating chain). */
const apiFor = (
  overrides: Partial<TangoeApiClientOptions> = {},
  who: SeededClient = client,
): TangoeApiClient => {
  const refreshToken = sim.issueRefreshToken(who.clientId)
  secrets.add(refreshToken)
  const api = createTangoeApi({
    environment: { tokenUrl: sim.tokenUrl },
    clientId: who.clientId,
    clientSecret: who.clientSecret,
    refreshToken,
    scope: "MOBPROC",
    baseUrl: sim.apiBaseUrl,
    tenant: "ACME",
    retry: false,
    ...overrides,
  })
  open.push(api)
  return api
}

const failure = async (promise: Promise<unknown>): Promise<TangoeApiError> => {
  const error = await promise.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  )
  seen.push(error)
  assert.instanceOf(error, TangoeApiError)
  return error as TangoeApiError
}

const lastApiRequest = () => {
  const all = sim.apiRequests()
  return all[all.length - 1]
}

describe("headers", () => {
  it("every call carries Authorization, X-TNGO-TENANT, client_id, the context headers and a fresh correlation id", async () => {
    const api = apiFor({ companyEmployeeId: "pedwards@acme.com", hierarchyId: "H-7", activityId: "batch-42" })
    await api.json("orders")
    await api.json("/orders/100001")
    const [a, b] = sim.apiRequests()
    for (const r of [a, b]) {
      assert.isDefined(r)
      assert.strictEqual(r?.status, 200)
      assert.strictEqual(r?.headers.authorization, "Bearer [redacted]")
      assert.strictEqual(r?.headers["x-tngo-tenant"], "ACME")
      assert.strictEqual(r?.headers.client_id, client.clientId)
      assert.strictEqual(r?.headers["x-tngo-context-companyemployeeid"], "pedwards@acme.com")
      assert.strictEqual(r?.headers["x-tngo-context-hierarchyid"], "H-7")
      assert.strictEqual(r?.headers["x-tngo-context-activityid"], "batch-42")
      assert.isUndefined(r?.headers["x-tngo-context-employeeid"])
      assert.match(r?.headers["x-tngo-context-correlationid"] ?? "", /^[0-9a-f-]{36}$/)
    }
    assert.notStrictEqual(
      a?.headers["x-tngo-context-correlationid"],
      b?.headers["x-tngo-context-correlationid"],
    )
  })

  it("never replaces a header the caller set, whatever its case", async () => {
    const api = apiFor({ activityId: "ours", tenant: "ACME" })
    const response = await api.fetch("orders", {
      headers: {
        "x-tngo-context-activityid": "theirs",
        "X-Tngo-Context-CorrelationId": "caller-corr-1",
        Client_ID: client.clientId,
      },
    })
    assert.strictEqual(response.status, 200)
    assert.strictEqual(response.headers.get("x-tngo-context-correlationid"), "caller-corr-1")
    const r = lastApiRequest()
    assert.strictEqual(r?.headers["x-tngo-context-activityid"], "theirs")
    assert.strictEqual(r?.headers["x-tngo-context-correlationid"], "caller-corr-1")
    assert.strictEqual(r?.headers.client_id, client.clientId)
    // A caller's tenant wins over the option's.
    const other = await failure(api.json("orders", { headers: { "X-TNGO-TENANT": "OTHER" } }))
    assert.strictEqual(other.reason._tag, "Forbidden")
    assert.strictEqual(lastApiRequest()?.headers["x-tngo-tenant"], "OTHER")
  })

  it("a missing tenant gives Tangoe's 400 body as a typed BadRequest with the correlation id sent", async () => {
    const api = apiFor({ tenant: undefined, tenantFromToken: false })
    const error = await failure(api.json("orders"))
    const reason = error.reason
    assert.strictEqual(reason._tag, "BadRequest")
    if (reason._tag !== "BadRequest") return
    assert.strictEqual(reason.status, 400)
    assert.strictEqual(reason.body?.status, 400)
    assert.strictEqual(reason.body?.errorCode, "400-missing-required-header")
    assert.match(reason.body?.id ?? "", /^[a-z0-9]{5}$/)
    assert.include(reason.body?.message ?? "", "X-TNGO-TENANT")
    assert.strictEqual(reason.correlationId, lastApiRequest()?.headers["x-tngo-context-correlationid"])
    assert.isUndefined(lastApiRequest()?.headers["x-tngo-tenant"])
    assert.include(error.message, "set the `tenant` option")
    assert.include(error.message, reason.correlationId ?? "none")
    assert.isTrue(isTangoeApiError(error))
  })
})

describe("a rejected token", () => {
  it("403 with an expired token: one refresh, the call replayed, 200", async () => {
    const api = apiFor()
    await api.json("orders")
    assert.strictEqual(sim.stats().refreshes, 1)
    sim.expireAccessTokens()
    const body = (await api.json("orders")) as { items: Array<unknown> }
    assert.lengthOf(body.items, 10)
    assert.strictEqual(sim.stats().refreshes, 2)
    assert.strictEqual(sim.stats().apiForbidden, 1)
    const statuses = sim.apiRequests().map((r) => r.status)
    assert.deepStrictEqual(statuses, [200, 403, 200])
    const [, rejected, replayed] = sim.apiRequests()
    assert.notStrictEqual(
      rejected?.headers["x-tngo-context-correlationid"],
      replayed?.headers["x-tngo-context-correlationid"],
    )
  })

  it("401 too, when the API answers 401", async () => {
    sim.configure({ apiRejectionStatus: 401 })
    const api = apiFor()
    await api.json("orders")
    sim.expireAccessTokens()
    await api.json("orders")
    assert.deepStrictEqual(
      sim.apiRequests().map((r) => r.status),
      [200, 401, 200],
    )
    assert.strictEqual(sim.stats().refreshes, 2)
  })

  it("403 with a fresh token: Forbidden, after exactly one refresh (no loop)", async () => {
    const api = apiFor({ tenant: "OTHER" })
    const error = await failure(api.json("orders"))
    assert.strictEqual(error.reason._tag, "Forbidden")
    if (error.reason._tag !== "Forbidden") return
    assert.isTrue(error.reason.afterFreshToken)
    assert.strictEqual(error.reason.body?.errorCode, "403-tenant-forbidden")
    assert.include(error.message, "not authorized")
    // The first token, then ONE new one; two API requests, then nothing more.
    assert.strictEqual(sim.stats().tokenRequests, 2)
    assert.strictEqual(sim.stats().apiRequests, 2)
    // The next call costs the same, never more.
    await failure(api.json("orders"))
    assert.strictEqual(sim.stats().tokenRequests, 3)
    assert.strictEqual(sim.stats().apiRequests, 4)
  })

  it("a status outside rejectionStatuses is not a token problem: no refresh", async () => {
    const api = apiFor({ rejectionStatuses: [401] })
    await api.json("orders")
    sim.expireAccessTokens()
    const error = await failure(api.json("orders"))
    assert.strictEqual(error.reason._tag, "Forbidden")
    if (error.reason._tag === "Forbidden") assert.isFalse(error.reason.afterFreshToken)
    assert.strictEqual(sim.stats().refreshes, 1)
  })

  it("fetch returns the second answer as it is, after one replay", async () => {
    const api = apiFor({ tenant: "OTHER" })
    const response = await api.fetch("orders")
    assert.strictEqual(response.status, 403)
    assert.strictEqual(sim.stats().tokenRequests, 2)
  })
})

describe("pagination", () => {
  it("follows hrefNext over three pages and stops at the end", async () => {
    const api = apiFor()
    const pages: Array<TangoePage<{ id: string }>> = []
    for await (const page of api.pages<{ id: string }>("orders", { limit: 10 })) pages.push(page)
    assert.deepStrictEqual(
      pages.map((p) => p.items.length),
      [10, 10, 4],
    )
    assert.deepStrictEqual(
      pages.map((p) => p.meta?.offset),
      [0, 10, 20],
    )
    assert.strictEqual(pages[0]?.meta?.totalCount, 24)
    assert.isUndefined(pages[2]?.meta?.hrefNext)
    const ids = pages.flatMap((p) => p.items.map((i) => i.id))
    assert.strictEqual(new Set(ids).size, 24)
    assert.strictEqual(sim.apiRequests().length, 3)
    const items = []
    for await (const item of api.items("orders", { limit: 10 })) items.push(item)
    assert.lengthOf(items, 24)
  })

  it("an empty collection is one page without items", async () => {
    sim.configure({ apiCollectionSize: 0 })
    const api = apiFor()
    const pages: Array<TangoePage> = []
    for await (const page of api.pages("orders", { limit: 10 })) pages.push(page)
    assert.lengthOf(pages, 1)
    assert.lengthOf(pages[0]?.items ?? [1], 0)
    assert.strictEqual(pages[0]?.meta?.totalCount, 0)
  })

  it("stops with TooManyPages past maxPages, after handing out the pages it read", async () => {
    const api = apiFor()
    const pages: Array<unknown> = []
    const error = await failure(
      (async () => {
        for await (const page of api.pages("orders", { limit: 5, maxPages: 2 })) pages.push(page)
      })(),
    )
    assert.lengthOf(pages, 2)
    assert.strictEqual(error.reason._tag, "TooManyPages")
    assert.strictEqual(sim.apiRequests().length, 2)
  })

  it("refuses an hrefNext on another host: the token never follows it", async () => {
    const received: Array<string | undefined> = []
    const server: Server = createServer((req, res) => {
      received.push(req.headers.authorization)
      const port = (server.address() as AddressInfo).port
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          _meta: {
            totalCount: 4,
            offset: 0,
            limit: 2,
            hrefNext: `http://localhost:${port}/v1/orders?limit=2&offset=2`,
          },
          items: [{ id: 1 }, { id: 2 }],
        }),
      )
    })
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    try {
      const port = (server.address() as AddressInfo).port
      const api = apiFor({ baseUrl: `http://127.0.0.1:${port}/v1` })
      const pages: Array<unknown> = []
      const error = await failure(
        (async () => {
          for await (const page of api.pages("orders")) pages.push(page)
        })(),
      )
      assert.lengthOf(pages, 1)
      assert.strictEqual(error.reason._tag, "ForeignHost")
      assert.include(error.message, `http://localhost:${port}`)
      assert.lengthOf(received, 1)
      // An absolute URL of another host is refused the same way, before any token is sent.
      const direct = await failure(api.fetch(`http://localhost:${port}/v1/orders`))
      assert.strictEqual(direct.reason._tag, "ForeignHost")
      assert.lengthOf(received, 1)
    } finally {
      server.close()
    }
  })

  it("the Effect form: TangoeApi over a TokenManager, pages as a Stream", async () => {
    const refreshToken = sim.issueRefreshToken(client.clientId)
    secrets.add(refreshToken)
    const request = {
      environment: { tokenUrl: sim.tokenUrl },
      clientId: client.clientId,
      clientSecret: Redacted.make(client.clientSecret),
      scope: "MOBPROC",
    }
    const layer = TangoeApi.layer({ request, baseUrl: sim.apiBaseUrl }).pipe(
      Layer.provide(TokenManager.layer({ request, refreshToken })),
      Layer.provide(layerMemoryStore()),
    )
    const program = Effect.gen(function* () {
      const api = yield* TangoeApi
      const items = yield* Stream.runCollect(api.items<{ id: string }>("orders", { limit: 10 }))
      const tenant = yield* api.tenant
      return { count: items.length, tenant }
    })
    const result = await Effect.runPromise(program.pipe(Effect.provide(layer)))
    assert.deepStrictEqual(result, { count: 24, tenant: "ACME" })
    assert.strictEqual(sim.stats().validations, 1)
    assert.strictEqual(sim.apiRequests().length, 3)
  })
})

describe("validate_bearer", () => {
  it("permitted: tenant, platform, identifier, scope, expiry and client, spending nothing", async () => {
    const api = apiFor()
    const identity = await api.validate()
    assert.strictEqual(identity.tenant, "ACME")
    assert.strictEqual(identity.platform, "command")
    assert.strictEqual(identity.identifier, "api.account.sim")
    assert.strictEqual(identity.scope, "MOBPROC")
    assert.strictEqual(identity.clientId, client.clientId)
    assert.isFalse(identity.multitenant)
    assert.isAbove(identity.expiresIn ?? 0, 7000)
    assert.isAbove(identity.expiresAt?.getTime() ?? 0, Date.now() + 7_000_000)
    assert.strictEqual(sim.stats().refreshes, 1)
    assert.strictEqual(sim.stats().validations, 1)
  })

  it("not permitted: a typed reason with advice", async () => {
    const restricted = sim.addClient({ grantTypes: ["refresh_token"], tenant: "ACME" })
    secrets.add(restricted.clientSecret)
    const api = apiFor({}, restricted)
    const error = await failure(api.validate())
    assert.strictEqual(error.reason._tag, "ValidationNotPermitted")
    assert.include(error.message, "ask Tangoe to permit this client id to validate tokens")
    assert.include(error.message, "`tenant`")
    // Without a tenant, the call cannot be made, and says why.
    const noTenant = apiFor({ tenant: undefined }, restricted)
    const call = await failure(noTenant.json("orders"))
    assert.strictEqual(call.reason._tag, "ValidationNotPermitted")
    assert.strictEqual(sim.apiRequests().length, 0)
  })

  it("fills in the tenant when none was given, validating once", async () => {
    const api = apiFor({ tenant: undefined })
    await api.json("orders")
    await api.json("orders")
    assert.strictEqual(await api.tenant(), "ACME")
    assert.deepStrictEqual(
      sim.apiRequests().map((r) => r.headers["x-tngo-tenant"]),
      ["ACME", "ACME"],
    )
    assert.strictEqual(sim.stats().validations, 1)
  })

  it("concurrent first calls share one validation; a failed one is not kept", async () => {
    const api = apiFor({ tenant: undefined })
    await Promise.all([api.json("orders"), api.json("orders"), api.json("orders")])
    assert.strictEqual(sim.stats().validations, 1)
    const restricted = sim.addClient({ grantTypes: ["refresh_token"], tenant: "ACME" })
    secrets.add(restricted.clientSecret)
    const refused = apiFor({ tenant: undefined }, restricted)
    await failure(refused.json("orders"))
    await failure(refused.json("orders"))
    // Each call asked again (a refused validation is not cached), and no API call was made.
    assert.strictEqual(
      sim.requests().filter((r) => r.clientId === restricted.clientId && r.error === "unauthorized_client")
        .length,
      2,
    )
    assert.strictEqual(sim.apiRequests().length, 3)
  })

  it("validateToken (Effect) with a revoked token: TokenNotValid", async () => {
    const api = apiFor()
    const token = await api.tokens.getAccessToken()
    secrets.add(token)
    sim.expireAccessTokens()
    const exit = await Effect.runPromise(
      Effect.flip(
        validateToken(
          {
            environment: { tokenUrl: sim.tokenUrl },
            clientId: client.clientId,
            clientSecret: client.clientSecret,
          },
          token,
        ),
      ),
    )
    seen.push(exit)
    assert.instanceOf(exit, TangoeApiError)
    if (exit instanceof TangoeApiError) assert.strictEqual(exit.reason._tag, "TokenNotValid")
  })
})

describe("settings", () => {
  it("presets name their source; QA and custom token URLs need a baseUrl; http only on loopback", () => {
    assert.strictEqual(API_BASE_URLS.production, "https://tngo-mobproc.cloudhub.io/mobproc/v1")
    assert.include(API_BASE_URL_SOURCES.production, "Mobile-Procurement-API-Documentation")
    const base = {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      refreshToken: "unused-refresh-token",
    }
    const qa = (() => {
      try {
        createTangoeApi({ ...base, environment: "qa" })
      } catch (e) {
        return e
      }
    })()
    assert.instanceOf(qa, InvalidConfig)
    assert.include(String((qa as InvalidConfig).message), "no QA API host")
    assert.throws(
      () => createTangoeApi({ ...base, environment: "qa", baseUrl: "http://api.example.com/v1" }),
      /loopback/,
    )
    assert.throws(
      () =>
        createTangoeApi({
          ...base,
          environment: "qa",
          baseUrl: "https://a.example/v1",
          rejectionStatuses: [200],
        }),
      /rejectionStatuses/,
    )
    const prod = createTangoeApi({ ...base, environment: "production" })
    void prod.close()
  })
})

describe("a careless API that quotes the token in its error body", () => {
  it("masks the token in the decoded body and the message", async () => {
    const server: Server = createServer((req, res) => {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "")
      const status = req.url?.includes("boom") ? 500 : 400
      res.writeHead(status, { "content-type": "application/json" }).end(
        JSON.stringify({
          status,
          id: "ab12c",
          errorCode: `${status}-echo`,
          message: `bad token ${token} (${token.slice(0, 20)})`,
        }),
      )
    })
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    try {
      const port = (server.address() as AddressInfo).port
      const api = apiFor({ baseUrl: `http://127.0.0.1:${port}/v1` })
      const token = await api.tokens.getAccessToken()
      secrets.add(token)
      for (const path of ["orders?secret=1", "boom"]) {
        const error = await failure(api.json(path))
        assert.include(["BadRequest", "ApiServerError"], error.reason._tag)
        assert.notInclude(error.message, token)
        assert.notInclude(error.message, token.slice(0, 20))
        assert.notInclude(error.message, "secret=1")
        assert.include(error.message, "error id ab12c")
      }
    } finally {
      server.close()
    }
  })
})

describe("no secret in any error", () => {
  it("every error seen above, in every printable form", () => {
    assert.isAbove(seen.length, 8)
    const forms = [...secrets]
      .filter((s) => s.length >= 8)
      .flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString("base64")])
    for (const error of seen) {
      const printed = [
        String(error),
        (error as Error).message,
        util.inspect(error, { depth: 10 }),
        JSON.stringify(error),
        (error as Error).stack ?? "",
      ].join("\n")
      for (const form of forms) assert.notInclude(printed, form)
    }
  })
})
