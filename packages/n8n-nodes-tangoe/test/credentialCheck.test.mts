/**
 * The credential's Test button (the node's `testedBy` function): the token through `validate_bearer`
 * (core's decoder, with n8n's HTTP helper faked), then the API with the tenant header. It never sends a
 * refresh token, and it fails where a workflow would.
 */
import type { IHttpRequestOptions } from "n8n-workflow"
import { describe, expect, it } from "vitest"
import { testTangoeCredential } from "../nodes/Tangoe/credentialCheck.ts"
import { tangoeApiTest } from "../nodes/Tangoe/credentialTest.ts"
import { RUN_ONCE, validateStoredToken } from "../shared/tokenValidation.ts"
import { type Answer, fakeHttp, oauthError, secret, tokenResponse } from "./support/fakeHttp.mts"

const tokens = { RUN_ONCE, validateStoredToken }

const clientSecret = secret("cs-")
const refreshToken = secret("rt-")
const accessToken = secret("at-")

const credential = (fields: Record<string, unknown> = {}) => ({
  environment: "custom",
  tokenUrl: "https://sso.example.com/as/token.oauth2",
  clientId: "client-123",
  clientSecret,
  scope: "MOBPROC",
  refreshToken,
  placement: "query",
  apiBaseUrl: "https://api.example.com/mobileprocurement/v1",
  tenant: "ACME",
  accessToken,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  ...fields,
})

const identity = (tenant: string) =>
  tokenResponse({
    scope: "MOBPROC",
    expires_in: 3000,
    client_id: "client-123",
    access_token: {
      platform: "command",
      tenant,
      multitenant: false,
      identityProvider: "pcv",
      identifier: "svc",
    },
  })

const api = (statusCode: number, body: unknown = {}): Answer => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
})

const isTokenRequest = (o: IHttpRequestOptions) => o.url.startsWith("https://sso.example.com/")

const run = async (answers: Answer[], fields: Record<string, unknown> = {}) => {
  const http = fakeHttp(...answers)
  const result = await testTangoeCredential(tokens, http.httpRequest, credential(fields))
  const everything = JSON.stringify({
    result,
    calls: http.calls.map((c) => ({ ...c, abortSignal: undefined })),
  })
  // Never a refresh: no call carries the refresh token; the result never shows a secret.
  expect(everything.includes(refreshToken)).toBe(false)
  expect(JSON.stringify(result).includes(clientSecret) || JSON.stringify(result).includes(accessToken)).toBe(
    false,
  )
  return { result, calls: http.calls }
}

describe("the credential test", () => {
  it("passes with a validated token and the API accepting the tenant (a 404 at the API root is fine), saying how", async () => {
    const { result, calls } = await run([
      identity("ACME"),
      api(404, { status: 404, errorCode: "404-not-found" }),
    ])
    expect(result.status).toBe("OK")
    expect(result.message).toMatch(
      /^Connection successful with the refresh token: token validated \(tenant ACME, \d+ min left\); the API accepted the token and tenant ACME \(404\)\.$/,
    )
    expect(calls).toHaveLength(2)
    expect(isTokenRequest(calls[0] as IHttpRequestOptions)).toBe(true)
    expect(String(calls[0]?.url)).toContain(
      "grant_type=urn%3Apingidentity.com%3Aoauth2%3Agrant_type%3Avalidate_bearer",
    )
    expect(calls[1]?.url).toBe("https://api.example.com/mobileprocurement/v1")
    expect(calls[1]?.headers).toMatchObject({
      Authorization: `Bearer ${accessToken}`,
      "X-TNGO-TENANT": "ACME",
      client_id: "client-123",
    })
  })

  it("fails with a dead access token (validation: invalid_grant) without calling the API or refreshing", async () => {
    const { result, calls } = await run([oauthError(400, "invalid_grant", "token expired")])
    expect(result).toEqual({
      status: "Error",
      message: expect.stringContaining("The stored access token is no longer valid"),
    })
    expect(result.message).toContain("Run a workflow with this credential once")
    expect(calls).toHaveLength(1)
  })

  it("fails when validation names another tenant than the credential's", async () => {
    const { result, calls } = await run([identity("OTHER")])
    expect(result.status).toBe("Error")
    expect(result.message).toContain(
      'The token belongs to tenant "OTHER", but the credential\'s Tenant is "ACME"',
    )
    expect(calls).toHaveLength(1)
  })

  it("takes the tenant from validation when the credential has none", async () => {
    const { result, calls } = await run([identity("ACME"), api(200, [])], { tenant: "" })
    expect(result.status).toBe("OK")
    expect(calls[1]?.headers).toMatchObject({ "X-TNGO-TENANT": "ACME" })
  })

  it("not permitted to validate: the API judges the token; 403 fails, 404 passes", async () => {
    const notPermitted = oauthError(400, "unauthorized_client", "not permitted")
    const refused = await run([
      notPermitted,
      api(403, { status: 403, errorCode: "403-invalid-token", message: "expired" }),
    ])
    expect(refused.result.status).toBe("Error")
    expect(refused.result.message).toContain("refused the call with 403 (403-invalid-token: expired)")
    const accepted = await run([notPermitted, api(404)])
    expect(accepted.result.status).toBe("OK")
    expect(accepted.result.message).toContain("token validation is not permitted for this client")
  })

  it("fails on 401, on Tangoe's 400 (tenant) and on a 5xx from the API; with a wrong client secret at validation", async () => {
    for (const [status, text] of [
      [401, "refused the call with 401"],
      [400, "answered 400 (400-missing-required-header"],
      [500, "answered 500"],
    ] as const) {
      const { result } = await run([
        identity("ACME"),
        api(status, { status, errorCode: `${status}-missing-required-header` }),
      ])
      expect(result.status).toBe("Error")
      expect(result.message).toContain(text)
    }
    const wrongClient = await run([oauthError(401, "invalid_client", "bad secret")])
    expect(wrongClient.result.status).toBe("Error")
    expect(wrongClient.result.message).toContain("invalid_client")
  })

  it("fails, asking for one run, when no access token is stored yet (a test cannot save a rotated refresh token)", async () => {
    const { result, calls } = await run([], { accessToken: "" })
    expect(result.status).toBe("Error")
    expect(result.message).toContain("No access token is stored yet")
    expect(calls).toHaveLength(0)
  })

  it("runs through n8n's legacy request helper as a credential test function", async () => {
    const seen: Array<Record<string, unknown>> = []
    const answers = [identity("ACME"), api(200, [])]
    const request = async (options: Record<string, unknown>) => {
      seen.push(options)
      const answer = answers[seen.length - 1] as { statusCode: number; body: unknown; headers: object }
      return { statusCode: answer.statusCode, headers: answer.headers, body: answer.body }
    }
    const result = await tangoeApiTest.call({ helpers: { request } } as never, {
      id: "c1",
      name: "Tangoe",
      type: "tangoeApi",
      data: credential(),
    })
    expect(result.status).toBe("OK")
    expect(seen[1]).toMatchObject({
      method: "GET",
      uri: "https://api.example.com/mobileprocurement/v1",
      resolveWithFullResponse: true,
      simple: false,
      followRedirect: false,
    })
  })
})
