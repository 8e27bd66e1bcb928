/**
 * End to end in a REAL n8n (2.41.1, installed once into a cache folder outside the repository; the
 * first run installs it, which takes minutes): the packed package loaded from n8n's community-nodes
 * folder, credentials and workflows imported, workflows run with `n8n execute` against the local
 * PingFederate simulator on 127.0.0.1. Nothing is skipped: without n8n the hook installs it.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type SeededClient, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { untilEvent } from "./support/events.mts"
import {
  ensureN8nInstalled,
  howItEnded,
  leakedSecrets,
  N8n,
  nodeOutput,
  packPackage,
  tail,
} from "./support/n8n.mts"
import {
  CREDENTIAL_TYPE,
  generateItems,
  httpRequestWithTangoe,
  pairs,
  serviceAccountCredential,
  simulatorCredential,
  tangoeApiRequest,
  tangoeGetAccessToken,
  tangoeNode,
  workflow,
} from "./support/workflows.mts"

const credential = { id: "TangoeE2eCred001", name: "Tangoe (simulator)" }
/** Credentials with a service account: one to bootstrap and race, one with a wrong password. */
const saCredential = { id: "TangoeE2eCredSA01", name: "Tangoe (service account)" }
const badCredential = { id: "TangoeE2eCredBad1", name: "Tangoe (wrong password)" }
/** On the Tangoe-style API (403 for a rejected token, tenant and client headers required). */
const tangoeCredential = { id: "TangoeE2eCred002", name: "Tangoe API (simulator)" }
/** The same API, no tenant in the credential. */
const noTenantCredential = { id: "TangoeE2eCred003", name: "Tangoe API, no tenant" }
/** A client Tangoe did not permit to validate tokens. */
const notPermittedCredential = { id: "TangoeE2eCred004", name: "Tangoe API, no validation" }
/** A saved credential that no workflow has used yet: its first use is the Test button. */
const freshCredential = { id: "TangoeE2eCred005", name: "Tangoe API, tested first" }
const WF = {
  saStock3: "TangoeE2eWfSaHt3",
  stock3: "TangoeE2eWfHttp3",
  stock3Retry: "TangoeE2eWfHtR3",
  bad: "TangoeE2eWfBadPw",
  api: "TangoeE2eWfApi01",
  parallel: "TangoeE2eWfPar01",
  stock: "TangoeE2eWfHttp1",
  tangoe: "TangoeE2eWfHttp2",
  token: "TangoeE2eWfTok01",
  orders: "TangoeE2eWfOrd01",
  forbidden: "TangoeE2eWfOrd02",
  all: "TangoeE2eWfOrd03",
  noTenant: "TangoeE2eWfOrd04",
  notPermitted: "TangoeE2eWfOrd05",
  fresh: "TangoeE2eWfOrd06",
}

/** A client's fields without its tenant (a credential that leaves the Tenant field empty). */
const withoutTenant = ({ tenant: _tenant, ...rest }: SeededClient) => rest

