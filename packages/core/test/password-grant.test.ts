/**
 * The password grant with a service account, on a scripted transport: its request (Tangoe's documented
 * parameters, both placements, both client authentications), its typed failures, and that neither the
 * username nor the password shows in any form in what a user can print.
 */
import * as util from "node:util"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { describe, expect, it } from "vitest"
import { HttpTransport } from "../src/HttpTransport.ts"
import { InvalidConfig } from "../src/InvalidConfig.ts"
import { secretForms } from "../src/internal/sanitize.ts"
import {
  type PasswordGrantRequest,
  passwordGrant,
  passwordGrantTokenSet,
  resolveServiceAccount,
} from "../src/PasswordGrant.ts"
import { RefreshError, ServiceAccountRejected, UnauthorizedClient } from "../src/RefreshError.ts"
import type { RetryOptions } from "../src/RetryPolicy.ts"
import { fakeTransport, json, type Outcome, ok } from "./support/fakeTransport.ts"

// URL-unsafe, digit-free, non-ASCII and short: every encoded form differs from the raw one.
const USERNAME = "command://svc acme/é"
const PASSWORD = 'pä"ss\\w&rd=+ ?'

const request = (overrides: Partial<PasswordGrantRequest> = {}): PasswordGrantRequest => ({
  environment: { tokenUrl: "https://idp.example.test/as/token.oauth2" },
  clientId: "client-1",
  clientSecret: "client-secret-1",
  scope: "MOBPROC",
  serviceAccount: { username: USERNAME, password: PASSWORD },
  ...overrides,
})

const run = (outcome: Outcome, req = request(), retry?: RetryOptions | false) => {
  const fake = fakeTransport(outcome)
  const exit = Effect.runSyncExit(
    Effect.provideService(passwordGrant(req, { retry }), HttpTransport, fake.transport),
  )
  return { fake, exit }
}

const failureOf = (outcome: Outcome, req = request(), retry?: RetryOptions | false) => {
  const { fake, exit } = run(outcome, req, retry)
  if (exit._tag !== "Failure") throw new Error("expected a failure")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error
  return { fake, error: error as RefreshError | InvalidConfig }
}

