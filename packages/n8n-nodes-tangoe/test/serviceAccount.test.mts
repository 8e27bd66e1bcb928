/**
 * The credential with a Tangoe service account, against a fake of n8n's `httpRequest`: the first grant
 * when no refresh token is stored, a new grant after the refresh token was refused (persisted like a
 * rotation), never after `invalid_client`, a refused account named by its fields and never retried in a
 * burst, and no username or password in any output.
 */
import { inspect } from "node:util"
import { secretFingerprint as fingerprint, isKnownDeadRefreshToken } from "@tangoe-token/core/host"
import { type INode, NodeApiError } from "n8n-workflow"
import { beforeEach, describe, expect, it } from "vitest"
import { findTangoeAuthMarker, type TangoeAuthError } from "../shared/TangoeAuthError.ts"
import { type FakeHttp, fakeHttp, oauthError, secret, tokenResponse } from "./support/fakeHttp.mts"
import { type HookMoment, preAuthenticate } from "./support/hookCalls.mts"

let s: Record<
  "clientSecret" | "refreshToken" | "newRefreshToken" | "accessToken" | "username" | "password",
  string
>

beforeEach(() => {
  s = {
    clientSecret: secret("cs_"),
    refreshToken: secret("rt_"),
    newRefreshToken: secret("rt2_"),
    accessToken: secret("at_"),
    username: `command://${secret("svc_")}`,
    password: secret("pw_"),
  }
})

const data = (overrides: Record<string, unknown> = {}) => ({
  authentication: "serviceAccount",
  username: s.username,
  password: s.password,
  environment: "qa",
  tokenUrl: "",
  clientId: "client-123",
  clientSecret: s.clientSecret,
  scope: "MOBPROC",
  refreshToken: "",
  placement: "query",
  apiBaseUrl: "https://api.example.com",
  accessToken: "",
  expiresAt: "",
  ...overrides,
})

