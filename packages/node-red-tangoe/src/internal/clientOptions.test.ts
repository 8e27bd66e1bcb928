import { describe, expect, it } from "vitest"
import { isProblem, resolveClientOptions } from "./clientOptions.ts"

const secrets = { clientId: " id ", clientSecret: "s3cret-value", refreshToken: " rt-value " }

describe("resolveClientOptions", () => {
  it("applies the documented defaults: production, query, params, 5 minutes", () => {
    expect(resolveClientOptions({ id: "n" }, secrets)).toEqual({
      environment: "production",
      clientId: "id",
      clientSecret: "s3cret-value",
      refreshToken: "rt-value",
      placement: "query",
      clientAuth: "params",
      refreshAhead: 300_000,
    })
  })

  it("takes a custom token URL, a scope, body placement, basic auth and refresh-ahead minutes", () => {
    const resolved = resolveClientOptions(
      {
        id: "n",
        environment: "custom",
        tokenUrl: " http://127.0.0.1:9031/as/token.oauth2 ",
        scope: "MOBPROC",
        placement: "body",
        clientAuth: "basic",
        refreshAhead: "2.5",
      },
      secrets,
    )
    expect(resolved).toMatchObject({
      environment: { tokenUrl: "http://127.0.0.1:9031/as/token.oauth2" },
      scope: "MOBPROC",
      placement: "body",
      clientAuth: "basic",
      refreshAhead: 150_000,
    })
  })

  it("passes a redis:// or rediss:// URL on (trimmed), and leaves an empty one out", () => {
    const url = "rediss://app:s3cret-value@cache.internal:6380/1"
    expect(resolveClientOptions({ id: "n" }, { ...secrets, redisUrl: ` ${url} ` })).toMatchObject({
      redisUrl: url,
    })
    expect(resolveClientOptions({ id: "n" }, { ...secrets, redisUrl: " " })).not.toHaveProperty("redisUrl")
  })

  it.each([
    [{ environment: "custom" }, secrets, "tokenUrl"],
    [{ environment: "staging" }, secrets, "environment"],
    [{}, { ...secrets, clientId: "" }, "clientId"],
    [{}, { ...secrets, clientSecret: undefined }, "clientSecret"],
    [{}, { ...secrets, refreshToken: "  " }, "refreshToken"],
    [{ placement: "header" }, secrets, "placement"],
    [{ clientAuth: "jwt" }, secrets, "clientAuth"],
    [{ refreshAhead: "-1" }, secrets, "refreshAhead"],
    [{ refreshAhead: "soon" }, secrets, "refreshAhead"],
    [{}, { ...secrets, redisUrl: "http://:s3cret-value@cache:6379" }, "redisUrl"],
    [{}, { ...secrets, redisUrl: "redis://:s3cret-value@[::1" }, "redisUrl"],
    // Core's rules, on deploy (issue 18): accepted before, and refused only at the first token request.
    [{ environment: "custom", tokenUrl: "http://tokens.example.com/as/token.oauth2" }, secrets, "tokenUrl"],
    [
      { environment: "custom", tokenUrl: "https://user:s3cret-value@tokens.example.com/x" },
      secrets,
      "tokenUrl",
    ],
    [{ scope: "MOBPROC  openid" }, secrets, "scope"],
    [{}, { ...secrets, clientSecret: "   " }, "clientSecret"],
    [{}, { ...secrets, clientSecret: "s3cret-value\u0000" }, "clientSecret"],
    [{}, { ...secrets, clientId: "id\u0007" }, "clientId"],
  ])("names the field to fix: %j -> %s", (config, given, field) => {
    const resolved = resolveClientOptions({ id: "n", ...config }, given)
    expect(isProblem(resolved)).toBe(true)
    expect(resolved).toMatchObject({ _tag: "NotConfigured", field })
    expect(JSON.stringify(resolved)).not.toContain("s3cret-value")
  })
})

describe("core's rules on deploy", () => {
  it("say what is wrong in core's words, naming the field", () => {
    const resolved = resolveClientOptions(
      { id: "n", environment: "custom", tokenUrl: "http://tokens.example.com/as/token.oauth2" },
      secrets,
    )
    expect(resolved).toMatchObject({ _tag: "NotConfigured", field: "tokenUrl" })
    expect(isProblem(resolved) && resolved.message).toMatch(/`environment\.tokenUrl`.*loopback/)
  })
})
