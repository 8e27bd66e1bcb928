/**
 * The credential's Test button, unit by unit: the declarative test request (what fails, with which
 * message) and the refresh hook as n8n calls it for a test (the held token validated with
 * `validate_bearer`, a refresh only when the token is not valid, about to expire, or not checkable) and
 * after a failed request (as before: a refresh, but not a second one for a token fresh from Tangoe).
 * The real sequence, with n8n saving what the hook returns, is proven in e2e.n8n.test.mts.
 */
import { inspect } from "node:util"
import type { IHttpRequestOptions } from "n8n-workflow"
import { NodeApiError } from "n8n-workflow"
import { beforeEach, describe, expect, it } from "vitest"
import { FAILING_STATUSES, failureMessage, TANGOE_CREDENTIAL_TEST } from "../shared/credentialTestRequest.ts"
import { TEST_MIN_VALIDITY_SECONDS } from "../shared/preAuthentication.ts"
import { TangoeAuthError } from "../shared/TangoeAuthError.ts"
import { type Answer, fakeHttp, oauthError, secret, tokenResponse } from "./support/fakeHttp.mts"
import { authenticate, type HookMoment, preAuthenticate } from "./support/hookCalls.mts"

interface Secrets {
  clientSecret: string
  refreshToken: string
  accessToken: string
  newRefreshToken: string
  newAccessToken: string
}

let s: Secrets

beforeEach(() => {
  // Fresh values per test: the single flight is per process, keyed by the refresh token.
  s = {
    clientSecret: secret("cs-"),
    refreshToken: secret("rt-"),
    accessToken: secret("at-"),
    newRefreshToken: secret("rt2-"),
    newAccessToken: secret("at2-"),
  }
})

const credential = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  environment: "custom",
  tokenUrl: "https://sso.example.com/as/token.oauth2",
  clientId: "client-123",
  clientSecret: s.clientSecret,
  scope: "MOBPROC",
  refreshToken: s.refreshToken,
  placement: "query",
  apiBaseUrl: "https://api.example.com/mobileprocurement/v1",
  tenant: "ACME",
  accessToken: s.accessToken,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  ...fields,
})

const identity = (tenant: string, expiresIn = 3000, multitenant = false) =>
  tokenResponse({
    scope: "MOBPROC",
    expires_in: expiresIn,
    client_id: "client-123",
    access_token: { platform: "command", tenant, multitenant, identityProvider: "pcv", identifier: "svc" },
  })

const refreshed = (): Answer =>
  tokenResponse({
    token_type: "Bearer",
    expires_in: 7200,
    access_token: s.newAccessToken,
    refresh_token: s.newRefreshToken,
  })

/** The grant type of call `i` (the parameters are in the query: Tangoe's documented placement). */
const grantOf = (calls: IHttpRequestOptions[], i: number) =>
  new URL(String(calls[i]?.url)).searchParams.get("grant_type")

const VALIDATE = "urn:pingidentity.com:oauth2:grant_type:validate_bearer"

/** Every way an error can be shown: its own text and n8n's wrapper's. */
const renderings = (error: unknown): string => {
  const wrapped = new NodeApiError(
    {
      id: "t",
      name: "Temp-Node",
      type: "n8n-nodes-base.noOp",
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    error as never,
  )
  return [
    String(error),
    (error as Error).stack ?? "",
    inspect(error, { depth: 10 }),
    JSON.stringify(error),
    wrapped.message,
    String(wrapped.description),
  ].join("\n")
}

const leaked = (text: string): string[] =>
  Object.entries(s)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name)