describe("the password grant", () => {
  it("sends Tangoe's documented query parameters, in order, and reads the four fields of the answer", async () => {
    const fake = fakeTransport(ok({ refresh_token: "first-refresh", access_token: "first-access" }))
    const tokens = await passwordGrantTokenSet(request(), { transport: fake.transport })
    expect(Redacted.value(tokens.refreshToken)).toBe("first-refresh")
    expect(Redacted.value(tokens.accessToken)).toBe("first-access")
    expect(tokens.refreshTokenRotated).toBe(true)
    const sent = new URL(fake.requests[0]?.url ?? "")
    expect([...sent.searchParams.keys()]).toEqual([
      "grant_type",
      "client_id",
      "client_secret",
      "scope",
      "username",
      "password",
    ])
    expect(sent.searchParams.get("grant_type")).toBe("password")
    expect(sent.searchParams.get("username")).toBe(USERNAME)
    expect(sent.searchParams.get("password")).toBe(PASSWORD)
    expect(fake.requests[0]?.body).toBeUndefined()
  })

  it("uses the body placement and HTTP Basic client authentication like a refresh", async () => {
    const fake = fakeTransport(ok())
    await passwordGrantTokenSet(request({ placement: "body", clientAuth: "basic" }), {
      transport: fake.transport,
    })
    const sent = fake.requests[0]
    expect(sent?.url).toBe("https://idp.example.test/as/token.oauth2")
    expect(sent?.headers.authorization).toMatch(/^Basic /)
    const body = new URLSearchParams(sent?.body ?? "")
    expect(body.get("grant_type")).toBe("password")
    expect(body.get("client_secret")).toBeNull()
    expect(body.get("password")).toBe(PASSWORD)
  })

  it("fails with MalformedResponse when the answer has no refresh token: a grant must start a chain", () => {
    const { error } = failureOf(
      json(200, { token_type: "Bearer", expires_in: 7199, access_token: "a-token-value" }),
    )
    expect(error).toBeInstanceOf(RefreshError)
    const reason = (error as RefreshError).reason
    expect(reason._tag).toBe("MalformedResponse")
    expect(reason._tag === "MalformedResponse" && reason.field).toBe("refresh_token")
  })

  it("turns invalid_grant into ServiceAccountRejected naming both fields, and never retries it", () => {
    const { fake, error } = failureOf(
      json(400, { error: "invalid_grant", error_description: "Invalid username or password" }),
      request(),
      {},
    )
    const reason = (error as RefreshError).reason
    expect(reason).toBeInstanceOf(ServiceAccountRejected)
    expect((reason as ServiceAccountRejected).locked).toBe(false)
    expect(error.message).toContain("`serviceAccount.password`")
    expect(error.message).toContain("`serviceAccount.username`")
    expect((error as RefreshError).retryable).toBe(false)
    expect(fake.calls()).toBe(1)
  })

  it("says when the account is locked", () => {
    const { error } = failureOf(
      json(400, { error: "invalid_grant", error_description: "The account is locked" }),
    )
    const reason = (error as RefreshError).reason as ServiceAccountRejected
    expect(reason.locked).toBe(true)
    expect(error.message).toMatch(/locked.*unlocked/)
  })

  it("says the client is not allowed the password grant (unauthorized_client)", () => {
    const { error } = failureOf(json(400, { error: "unauthorized_client" }))
    const reason = (error as RefreshError).reason
    expect(reason).toBeInstanceOf(UnauthorizedClient)
    expect((reason as UnauthorizedClient).grantType).toBe("password")
    expect(error.message).toContain("not allowed the password grant")
  })

  it("rejects a bad service account before sending anything, naming the field and never the value", () => {
    const cases: Array<[unknown, string]> = [
      [{ username: "", password: PASSWORD }, "serviceAccount.username"],
      [{ username: "   ", password: PASSWORD }, "serviceAccount.username"],
      [{ username: "ldap://someone", password: PASSWORD }, "serviceAccount.username"],
      [{ username: "command://", password: PASSWORD }, "serviceAccount.username"],
      [{ username: USERNAME, password: "" }, "serviceAccount.password"],
      [{ username: USERNAME, password: " \t" }, "serviceAccount.password"],
      [{ username: USERNAME, password: Redacted.make(42) }, "serviceAccount.password"],
      [undefined, "serviceAccount"],
      ["command://x:pw", "serviceAccount"],
    ]
    for (const [account, field] of cases) {
      const { fake, error } = failureOf(ok(), request({ serviceAccount: account as never }))
      expect(error, field).toBeInstanceOf(InvalidConfig)
      expect((error as InvalidConfig).field).toBe(field)
      expect(error.message).not.toContain("someone")
      expect(fake.calls()).toBe(0)
    }
    expect(Result.isSuccess(resolveServiceAccount({ username: "rivermine://svc", password: "p" }))).toBe(true)
    const bare = resolveServiceAccount({ username: "svc.acme", password: "p" })
    expect(Result.isSuccess(bare) && bare.success.sourceSystem).toBe("tangoe")
  })

  it("never shows the username or password, in any encoding, in what a failure prints", () => {
    const quoting = [
      // The server quotes what it received, raw, URL-encoded, form-encoded, JSON-escaped, base64.
      ...secretForms(PASSWORD),
      ...secretForms(USERNAME),
      JSON.stringify(PASSWORD).slice(1, -1),
    ].join(" | ")
    const outcomes: Array<Outcome> = [
      json(400, { error: "invalid_grant", error_description: `bad credentials: ${quoting}` }),
      json(400, { error: "invalid_request", error_description: quoting }),
      json(500, { error: "server_error", error_description: quoting }),
      { respond: { status: 502, headers: { "content-type": "text/html" }, body: `<p>${quoting}</p>` } },
      json(200, { token_type: "mac", access_token: "x", refresh_token: "y", note: quoting }),
    ]
    for (const outcome of outcomes) {
      const { error } = failureOf(outcome)
      const printed = [
        error.message,
        String(error),
        util.inspect(error, { depth: 10 }),
        JSON.stringify(error),
        error.stack ?? "",
      ].join("\n")
      for (const secret of [PASSWORD, USERNAME]) {
        for (const form of [...secretForms(secret), JSON.stringify(secret).slice(1, -1)]) {
          expect(printed.includes(form), `${form} in ${printed}`).toBe(false)
        }
      }
    }
  })
})