const granted = () =>
  tokenResponse({
    token_type: "Bearer",
    expires_in: 7199,
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

const paramsOf = (http: FakeHttp, call: number) =>
  Object.fromEntries(new URL(String(http.calls[call]?.url)).searchParams)

const node: INode = {
  id: "n1",
  name: "HTTP Request",
  type: "n8n-nodes-base.httpRequest",
  typeVersion: 4.2,
  position: [0, 0],
  parameters: {},
}

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
    .filter(
      ([name, value]) =>
        name !== "newRefreshToken" && (text.includes(value) || text.includes(encodeURIComponent(value))),
    )
    .map(([name]) => name)

describe("a credential with a service account", () => {
  it("bootstrap: no refresh token yet → ONE password grant, and n8n gets the new chain to persist", async () => {
    const http = fakeHttp(granted())
    const output = await preAuth(http)
    expect(Object.keys(output).sort()).toEqual(["accessToken", "expiresAt", "healedAt", "refreshToken"])
    expect(output.refreshToken === s.newRefreshToken).toBe(true)
    expect(output.accessToken === s.accessToken).toBe(true)
    expect(http.calls).toHaveLength(1)
    expect(paramsOf(http, 0)).toEqual({
      grant_type: "password",
      client_id: "client-123",
      client_secret: s.clientSecret,
      scope: "MOBPROC",
      username: s.username,
      password: s.password,
    })
  })

  it("then refreshes like a refresh-token credential: no grant, no healedAt", async () => {
    const http = fakeHttp(granted())
    const output = await preAuth(http, { refreshToken: s.refreshToken })
    expect(Object.keys(output).sort()).toEqual(["accessToken", "expiresAt", "refreshToken"])
    expect(paramsOf(http, 0).grant_type).toBe("refresh_token")
  })

  it("self-heal: a refused refresh token → one new grant, persisted like a rotation; the dead token is never sent again", async () => {
    const http = fakeHttp(oauthError(400, "invalid_grant", "revoked"), granted())
    const output = await preAuth(http, { refreshToken: s.refreshToken })
    expect(output.refreshToken === s.newRefreshToken).toBe(true)
    expect(typeof output.healedAt).toBe("string")
    expect(http.calls.map((_, i) => paramsOf(http, i).grant_type)).toEqual(["refresh_token", "password"])
    expect(isKnownDeadRefreshToken(fingerprint(s.refreshToken))).toBe(true)
    // Another execution in this process still holding the dead token: no refresh is sent with it.
    const again = fakeHttp(granted())
    await preAuth(again, { refreshToken: s.refreshToken, accessToken: "at-other" }, "afterFailedRequest")
    expect(again.calls.map((_, i) => paramsOf(again, i).grant_type)).not.toContain("refresh_token")
  })

  it("concurrent callers of one process that find the chain dead share ONE grant", async () => {
    const http = fakeHttp(oauthError(400, "invalid_grant"), granted())
    const outputs = await Promise.all([1, 2, 3].map(() => preAuth(http, { refreshToken: s.refreshToken })))
    expect(outputs.every((o) => o.refreshToken === s.newRefreshToken)).toBe(true)
    expect(http.calls.map((_, i) => paramsOf(http, i).grant_type)).toEqual(["refresh_token", "password"])
  })

  it("never heals after invalid_client: the client itself is wrong", async () => {
    const http = fakeHttp(oauthError(401, "invalid_client"), granted())
    const error = await errorOf(preAuth(http, { refreshToken: s.refreshToken }))
    expect(findTangoeAuthMarker(error)?.reason).toBe("InvalidClient")
    expect(http.calls).toHaveLength(1)
  })

  it("a wrong password: a typed error naming the Username and Password fields, not retried in a burst, no secret shown", async () => {
    const http = fakeHttp(oauthError(400, "invalid_grant", `bad password ${s.password} for ${s.username}`))
    const first = await errorOf(preAuth(http))
    expect(findTangoeAuthMarker(first)?.reason).toBe("ServiceAccountRejected")
    expect(first.message).toMatch(/Username .*Password fields/)
    expect(first.message).toMatch(/not retried/)
    // Items and executions of this process that come after it send nothing.
    const later = await Promise.all([1, 2, 3].map(() => errorOf(preAuth(http))))
    expect(later.every((e) => e === first)).toBe(true)
    expect(http.calls).toHaveLength(1)
    expect(leaked(renderings(first))).toEqual([])
  })

  it("a wrong password after a dead refresh token: one refresh, one grant, and the error names the account", async () => {
    const http = fakeHttp(oauthError(400, "invalid_grant"), oauthError(400, "invalid_grant", "locked"))
    const error = await errorOf(preAuth(http, { refreshToken: s.refreshToken }))
    expect(findTangoeAuthMarker(error)?.reason).toBe("ServiceAccountRejected")
    expect(http.calls).toHaveLength(2)
    expect(leaked(renderings(error))).toEqual([])
  })

  it("an empty username is reported by field before anything is sent", async () => {
    const http = fakeHttp(granted())
    const error = await errorOf(preAuth(http, { username: "" }))
    expect(findTangoeAuthMarker(error)?.reason).toBe("InvalidConfig")
    expect(error.message).toContain("serviceAccount.username")
    expect(http.calls).toHaveLength(0)
  })
})

describe("a credential with a refresh token, losing a race", () => {
  it("says what most likely happened (another execution rotated it; the next run uses the new one), still names re-provisioning", async () => {
    const http = fakeHttp(oauthError(400, "invalid_grant"))
    const error = await errorOf(
      preAuth(http, { authentication: "refreshToken", refreshToken: s.refreshToken }),
    )
    expect(error.message).toMatch(/another execution refreshed it at the same moment/)
    expect(error.message).toMatch(/run the workflow again/)
    expect(error.message).toMatch(/re-provision/)
    expect(http.calls).toHaveLength(1)
  })
})