/** The hook on a new copy of the credential; what it returned or threw, and the requests it sent. */
const hook = async (answers: Answer[], fields: Record<string, unknown> = {}, moment?: HookMoment) => {
  const http = fakeHttp(...answers)
  const copy = credential(fields)
  const outcome = await preAuthenticate(http.httpRequest, copy as never, moment).then(
    (output) => ({ ok: true as const, output }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  return { outcome, calls: http.calls, copy }
}

describe("the test request (the credential type's `test`)", () => {
  it("is one GET on the API Base URL, redirects not followed, with a time limit", () => {
    expect(TANGOE_CREDENTIAL_TEST.request).toMatchObject({
      method: "GET",
      url: "={{$credentials.apiBaseUrl}}",
      disableFollowRedirect: true,
      timeout: 30_000,
    })
  })

  it("fails on 401, 403, 400, every other 4xx, 5xx and 3xx; passes 2xx and 404 (an API root need not be a resource)", () => {
    const ignore = TANGOE_CREDENTIAL_TEST.request.ignoreHttpStatusErrors
    expect(ignore).toEqual({ ignore: true, except: [...FAILING_STATUSES] })
    for (const status of [301, 302, 400, 401, 403, 405, 429, 500, 502, 503, 504, 599])
      expect(FAILING_STATUSES).toContain(status)
    for (const status of [200, 201, 204, 404]) expect(FAILING_STATUSES).not.toContain(status)
  })

  it("has a rule with its own message for every failing status", () => {
    const rules = TANGOE_CREDENTIAL_TEST.rules ?? []
    expect(rules.map((rule) => rule.type === "responseCode" && rule.properties.value)).toEqual([
      ...FAILING_STATUSES,
    ])
    for (const rule of rules)
      expect(rule.properties.message).toBe(failureMessage(Number(rule.properties.value)))
    expect(failureMessage(401)).toContain("refused the call with 401")
    expect(failureMessage(403)).toContain("refused the call with 403")
    expect(failureMessage(403)).toContain("Tenant field")
    expect(failureMessage(400)).toContain("set the credential's Tenant field")
    expect(failureMessage(500)).toContain("answered 500")
    expect(failureMessage(302)).toContain("redirect")
  })
})

describe("the refresh hook in a credential test (before any request with the held token)", () => {
  it("a valid token with time left: validated (spends nothing), nothing to save, no refresh", async () => {
    const { outcome, calls } = await hook([identity("ACME")])
    expect(outcome).toEqual({ ok: true, output: {} })
    expect(calls).toHaveLength(1)
    expect(grantOf(calls, 0)).toBe(VALIDATE)
    expect(JSON.stringify(calls).includes(s.refreshToken)).toBe(false)
  })

  it("a valid token and no tenant in the credential: nothing to save (the API call judges the tenant)", async () => {
    const { outcome, calls } = await hook([identity("ACME")], { tenant: "" })
    expect(outcome).toEqual({ ok: true, output: {} })
    expect(calls).toHaveLength(1)
  })

  it("a multi-tenant token: no tenant check", async () => {
    const { outcome } = await hook([identity("OTHER", 3000, true)])
    expect(outcome).toEqual({ ok: true, output: {} })
  })

  it("a token Tangoe does not find valid: one refresh, whose rotated refresh token n8n saves", async () => {
    const { outcome, calls } = await hook([oauthError(400, "invalid_grant", "token expired"), refreshed()])
    expect(outcome.ok).toBe(true)
    const output = outcome.ok ? outcome.output : {}
    expect(Object.keys(output).sort()).toEqual(["accessToken", "expiresAt", "refreshToken"])
    expect(output.refreshToken === s.newRefreshToken && output.accessToken === s.newAccessToken).toBe(true)
    expect([grantOf(calls, 0), grantOf(calls, 1)]).toEqual([VALIDATE, "refresh_token"])
  })

  it("a client not permitted to validate: a refresh", async () => {
    const { outcome, calls } = await hook([
      oauthError(400, "unauthorized_client", "not permitted"),
      refreshed(),
    ])
    expect(outcome.ok && outcome.output.refreshToken === s.newRefreshToken).toBe(true)
    expect([grantOf(calls, 0), grantOf(calls, 1)]).toEqual([VALIDATE, "refresh_token"])
  })

  it(`a valid token with less than ${TEST_MIN_VALIDITY_SECONDS} s left: a refresh`, async () => {
    const { outcome, calls } = await hook([identity("ACME", TEST_MIN_VALIDITY_SECONDS - 30), refreshed()])
    expect(outcome.ok && outcome.output.refreshToken === s.newRefreshToken).toBe(true)
    expect(calls).toHaveLength(2)
  })

  it("a valid token of another tenant than the credential's: fails with the fields to fix, no refresh", async () => {
    const { outcome, calls } = await hook([identity("OTHER")])
    expect(outcome.ok).toBe(false)
    const error = outcome.ok ? undefined : outcome.error
    expect(error).toBeInstanceOf(TangoeAuthError)
    expect((error as Error).message).toBe(
      'The token belongs to tenant "OTHER", but the credential\'s Tenant is "ACME": Tangoe refuses calls for another tenant. Set the Tenant field to "OTHER" (or leave it empty).',
    )
    // n8n shows it as it is (the wrapper keeps the message).
    expect(new NodeApiError({} as never, error as never).message).toBe((error as Error).message)
    expect(calls).toHaveLength(1)
    expect(leaked(renderings(error))).toEqual([])
  })

  it("validation itself failing (a wrong client secret): the refresh reports it, without a secret", async () => {
    const { outcome, calls } = await hook([oauthError(401, "invalid_client", "bad secret")])
    expect(outcome.ok).toBe(false)
    const error = outcome.ok ? undefined : outcome.error
    expect((error as Error).message).toContain("invalid_client")
    expect([grantOf(calls, 0), grantOf(calls, 1)]).toEqual([VALIDATE, "refresh_token"])
    expect(leaked(renderings(error))).toEqual([])
  })

  it("no access token yet (a new credential): one refresh, no validation", async () => {
    const { outcome, calls } = await hook([refreshed()], { accessToken: "", expiresAt: "" })
    expect(outcome.ok && outcome.output.refreshToken === s.newRefreshToken).toBe(true)
    expect(calls).toHaveLength(1)
    expect(grantOf(calls, 0)).toBe("refresh_token")
  })
})

describe("the refresh hook after a failed request (runs, and a test's 401)", () => {
  it("refreshes at once, without validating (as before: the request already judged the token)", async () => {
    const { outcome, calls } = await hook([refreshed()], {}, "afterFailedRequest")
    expect(outcome.ok && outcome.output.refreshToken === s.newRefreshToken).toBe(true)
    expect(calls).toHaveLength(1)
    expect(grantOf(calls, 0)).toBe("refresh_token")
  })

  it("does not refresh twice for one request: a token this hook just gave the same copy is kept", async () => {
    const http = fakeHttp(refreshed())
    const copy = credential({ accessToken: "", expiresAt: "" })
    const first = await preAuthenticate(http.httpRequest, copy as never)
    // n8n copies the hook's output into the copy, authenticates the request with it, and it fails.
    Object.assign(copy, first)
    await authenticate(copy as never, { url: "https://api.example.com/mobileprocurement/v1" })
    const second = await preAuthenticate(http.httpRequest, copy as never)
    expect(second).toEqual({})
    expect(http.calls).toHaveLength(1)
  })
})

describe("a test as n8n 2.41.1 runs it (n8n-core httpRequestWithAuthentication, routing path)", () => {
  /**
   * n8n's sequence for the test request, with a fake n8n that copies the hook's output in and records
   * what it saves: the hook first only for an empty access token (n8n's test detection never matches),
   * `authenticate`, the request, and on a 401 (thrown by `authenticate` or answered by the API) the hook
   * once more, `authenticate` again and the request once more, whose answer is final.
   */
  const runTest = async (answers: Answer[], api: number[], fields: Record<string, unknown> = {}) => {
    const http = fakeHttp(...answers)
    const copy = credential(fields)
    const saved: Array<Record<string, unknown>> = []
    const apiCalls: Array<Record<string, unknown>> = []
    const request = TANGOE_CREDENTIAL_TEST.request as IHttpRequestOptions
    const preAuth = async () => {
      const output = await preAuthenticate(http.httpRequest, copy as never)
      if (output.accessToken !== undefined) {
        saved.push(output)
        Object.assign(copy, output)
      }
    }
    const send = async () => {
      const options = await authenticate(copy as never, { ...request, url: String(copy.apiBaseUrl) })
      apiCalls.push(options.headers ?? {})
      return api[apiCalls.length - 1] ?? 200
    }
    let status: number
    try {
      if (copy.accessToken === "") await preAuth()
      status = await send()
      if (status === 401) throw Object.assign(new Error("401"), { response: { status } })
    } catch (error) {
      if ((error as { response?: { status?: number } }).response?.status !== 401) throw error
      await preAuth()
      status = await send()
    }
    return { status, saved, tokenCalls: http.calls, apiCalls }
  }

  const grants = (calls: IHttpRequestOptions[]) => calls.map((_, i) => grantOf(calls, i))

  it("a new credential: one refresh, saved, then the API with the new token and the tenant", async () => {
    const run = await runTest([refreshed()], [404], { accessToken: "", expiresAt: "" })
    expect(run.status).toBe(404)
    expect(grants(run.tokenCalls)).toEqual(["refresh_token"])
    expect(run.saved).toHaveLength(1)
    expect(run.saved[0]?.refreshToken === s.newRefreshToken).toBe(true)
    expect(run.apiCalls).toHaveLength(1)
    expect(run.apiCalls[0]).toEqual({
      Authorization: `Bearer ${s.newAccessToken}`,
      "X-TNGO-TENANT": "ACME",
      client_id: "client-123",
      "X-TNGO-CONTEXT-CORRELATIONID": expect.stringMatching(/^[0-9a-f-]{36}$/),
    })
  })

  it("a valid held token: validated, nothing saved, the API called once with it (the marker header never sent)", async () => {
    const run = await runTest([identity("ACME")], [200])
    expect(run.status).toBe(200)
    expect(grants(run.tokenCalls)).toEqual([VALIDATE])
    expect(run.saved).toEqual([])
    expect(run.apiCalls).toHaveLength(1)
    expect(run.apiCalls[0]?.Authorization).toBe(`Bearer ${s.accessToken}`)
    expect(Object.keys(run.apiCalls[0] ?? {}).map((h) => h.toLowerCase())).not.toContain(
      "x-tangoe-token-credential-test",
    )
  })

  it("a held token Tangoe does not find valid: one refresh, saved, then the API with the new token", async () => {
    const run = await runTest([oauthError(400, "invalid_grant", "expired"), refreshed()], [404])
    expect(run.status).toBe(404)
    expect(grants(run.tokenCalls)).toEqual([VALIDATE, "refresh_token"])
    expect(run.saved.map((o) => o.refreshToken === s.newRefreshToken)).toEqual([true])
    expect(run.apiCalls.map((h) => h.Authorization)).toEqual([`Bearer ${s.newAccessToken}`])
  })

  it("a client not permitted to validate: one refresh, saved", async () => {
    const run = await runTest([oauthError(400, "unauthorized_client", "no"), refreshed()], [200])
    expect(grants(run.tokenCalls)).toEqual([VALIDATE, "refresh_token"])
    expect(run.saved).toHaveLength(1)
  })

  it("a valid token the API answers 401: the test fails with no refresh (the token is not the problem)", async () => {
    const run = await runTest([identity("ACME")], [401])
    expect(run.status).toBe(401)
    expect(grants(run.tokenCalls)).toEqual([VALIDATE])
    expect(run.saved).toEqual([])
  })

  it("a new credential whose API answers 401: ONE refresh, then the final 401 (no refresh loop)", async () => {
    const run = await runTest([refreshed()], [401, 401], { accessToken: "", expiresAt: "" })
    expect(run.status).toBe(401)
    expect(grants(run.tokenCalls)).toEqual(["refresh_token"])
    expect(run.apiCalls).toHaveLength(2)
  })

  it("a valid token of another tenant: the test fails with the message, nothing sent to the API", async () => {
    await expect(runTest([identity("OTHER")], [200])).rejects.toThrow(
      'The token belongs to tenant "OTHER", but the credential\'s Tenant is "ACME"',
    )
  })
})
