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
  ])("names the field to fix: %j -> %s", (config, given, field) => {
    const resolved = resolveClientOptions({ id: "n", ...config }, given)
    expect(isProblem(resolved)).toBe(true)
    expect(resolved).toMatchObject({ _tag: "NotConfigured", field })
    expect(JSON.stringify(resolved)).not.toContain("s3cret-value")
  })
})
