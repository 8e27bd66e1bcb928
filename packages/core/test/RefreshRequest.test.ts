import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { assert, describe, it } from "vitest"
import { InvalidConfig } from "../src/InvalidConfig.ts"
import { resolveRefreshRequest, TOKEN_URLS } from "../src/RefreshRequest.ts"
import { request } from "./support/request.ts"

const invalid = (input: unknown): InvalidConfig => {
  const result = resolveRefreshRequest(input)
  if (Result.isSuccess(result)) return assert.fail("expected InvalidConfig")
  assert.instanceOf(result.failure, InvalidConfig)
  return result.failure
}

const valid = (input: unknown) => {
  const result = resolveRefreshRequest(input)
  if (Result.isFailure(result)) return assert.fail(result.failure.message)
  return result.success
}

describe("resolveRefreshRequest", () => {
  it("applies the documented defaults and makes secrets Redacted", () => {
    const resolved = valid(request({ scope: undefined }))
    assert.strictEqual(resolved.tokenUrl, TOKEN_URLS.qa)
    assert.strictEqual(resolved.environment, "qa")
    assert.strictEqual(resolved.placement, "query")
    assert.strictEqual(resolved.clientAuth, "params")
    assert.strictEqual(Duration.toMillis(resolved.timeout), 30_000)
    assert.isUndefined(resolved.scope)
    assert.isTrue(Redacted.isRedacted(resolved.clientSecret))
    assert.isTrue(Redacted.isRedacted(resolved.refreshToken))
  })

  it("knows both Tangoe environments", () => {
    assert.strictEqual(
      valid(request({ environment: "production" })).tokenUrl,
      "https://oauth.tangoe.com/as/token.oauth2",
    )
    assert.strictEqual(
      valid(request({ environment: "qa" })).tokenUrl,
      "https://oauthqa.tangoe.com/as/token.oauth2",
    )
  })

  for (const tokenUrl of [
    "https://sso.example.com/as/token.oauth2",
    "http://127.0.0.1:9031/as/token.oauth2",
    "http://127.255.0.9/x",
    "http://[::1]:8080/x",
    "http://localhost:9031/as/token.oauth2",
  ]) {
    it(`accepts ${tokenUrl}`, () => {
      const resolved = valid(request({ environment: { tokenUrl } }))
      assert.strictEqual(resolved.environmentName, "custom")
    })
  }

  for (const tokenUrl of [
    "http://sso.example.com/as/token.oauth2",
    "http://128.0.0.1/x",
    "http://127.0.0.1.example.com/x",
    "ftp://127.0.0.1/x",
    "/as/token.oauth2",
    "https://user:pass@sso.example.com/x",
    "https://sso.example.com/x#frag",
  ]) {
    it(`rejects ${tokenUrl} naming environment.tokenUrl`, () => {
      const error = invalid(request({ environment: { tokenUrl } }))
      assert.strictEqual(error.field, "environment.tokenUrl")
      assert.include(error.message, "environment.tokenUrl")
    })
  }

  it("the custom environment's label drops the query string", () => {
    const resolved = valid(
      request({ environment: { tokenUrl: "https://h.example/as/token.oauth2?tenant=x" } }),
    )
    assert.strictEqual(resolved.environment, "https://h.example/as/token.oauth2")
    assert.strictEqual(resolved.tokenUrl, "https://h.example/as/token.oauth2?tenant=x")
  })

  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["environment", "prod", "environment"],
    ["environment", 42, "environment"],
    ["environment", undefined, "environment"],
    ["clientId", "", "clientId"],
    ["clientId", 7, "clientId"],
    ["clientSecret", "", "clientSecret"],
    ["clientSecret", "a\nb", "clientSecret"],
    ["clientSecret", Redacted.make(""), "clientSecret"],
    ["refreshToken", undefined, "refreshToken"],
    ["refreshToken", null, "refreshToken"],
    ["scope", "", "scope"],
    ["scope", "a  b", "scope"],
    ["scope", 'quote"d', "scope"],
    ["scope", ["MOBPROC"], "scope"],
    ["placement", "header", "placement"],
    ["clientAuth", "jwt", "clientAuth"],
    ["timeout", 0, "timeout"],
    ["timeout", -5, "timeout"],
    ["timeout", "Infinity", "timeout"],
    ["timeout", Number.NaN, "timeout"],
    ["timeout", "soon", "timeout"],
  ]
  for (const [key, value, field] of cases) {
    it(`${key} = ${String(typeof value === "string" ? JSON.stringify(value) : value)} fails naming ${field}`, () => {
      const error = invalid({ ...request(), [key]: value })
      assert.strictEqual(error.field, field)
      assert.include(error.message, `\`${field}\``)
      assert.include(error.message, "must be")
      assert.isFalse(error.retryable)
    })
  }

  it("a secret's value is never echoed", () => {
    const error = invalid(request({ clientSecret: "hunter2\u0001" }))
    assert.notInclude(error.message, "hunter2")
    assert.include(error.received, "control character")
  })

  it("rejects a non-object request", () => {
    assert.strictEqual(invalid(null).field, "request")
    assert.strictEqual(invalid("qa").field, "request")
  })

  it("reports a request whose properties throw instead of throwing", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("boom")
        },
      },
    )
    assert.strictEqual(invalid(hostile).field, "request")
  })

  it("accepts a scope list and a timeout as a Duration input", () => {
    const resolved = valid(request({ scope: "MOBPROC openid", timeout: "2 seconds" }))
    assert.strictEqual(resolved.scope, "MOBPROC openid")
    assert.strictEqual(Duration.toMillis(resolved.timeout), 2000)
  })
})