describe("the package in a real n8n", { timeout: 240_000 }, () => {
  let n8n: N8n
  let sim: Simulator
  let client: SeededClient
  let apiClient: SeededClient
  let noTenantClient: SeededClient
  let notPermittedClient: SeededClient
  let freshClient: SeededClient
  let scratch: string
  let account: { readonly username: string; readonly password: string }
  let wrongPassword: string
  /** The dead refresh token the wrong-password credential holds. */
  let deadRefreshToken: string
  /** Every refresh and access token seen, to scan n8n's output for (values never printed). */
  const seenTokens: Record<string, string> = {}
  const outputs: string[] = []

  const stored = async (id = credential.id) => {
    const data = await n8n.storedCredential(id)
    const refreshToken = String(data.refreshToken ?? "")
    const accessToken = String(data.accessToken ?? "")
    seenTokens[`refreshToken#${Object.keys(seenTokens).length}`] = refreshToken
    seenTokens[`accessToken#${Object.keys(seenTokens).length}`] = accessToken
    return {
      refreshToken,
      accessToken,
      expiresAt: String(data.expiresAt ?? ""),
      healedAt: String(data.healedAt ?? ""),
    }
  }

  const execute = async (id: string) => {
    const result = await n8n.execute(id)
    outputs.push(result.stdout, result.stderr)
    if (!result.ok) {
      throw new Error(
        `n8n execute ${id} ${howItEnded(result)}:\n${tail(result.stdout)}\n${tail(result.stderr)}`,
      )
    }
    return result
  }

  /** API requests the simulator accepted (a 200, not a 401). */
  const authorisedApiRequests = () => {
    const { apiRequests, apiUnauthorized } = sim.stats()
    return apiRequests - apiUnauthorized
  }

  beforeAll(async () => {
    const install = await ensureN8nInstalled()
    console.info(`n8n ready in ${install.dir} (${install.seconds} s)`)
    scratch = await mkdtemp(join(tmpdir(), "tangoe-n8n-pack-"))
    const tarball = await packPackage(scratch)
    n8n = await N8n.create(install.dir, tarball)
    sim = await startSimulator({ host: "127.0.0.1", port: 0, environment: "qa" })
    const seeded = sim.clients[0]
    if (seeded === undefined) throw new Error("the simulator seeded no client")
    client = seeded
    seenTokens.initialRefreshToken = client.refreshToken
    account = sim.addServiceAccount({ username: "command://svc.n8n-e2e" })
    wrongPassword = `wrong-${account.password.slice(0, 6)}-password`
    deadRefreshToken = sim.issueRefreshToken(client.clientId)
    expect(sim.revoke({ refreshToken: deadRefreshToken })).toBe(1)
    apiClient = sim.addClient()
    noTenantClient = sim.addClient()
    notPermittedClient = sim.addClient({ grantTypes: ["refresh_token"] })
    freshClient = sim.addClient()
    for (const [i, c] of [apiClient, noTenantClient, notPermittedClient, freshClient].entries()) {
      seenTokens[`apiClientRefreshToken#${i}`] = c.refreshToken
      seenTokens[`apiClientSecret#${i}`] = c.clientSecret
    }
    await n8n.importCredentials([
      simulatorCredential(credential, sim, client),
      serviceAccountCredential(saCredential, sim, client, account),
      serviceAccountCredential(
        badCredential,
        sim,
        client,
        { username: account.username, password: wrongPassword },
        deadRefreshToken,
      ),
      simulatorCredential(tangoeCredential, sim, apiClient, sim.apiBaseUrl),
      simulatorCredential(noTenantCredential, sim, withoutTenant(noTenantClient), sim.apiBaseUrl),
      simulatorCredential(notPermittedCredential, sim, notPermittedClient, sim.apiBaseUrl),
      simulatorCredential(freshCredential, sim, freshClient, sim.apiBaseUrl),
    ])
    await n8n.importWorkflows([
      workflow(WF.api, "Tangoe API request", [tangoeApiRequest(credential, sim.apiUrl)]),
      workflow(WF.parallel, "Tangoe parallel", [generateItems(3), tangoeApiRequest(credential, sim.apiUrl)]),
      workflow(WF.stock, "HTTP Request with Tangoe credential", [
        httpRequestWithTangoe(credential, sim.apiUrl),
      ]),
      workflow(WF.token, "Tangoe get access token", [tangoeGetAccessToken(credential, 7201)]),
      workflow(WF.tangoe, "HTTP Request to a Tangoe-style API", [
        httpRequestWithTangoe(credential, `${sim.apiBaseUrl}/orders?limit=5&offset=0`),
      ]),
      workflow(WF.stock3, "HTTP Request x3 with Tangoe credential", [
        generateItems(3),
        httpRequestWithTangoe(credential, sim.apiUrl),
      ]),
      workflow(WF.stock3Retry, "HTTP Request x3 with Tangoe credential, Retry On Fail", [
        generateItems(3),
        {
          ...httpRequestWithTangoe(credential, sim.apiUrl),
          retryOnFail: true,
          maxTries: 2,
          waitBetweenTries: 0,
        },
      ]),
      workflow(WF.saStock3, "HTTP Request x3 with a service account", [
        generateItems(3),
        httpRequestWithTangoe(saCredential, sim.apiUrl),
      ]),
      workflow(WF.bad, "HTTP Request x3 with a wrong password", [
        generateItems(3),
        httpRequestWithTangoe(badCredential, sim.apiUrl),
      ]),
      workflow(WF.orders, "Tangoe orders", [
        tangoeNode(tangoeCredential, {
          url: "/orders",
          sendQuery: true,
          queryParameters: pairs({ limit: "5" }),
        }),
      ]),
      workflow(WF.forbidden, "Tangoe orders of another tenant", [
        tangoeNode(tangoeCredential, {
          url: "/orders",
          sendHeaders: true,
          headerParameters: pairs({ "X-TNGO-TENANT": "NOT-OURS" }),
        }),
      ]),
      workflow(WF.all, "Tangoe all orders", [
        tangoeNode(tangoeCredential, {
          url: "/orders",
          collection: true,
          returnAll: true,
          sendQuery: true,
          queryParameters: pairs({ limit: "10" }),
        }),
      ]),
      workflow(WF.noTenant, "Tangoe orders without a tenant", [
        tangoeNode(noTenantCredential, { url: "/orders" }),
      ]),
      workflow(WF.fresh, "Tangoe orders, credential tested first", [
        tangoeNode(freshCredential, {
          url: "/orders",
          sendQuery: true,
          queryParameters: pairs({ limit: "1" }),
        }),
      ]),
      workflow(WF.notPermitted, "Tangoe orders, client not permitted to validate", [
        tangoeNode(notPermittedCredential, {
          url: "/orders",
          sendQuery: true,
          queryParameters: pairs({ limit: "1" }),
        }),
      ]),
    ])
  }, 30 * 60_000)

  afterAll(async () => {
    await sim?.close()
    await n8n?.dispose()
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true })
  })

  it("(a) first run: refreshes, calls the API (200), and n8n persists the rotated refresh token", async () => {
    sim.resetStats()
    const result = await execute(WF.api)
    expect(nodeOutput(result.json, "Tangoe")).toEqual([
      { ok: true, client_id: client.clientId, scope: client.scope },
    ])
    const stats = sim.stats()
    expect({ refreshes: stats.refreshes, failures: stats.failures }).toEqual({ refreshes: 1, failures: 0 })
    const after = await stored()
    expect(after.refreshToken !== client.refreshToken).toBe(true)
    expect(sim.isLive(after.refreshToken)).toBe(true)
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(sim.isAccessTokenValid(after.accessToken)).toBe(true)
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.now())
    console.info(`(a) ${result.millis} ms, stats ${JSON.stringify(stats)}`)
  })

  it("(b) after the access token expires: 401, one refresh, 200", async () => {
    const before = await stored()
    sim.expireAccessTokens()
    sim.resetStats()
    const result = await execute(WF.api)
    expect(nodeOutput(result.json, "Tangoe").map((item) => item.ok)).toEqual([true])
    const stats = sim.stats()
    expect(stats).toMatchObject({ refreshes: 1, failures: 0, apiUnauthorized: 1, apiRequests: 2 })
    const after = await stored()
    expect(after.refreshToken !== before.refreshToken).toBe(true)
    expect(sim.isLive(after.refreshToken)).toBe(true)
    console.info(`(b) ${result.millis} ms, stats ${JSON.stringify(stats)}`)
  })

  it("(c) three parallel requests after expiry in one execution: one refresh, no failure", async () => {
    sim.expireAccessTokens()
    sim.resetStats()
    const result = await execute(WF.parallel)
    const items = nodeOutput(result.json, "Tangoe")
    expect(items.map((item) => item.ok)).toEqual([true, true, true])
    const stats = sim.stats()
    expect(stats).toMatchObject({
      refreshes: 1,
      failures: 0,
      tokenRequests: 1,
      apiUnauthorized: 3,
      apiRequests: 6,
    })
    expect(sim.isLive((await stored()).refreshToken)).toBe(true)
    console.info(`(c) ${result.millis} ms, stats ${JSON.stringify(stats)}`)
  })

  it("(d) two n8n processes refreshing at once after expiry: both succeed, the stored refresh token stays live", async () => {
    const before = await stored()
    sim.expireAccessTokens()
    sim.resetStats()
    // Force the race with barriers, not delays. Both processes get a 401 and refresh with the stored
    // refresh token. The simulator processes each refresh as it arrives (the first rotates the token,
    // the second is refused with invalid_grant) and HOLDS both answers, so neither process can store
    // anything before the other has sent its refresh: the interleaving is certain, however slow the
    // machine. Then the winner is answered; once it has stored the new tokens (n8n saves them before
    // it sends the API request they authorise), the loser gets its invalid_grant and must recover
    // from n8n's database.
    sim.injectFaults({ kind: "hold" }, { kind: "hold" })
    const runs = [execute(WF.api), execute(WF.api)]
    try {
      await untilEvent(sim.whenHeld(2), runs, "both processes' refreshes to reach the simulator")
      // Both refreshes are at the server, neither answered: the winner's has rotated the token.
      expect(sim.heldRequests()).toBe(2)
      expect(sim.isLive(before.refreshToken)).toBe(false)
      expect(sim.releaseHeld(1)).toBe(1)
      await untilEvent(
        () => authorisedApiRequests() >= 1,
        runs,
        "the winner's API request with its new token (sent once n8n stored it)",
      )
      expect(sim.releaseHeld()).toBe(1)
    } finally {
      sim.clearFaults()
      sim.releaseHeld()
    }
    const [one, two] = await Promise.all(runs)
    if (one === undefined || two === undefined) throw new Error("an execution is missing")
    expect(nodeOutput(one.json, "Tangoe").map((item) => item.ok)).toEqual([true])
    expect(nodeOutput(two.json, "Tangoe").map((item) => item.ok)).toEqual([true])
    const stats = sim.stats()
    expect(stats).toMatchObject({
      tokenRequests: 2,
      refreshes: 1,
      failures: 1,
      errors: { invalid_grant: 1 },
      apiUnauthorized: 2,
      apiRequests: 4,
    })
    expect(sim.isLive((await stored()).refreshToken)).toBe(true)
    // The one bound left: the winner's answer is held until the loser's refresh arrives, within the
    // credential's 30 s token-request timeout. Both processes start together; this is how far apart.
    const arrivals = sim
      .requests()
      .filter((r) => r.path.endsWith("/token.oauth2"))
      .map((r) => r.at)
    const gap = Math.max(...arrivals) - Math.min(...arrivals)
    console.info(
      `(d) ${one.millis}/${two.millis} ms, refreshes arrived ${gap} ms apart, stats ${JSON.stringify(stats)}`,
    )
  })

  it("(e) n8n's HTTP Request node with the credential as Predefined Credential Type: 200", async () => {
    sim.expireAccessTokens()
    sim.resetStats()
    const result = await execute(WF.stock)
    expect(nodeOutput(result.json, "HTTP Request").map((item) => item.ok)).toEqual([true])
    const stats = sim.stats()
    expect(stats).toMatchObject({ refreshes: 1, failures: 0 })
    expect(sim.isLive((await stored()).refreshToken)).toBe(true)
    console.info(`(e) ${result.millis} ms, stats ${JSON.stringify(stats)}`)
  })

  it("(f) n8n's HTTP Request node gets X-TNGO-TENANT, client_id and a correlation id from the credential: Tangoe's API answers 200", async () => {
    sim.resetStats()
    const result = await execute(WF.tangoe)
    const [page] = nodeOutput(result.json, "HTTP Request")
    expect((page as { _meta?: { totalCount?: number } })._meta?.totalCount).toBe(24)
    const sent = sim.apiRequests().at(-1)
    expect(sent?.status).toBe(200)
    expect(sent?.headers["x-tngo-tenant"]).toBe(client.tenant)
    expect(sent?.headers.client_id).toBe(client.clientId)
    expect(sent?.headers["x-tngo-context-correlationid"]).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("Get Access Token refreshes ahead of expiry and n8n persists the rotation", async () => {
    const before = await stored()
    sim.resetStats()
    const result = await execute(WF.token)
    const item = nodeOutput(result.json, "Tangoe")[0] ?? {}
    const after = await stored()
    // Compared as booleans: a failing assertion must not print a token.
    expect(item.authorization === `Bearer ${after.accessToken}`).toBe(true)
    expect(Object.keys(item).sort()).toEqual(["authorization", "expiresAt", "expiresIn", "tokenType"])
    expect(after.refreshToken !== before.refreshToken).toBe(true)
    expect(sim.isLive(after.refreshToken)).toBe(true)
    expect(sim.isAccessTokenValid(after.accessToken)).toBe(true)
    expect(sim.stats()).toMatchObject({ refreshes: 1, failures: 0 })
    // This output carries the access token by design; drop it from the scan below.
    outputs.splice(outputs.length - 2, 2, result.stderr)
  })

  it("the credential's Test button (n8n's editor API): a new credential's first test refreshes ONCE and n8n saves the rotated refresh token; a valid token is only validated; 401, 403 and a wrong tenant fail", async () => {
    const server = await n8n.startServer()
    // An API root that refuses every call: 401 or 403 with a Tangoe error body, whatever the token.
    const refusing = createServer((request, response) => {
      const status = request.url?.startsWith("/s403") ? 403 : 401
      response.writeHead(status, { "content-type": "application/json" })
      response.end(JSON.stringify({ status, id: "x", errorCode: `${status}-refused`, message: "refused" }))
    })
    await new Promise<void>((resolveListen) => refusing.listen(0, "127.0.0.1", resolveListen))
    const refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`
    try {
      // What the editor does (n8n 2.41.1 saves a credential first, then tests it by id): load the
      // credential (secrets come back redacted, n8n restores them), then POST /rest/credentials/test.
      const testCredential = async (
        ref: { id: string; name: string },
        change: Record<string, unknown> = {},
      ) => {
        const loaded = (await server.rest("GET", `/rest/credentials/${ref.id}?includeData=true`)) as {
          data: Record<string, unknown>
        }
        const result = (await server.rest("POST", "/rest/credentials/test", {
          credentials: {
            id: ref.id,
            name: ref.name,
            type: CREDENTIAL_TYPE,
            data: { ...loaded.data, ...change },
          },
        })) as { status: string; message: string }
        outputs.push(JSON.stringify(result))
        return result
      }

      // A saved credential that holds no access token yet (a new user's first click): ONE refresh,
      // which n8n saves, rotated refresh token included; then the API with the new token and tenant.
      sim.resetStats()
      const fresh = await testCredential(freshCredential)
      expect(fresh).toEqual({ status: "OK", message: "Connection successful!" })
      expect(sim.stats()).toMatchObject({
        tokenRequests: 1,
        refreshes: 1,
        validations: 0,
        failures: 0,
        apiRequests: 1,
      })
      expect(sim.apiRequests().at(-1)?.headers["x-tngo-tenant"]).toBe(freshClient.tenant)
      const afterFirst = await stored(freshCredential.id)
      expect(afterFirst.refreshToken !== freshClient.refreshToken).toBe(true)
      expect(sim.isLive(afterFirst.refreshToken)).toBe(true)
      expect(sim.isLive(freshClient.refreshToken)).toBe(false)
      expect(sim.isAccessTokenValid(afterFirst.accessToken)).toBe(true)
      expect(Date.parse(afterFirst.expiresAt)).toBeGreaterThan(Date.now())

      // A workflow afterwards refreshes with the saved token (the access token made to expire): no
      // invalid_grant, the chain goes on.
      sim.expireAccessTokens()
      sim.resetStats()
      const run = await execute(WF.fresh)
      expect(nodeOutput(run.json, "Tangoe")).toHaveLength(1)
      expect(sim.stats()).toMatchObject({ refreshes: 1, failures: 0 })
      const afterRun = await stored(freshCredential.id)
      expect(afterRun.refreshToken !== afterFirst.refreshToken).toBe(true)
      expect(sim.isLive(afterRun.refreshToken)).toBe(true)

      // A valid stored token: validated (spends nothing), no refresh, nothing written. (n8n runs the
      // credential's hook for it on the 401 that the credential's authenticate answers the test with.)
      sim.resetStats()
      const valid = await testCredential(freshCredential)
      expect(valid).toEqual({ status: "OK", message: "Connection successful!" })
      expect(sim.stats()).toMatchObject({ tokenRequests: 1, validations: 1, refreshes: 0, apiRequests: 1 })
      const unchanged = await stored(freshCredential.id)
      expect(
        unchanged.refreshToken === afterRun.refreshToken &&
          unchanged.accessToken === afterRun.accessToken &&
          unchanged.expiresAt === afterRun.expiresAt,
      ).toBe(true)

      // A token Tangoe no longer finds valid: validation says so, ONE refresh, saved, the test passes.
      sim.expireAccessTokens()
      sim.resetStats()
      const expired = await testCredential(freshCredential)
      expect(expired.status).toBe("OK")
      expect(sim.stats()).toMatchObject({ tokenRequests: 2, validations: 0, refreshes: 1, apiRequests: 1 })
      expect(sim.stats().errors).toEqual({ invalid_grant: 1 }) // the validation of the dead token
      const afterExpired = await stored(freshCredential.id)
      expect(afterExpired.refreshToken !== unchanged.refreshToken).toBe(true)
      expect(sim.isLive(afterExpired.refreshToken)).toBe(true)

      // A client not permitted to validate (holding a token a run stored): a refresh, saved.
      await execute(WF.notPermitted)
      const beforeNotPermitted = await stored(notPermittedCredential.id)
      sim.resetStats()
      const notPermitted = await testCredential(notPermittedCredential)
      expect(notPermitted.status).toBe("OK")
      expect(sim.stats()).toMatchObject({ tokenRequests: 2, refreshes: 1, apiRequests: 1 })
      expect(sim.stats().errors).toEqual({ unauthorized_client: 1 })
      const afterNotPermitted = await stored(notPermittedCredential.id)
      expect(afterNotPermitted.refreshToken !== beforeNotPermitted.refreshToken).toBe(true)
      expect(sim.isLive(afterNotPermitted.refreshToken)).toBe(true)

      // A valid token of another tenant than the credential's: fails, says which, no refresh.
      sim.resetStats()
      const wrongTenant = await testCredential(freshCredential, { tenant: "NOT-OURS" })
      expect(wrongTenant.status).toBe("Error")
      expect(wrongTenant.message).toBe(
        `The token belongs to tenant "${freshClient.tenant}", but the credential's Tenant is "NOT-OURS": Tangoe refuses calls for another tenant. Set the Tenant field to "${freshClient.tenant}" (or leave it empty).`,
      )
      expect(sim.stats()).toMatchObject({ refreshes: 0, apiRequests: 0 })

      // An API Base URL whose root answers 403 to a valid token: fails, no refresh.
      sim.resetStats()
      const forbidden = await testCredential(freshCredential, { apiBaseUrl: `${refusingUrl}/s403` })
      expect(forbidden.status).toBe("Error")
      expect(forbidden.message).toMatch(
        /^The Tangoe API at the credential's API Base URL refused the call with 403/,
      )
      expect(sim.stats()).toMatchObject({ refreshes: 0 })

      // …and 401 to a token validation found valid: fails, no refresh (the token is not the problem).
      sim.resetStats()
      const unauthorized = await testCredential(freshCredential, { apiBaseUrl: `${refusingUrl}/s401` })
      expect(unauthorized.status).toBe("Error")
      expect(unauthorized.message).toMatch(
        /^The Tangoe API at the credential's API Base URL refused the call with 401/,
      )
      expect(sim.stats()).toMatchObject({ validations: 1, refreshes: 0 })

      // Tangoe's API whose root answers 404 (an API root need not be a resource): passes.
      sim.resetStats()
      const root = await testCredential(tangoeCredential)
      expect(root).toEqual({ status: "OK", message: "Connection successful!" })
      expect(sim.apiRequests().at(-1)?.status).toBe(404)
      expect(sim.apiRequests().at(-1)?.headers["x-tngo-tenant"]).toBe(apiClient.tenant)

      // No tenant: Tangoe's API answers 400, the test says to set the Tenant field.
      sim.resetStats()
      const noTenant = await testCredential(freshCredential, { tenant: "" })
      expect(noTenant.status).toBe("Error")
      expect(noTenant.message).toContain("answered 400, Tangoe's answer to a missing or unknown tenant")
      expect(sim.apiRequests().at(-1)?.status).toBe(400)
      expect(sim.stats()).toMatchObject({ refreshes: 0 })

      // An UNSAVED credential: n8n 2.41.1's editor saves before it tests, but its REST API also tests
      // one with `id: ""` for an instance owner. n8n then has nowhere to save a refresh: the test
      // fails, and the refresh token that was entered is spent (the README says so).
      const unsavedClient = sim.addClient()
      seenTokens.unsavedRefreshToken = unsavedClient.refreshToken
      seenTokens.unsavedClientSecret = unsavedClient.clientSecret
      const unsavedData = (
        simulatorCredential({ id: "", name: "unsaved" }, sim, unsavedClient, sim.apiBaseUrl) as {
          data: Record<string, unknown>
        }
      ).data
      sim.resetStats()
      const unsaved = (await server.rest("POST", "/rest/credentials/test", {
        credentials: { id: "", name: "unsaved", type: CREDENTIAL_TYPE, data: unsavedData },
      })) as { status: string; message: string }
      outputs.push(JSON.stringify(unsaved))
      console.info(
        `(unsaved credential test) ${JSON.stringify(unsaved)}; stats ${JSON.stringify(sim.stats())}; entered refresh token live: ${sim.isLive(unsavedClient.refreshToken)}`,
      )
      expect(unsaved).toEqual({ status: "Error", message: "Found credential with no ID." })
      expect(sim.stats()).toMatchObject({ refreshes: 1 })
      expect(sim.isLive(unsavedClient.refreshToken)).toBe(false)
    } finally {
      outputs.push(await server.stop())
      await new Promise<void>((resolveClose) => refusing.close(() => resolveClose()))
    }
  })

  /** Runs `n8n execute` without failing on a failed workflow: the result, its output kept for the scan. */
  const attempt = async (id: string) => {
    const result = await n8n.execute(id)
    outputs.push(result.stdout, result.stderr)
    if (result.timedOut) throw new Error(`n8n execute ${id} ${howItEnded(result)}`)
    return result
  }

  /** How many of the HTTP Request node's items got a 200 in each run (0 for a failed run). */
  const succeededItems = (result: Awaited<ReturnType<typeof attempt>>): number =>
    result.ok ? nodeOutput(result.json, "HTTP Request").filter((item) => item.ok === true).length : 0

  /**
   * THE RACE: three `n8n execute` processes, each running the stock HTTP Request node with 3 items, all
   * refreshing at once with the same stored refresh token. A barrier, not a delay: the simulator holds
   * all three token requests (the first rotates the token, the others are refused) until the three are
   * there; then it answers the winner, waits until the winner's API requests carry its new token (n8n
   * stored it before sending them), and only then answers the two losers.
   */
  const race = async (workflowId: string) => {
    sim.expireAccessTokens()
    sim.resetStats()
    sim.injectFaults({ kind: "hold" }, { kind: "hold" }, { kind: "hold" })
    const runs = [attempt(workflowId), attempt(workflowId), attempt(workflowId)]
    try {
      await untilEvent(sim.whenHeld(3), runs, "the three processes' refreshes to reach the simulator")
      expect(sim.heldRequests()).toBe(3)
      expect(sim.releaseHeld(1)).toBe(1)
      await untilEvent(
        () => authorisedApiRequests() >= 1,
        runs,
        "the winner's API request with its new token (sent once n8n stored it)",
      )
      expect(sim.releaseHeld()).toBe(2)
    } finally {
      sim.clearFaults()
      sim.releaseHeld()
    }
    return await Promise.all(runs)
  }

  it("service account, bootstrap: the credential holds no refresh token; ONE password grant, n8n persists the chain; then refreshes", async () => {
    sim.resetStats()
    const first = await execute(WF.saStock3)
    expect(nodeOutput(first.json, "HTTP Request").map((item) => item.ok)).toEqual([true, true, true])
    expect(sim.stats()).toMatchObject({ passwordGrants: 1, refreshes: 0, failures: 0 })
    const after = await stored(saCredential.id)
    expect(sim.isLive(after.refreshToken)).toBe(true)
    expect(Date.parse(after.healedAt)).toBeGreaterThan(0)

    sim.expireAccessTokens()
    sim.resetStats()
    const second = await execute(WF.saStock3)
    expect(nodeOutput(second.json, "HTTP Request").map((item) => item.ok)).toEqual([true, true, true])
    expect(sim.stats()).toMatchObject({ passwordGrants: 0, refreshes: 1, failures: 0 })
    const next = await stored(saCredential.id)
    expect(next.refreshToken !== after.refreshToken).toBe(true)
    expect(sim.isLive(next.refreshToken)).toBe(true)
  })

  it("THE RACE with a service account: 3 processes x 3 items refresh at once; all 9 succeed (each loser takes a new grant)", async () => {
    const runs = await race(WF.saStock3)
    const succeeded = runs.map(succeededItems)
    console.info(
      `(race, service account) items served per process: ${succeeded.join(", ")}; stats ${JSON.stringify(sim.stats())}`,
    )
    expect(succeeded).toEqual([3, 3, 3])
    expect(sim.stats()).toMatchObject({ refreshes: 1, passwordGrants: 2, errors: { invalid_grant: 2 } })
    expect(sim.isLive((await stored(saCredential.id)).refreshToken)).toBe(true)
  })

  it("THE RACE with a refresh token: the winner's 3 succeed; each loser says another execution rotated the token, and the next execution succeeds", async () => {
    const runs = await race(WF.stock3)
    const succeeded = runs.map(succeededItems)
    console.info(
      `(race, refresh token) items served per process: ${succeeded.join(", ")}; stats ${JSON.stringify(sim.stats())}`,
    )
    expect([...succeeded].sort()).toEqual([0, 0, 3])
    expect(sim.stats()).toMatchObject({ refreshes: 1, passwordGrants: 0, errors: { invalid_grant: 2 } })
    for (const loser of runs.filter((run) => !run.ok)) {
      expect(`${loser.stdout}\n${loser.stderr}`).toMatch(/another execution refreshed it at the same moment/)
      expect(`${loser.stdout}\n${loser.stderr}`).toMatch(/run the workflow again/)
    }
    // The chain is alive: the winner's token is stored, and the next run uses it.
    expect(sim.isLive((await stored()).refreshToken)).toBe(true)
    sim.expireAccessTokens()
    sim.resetStats()
    const next = await execute(WF.stock3)
    expect(nodeOutput(next.json, "HTTP Request").map((item) => item.ok)).toEqual([true, true, true])
    expect(sim.stats()).toMatchObject({ refreshes: 1, failures: 0 })
  })

  it("THE RACE with a refresh token and Retry On Fail: the loser's error is retryable, all 9 succeed with the winner's token", async () => {
    const runs = await race(WF.stock3Retry)
    const succeeded = runs.map(succeededItems)
    console.info(
      `(race, refresh token, Retry On Fail) items served per process: ${succeeded.join(", ")}; stats ${JSON.stringify(sim.stats())}`,
    )
    expect(succeeded).toEqual([3, 3, 3])
    // One rotation, two refusals, no grant: the losers' retries read the winner's stored tokens.
    expect(sim.stats()).toMatchObject({
      tokenRequests: 3,
      refreshes: 1,
      passwordGrants: 0,
      errors: { invalid_grant: 2 },
    })
    expect(sim.isLive((await stored()).refreshToken)).toBe(true)
  })

  it("a wrong password: the error names the Username and Password fields, ONE grant attempt (no storm), the stored state untouched", async () => {
    const before = await stored(badCredential.id)
    sim.resetStats()
    const attemptsBefore =
      sim.serviceAccountStats().find((a) => a.username === account.username)?.failedPasswords ?? 0
    const result = await attempt(WF.bad)
    expect(result.ok).toBe(false)
    const output = `${result.stdout}\n${result.stderr}`
    expect(output).toMatch(/refused the credential's service account: check its Username .*Password fields/)
    const failedPasswords =
      (sim.serviceAccountStats().find((a) => a.username === account.username)?.failedPasswords ?? 0) -
      attemptsBefore
    expect({ failedPasswords, passwordGrants: sim.stats().passwordGrants }).toEqual({
      failedPasswords: 1,
      passwordGrants: 0,
    })
    // One refresh with the dead token, one grant: nothing more for the other items.
    expect(sim.stats().tokenRequests).toBe(2)
    const after = await stored(badCredential.id)
    expect(after.refreshToken === before.refreshToken && after.refreshToken === deadRefreshToken).toBe(true)
    expect(after.accessToken).toBe(before.accessToken)
  })

  /** Runs a workflow that must fail; its output (for the secret scan and the assertions). */
  const executeFailing = async (id: string) => {
    const result = await n8n.execute(id)
    outputs.push(result.stdout, result.stderr)
    expect(result.ok, `n8n execute ${id} should fail`).toBe(false)
    return `${result.stdout}\n${result.stderr}`
  }

  /** The correlation id of the last API request the simulator received. */
  const lastCorrelationId = () => sim.apiRequests().at(-1)?.headers["x-tngo-context-correlationid"] ?? "none"

  it("(g) Tangoe's 403 for an expired token: one refresh, the call sent once more, 200", async () => {
    await execute(WF.orders) // the first run stores a token
    sim.expireAccessTokens()
    sim.resetStats()
    const result = await execute(WF.orders)
    const [page] = nodeOutput(result.json, "Tangoe")
    expect((page as { _meta?: { totalCount?: number } })._meta?.totalCount).toBe(24)
    expect(sim.stats()).toMatchObject({
      refreshes: 1,
      tokenRequests: 1,
      failures: 0,
      apiForbidden: 1,
      apiRequests: 2,
    })
    const [rejected, replayed] = sim.apiRequests().slice(-2)
    expect([rejected?.status, replayed?.status]).toEqual([403, 200])
    expect(replayed?.headers["x-tngo-tenant"]).toBe(apiClient.tenant)
    expect(rejected?.headers["x-tngo-context-correlationid"]).not.toBe(
      replayed?.headers["x-tngo-context-correlationid"],
    )
  })

  it("(h) 403 with a fresh token (another tenant): an authorization error with Tangoe's errorCode and our correlation id, one refresh, no loop", async () => {
    sim.resetStats()
    const output = await executeFailing(WF.forbidden)
    expect(sim.stats()).toMatchObject({ refreshes: 1, tokenRequests: 1, apiForbidden: 2, apiRequests: 2 })
    expect(output).toContain("Tangoe API 403 403-tenant-forbidden (not authorized, with a fresh token)")
    expect(output).toContain(lastCorrelationId())
    // The stored chain is intact: the refresh was saved.
    const data = await n8n.storedCredential(tangoeCredential.id)
    expect(sim.isLive(String(data.refreshToken))).toBe(true)
    seenTokens.forbiddenAccessToken = String(data.accessToken)
  })

  it("(i) Return All follows _meta.hrefNext over 3 pages; an empty collection gives no items", async () => {
    sim.resetStats()
    const result = await execute(WF.all)
    const items = nodeOutput(result.json, "Tangoe")
    expect(items).toHaveLength(24)
    expect(new Set(items.map((item) => item.id)).size).toBe(24)
    const pages = sim.apiRequests().slice(-3)
    expect(pages.map((r) => [r.status, r.query.offset ?? "0"])).toEqual([
      [200, "0"],
      [200, "10"],
      [200, "20"],
    ])
    expect(sim.stats()).toMatchObject({ apiRequests: 3, tokenRequests: 0 })

    const size = sim.config().apiCollectionSize
    sim.configure({ apiCollectionSize: 0 })
    try {
      const empty = await execute(WF.all)
      expect(nodeOutput(empty.json, "Tangoe")).toEqual([])
    } finally {
      sim.configure({ apiCollectionSize: size })
    }
  })

  it("(j) no tenant: Tangoe's 400 body surfaces as an n8n API error with its errorCode and our correlation id", async () => {
    sim.resetStats()
    const output = await executeFailing(WF.noTenant)
    expect(output).toContain("Tangoe API 400 400-missing-required-header")
    expect(output).toContain(lastCorrelationId())
    // One refresh (the credential had no token yet), one call: a 400 is not a token problem.
    expect(sim.stats()).toMatchObject({ refreshes: 1, apiRequests: 1 })
  })

  it("no refresh token, client secret or access token appears in anything n8n printed", async () => {
    for (const ref of [tangoeCredential, noTenantCredential, notPermittedCredential, freshCredential]) {
      const data = await n8n.storedCredential(ref.id)
      seenTokens[`${ref.id}.refreshToken`] = String(data.refreshToken ?? "")
      seenTokens[`${ref.id}.accessToken`] = String(data.accessToken ?? "")
    }
    const secrets = {
      clientSecret: client.clientSecret,
      serviceAccountUsername: account.username,
      serviceAccountPassword: account.password,
      wrongPassword,
      deadRefreshToken,
      ...seenTokens,
    }
    expect(leakedSecrets(outputs.join("\n"), secrets)).toEqual([])
  })
})
