import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "vitest"
import { readConfigFile } from "../src/internal/configFile.ts"
import { UsageError } from "../src/internal/errors.ts"
import { defaultConfigPath, defaultStorePath } from "../src/internal/paths.ts"
import {
  clientRequest,
  isRedisUrl,
  redisUrlLabel,
  resolveSettings,
  TIMEOUT_SECONDS,
} from "../src/internal/settings.ts"

const file = {
  environment: "qa",
  clientId: "file-id",
  clientSecret: "file-secret",
  scope: "FILE",
  store: "/f/token.json",
}
const env = {
  HOME: "/home/u",
  TANGOE_ENV: "production",
  TANGOE_CLIENT_ID: "env-id",
  TANGOE_CLIENT_SECRET: "env-secret",
  TANGOE_SCOPE: "ENV",
  TANGOE_STORE: "/e/token.json",
}

describe("resolveSettings precedence: flags > env > settings file > defaults", () => {
  it("takes flags first", () => {
    const s = resolveSettings({
      flags: {
        tokenUrl: "http://127.0.0.1:1/as/token.oauth2",
        clientId: "flag-id",
        scope: "FLAG",
        store: "/x.json",
      },
      env,
      file,
    })
    expect(s.environment).toEqual({ tokenUrl: "http://127.0.0.1:1/as/token.oauth2" })
    expect([s.clientId, s.scope, s.storePath]).toEqual(["flag-id", "FLAG", "/x.json"])
    expect(s.sources).toMatchObject({
      environment: "flag",
      clientId: "flag",
      scope: "flag",
      store: "flag",
      clientSecret: "env",
    })
  })

  it("then environment variables", () => {
    const s = resolveSettings({ flags: {}, env, file })
    expect([s.environment, s.clientId, s.scope, s.storePath]).toEqual([
      "production",
      "env-id",
      "ENV",
      "/e/token.json",
    ])
    expect(Redacted.value(s.clientSecret as Redacted.Redacted<string>)).toBe("env-secret")
  })

  it("then the settings file, then defaults", () => {
    const fromFile = resolveSettings({ flags: {}, env: { HOME: "/home/u" }, file })
    expect([fromFile.environment, fromFile.clientId, fromFile.scope, fromFile.storePath]).toEqual([
      "qa",
      "file-id",
      "FILE",
      "/f/token.json",
    ])
    const defaults = resolveSettings({ flags: {}, env: { HOME: "/home/u" }, file: undefined })
    expect(defaults.environment).toBe("production")
    expect(defaults.storePath).toBe("/home/u/.local/state/tangoe-token/token.json")
    expect(defaults.configPath).toBe("/home/u/.config/tangoe-token/config.json")
    expect(defaults.sources).toMatchObject({ environment: "default", clientId: "none", store: "default" })
  })

  it("lets a token URL win over an environment name at the same level and ignores empty variables", () => {
    const s = resolveSettings({
      flags: {},
      env: {
        HOME: "/h",
        TANGOE_ENV: "qa",
        TANGOE_TOKEN_URL: "https://sso.example/as/token.oauth2",
        TANGOE_SCOPE: "",
      },
      file: { scope: "FILE" },
    })
    expect(s.environment).toEqual({ tokenUrl: "https://sso.example/as/token.oauth2" })
    expect(s.scope).toBe("FILE")
  })

  it("ranks secrets from stdin with flags, above the environment", () => {
    const s = resolveSettings({
      flags: {},
      env,
      file,
      stdin: { clientSecret: "stdin-secret", refreshToken: "rt" },
    })
    expect(s.sources.clientSecret).toBe("stdin")
    expect(Redacted.value(s.clientSecret as Redacted.Redacted<string>)).toBe("stdin-secret")
    expect(s.sources.refreshToken).toBe("stdin")
  })
})

describe("default paths", () => {
  it("follow XDG variables when absolute, else the home folder", () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: "/c", HOME: "/h" })).toBe("/c/tangoe-token/config.json")
    expect(defaultStorePath({ XDG_STATE_HOME: "/s", HOME: "/h" })).toBe("/s/tangoe-token/token.json")
    expect(defaultStorePath({ XDG_STATE_HOME: "relative", HOME: "/h" })).toBe(
      "/h/.local/state/tangoe-token/token.json",
    )
  })
})

describe("clientRequest", () => {
  it("names the missing setting without showing any value", () => {
    const noId = resolveSettings({
      flags: {},
      env: { HOME: "/h", TANGOE_CLIENT_SECRET: "s3cr3t" },
      file: undefined,
    })
    expect(() => clientRequest(noId)).toThrow(UsageError)
    expect(() => clientRequest(noId)).toThrow(/client id/)
    const noSecret = resolveSettings({ flags: { clientId: "id" }, env: { HOME: "/h" }, file: undefined })
    expect(() => clientRequest(noSecret)).toThrow(/client secret/)
  })

  it("converts the timeout to milliseconds and keeps the secret redacted", () => {
    const s = resolveSettings({
      flags: { clientId: "id", timeout: 2.5 },
      env: { HOME: "/h", TANGOE_CLIENT_SECRET: "x" },
      file: undefined,
    })
    const request = clientRequest(s)
    expect(request.timeout).toBe(2500)
    expect(String(request.clientSecret)).not.toContain('x"')
    expect(JSON.stringify(request)).not.toContain('"x"')
  })
})

describe("the time limit of a token request (issue 18, problem 5)", () => {
  const settings = (timeout: number, file?: { timeout: number }) =>
    resolveSettings({
      flags: { clientId: "id", ...(file === undefined ? { timeout } : {}) },
      env: { HOME: "/h", TANGOE_CLIENT_SECRET: "x" },
      file,
    })

  it("refuses less than 0.1 s (and more than a Node timer takes) from a flag or the settings file, naming --timeout", () => {
    for (const seconds of [0.0001, 0.05, 0, -1, Number.NaN, 2_147_484, 1e12]) {
      expect(() => clientRequest(settings(seconds))).toThrow(UsageError)
      expect(() => clientRequest(settings(seconds))).toThrow(/--timeout .*from 0\.1 to 2147483/)
      expect(() => clientRequest(settings(0, { timeout: seconds }))).toThrow(/"timeout" in the settings file/)
    }
  })

  it("accepts 0.1 s and the longest timer core takes, as milliseconds", () => {
    expect(clientRequest(settings(0.1)).timeout).toBe(100)
    expect(clientRequest(settings(TIMEOUT_SECONDS.max)).timeout).toBe(2_147_483_647)
  })

  it("the settings file's timeout is checked when the file is read", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-timeout-"))
    const path = join(dir, "config.json")
    writeFileSync(path, JSON.stringify({ timeout: 0.0001 }), { mode: 0o600 })
    await expect(readConfigFile(path, () => undefined)).rejects.toThrow(
      /"timeout" must be a number of seconds from 0\.1/,
    )
  })
})

describe("a Redis token store", () => {
  it("is selected by a redis:// or rediss:// URL from any level, kept Redacted and shown without its password", () => {
    const url = "rediss://app:pa%40ss-77@cache.internal:6380/2?x=1"
    for (const [flags, e, f] of [
      [{ store: url }, { HOME: "/h" }, undefined],
      [{}, { HOME: "/h", TANGOE_STORE: url }, undefined],
      [{}, { HOME: "/h" }, { store: url }],
    ] as const) {
      const s = resolveSettings({ flags, env: e, file: f })
      expect(s.storeUrl && Redacted.value(s.storeUrl)).toBe(url)
      expect(s.storePath).toBe("rediss://app@cache.internal:6380/2")
      expect(JSON.stringify(s)).not.toContain("pa%40ss-77")
    }
    const file = resolveSettings({
      flags: { store: "/srv/redis.json" },
      env: { HOME: "/h" },
      file: undefined,
    })
    expect([file.storeUrl, file.storePath]).toEqual([undefined, "/srv/redis.json"])
    expect(isRedisUrl("REDIS://h")).toBe(true)
    expect(isRedisUrl("./redis://x")).toBe(false)
  })

  it("takes the password from TANGOE_REDIS_PASSWORD, Redacted", () => {
    const s = resolveSettings({
      flags: { store: "redis://127.0.0.1:6379" },
      env: { HOME: "/h", TANGOE_REDIS_PASSWORD: "env-redis-pw" },
      file: undefined,
    })
    expect(s.redisPassword && Redacted.value(s.redisPassword)).toBe("env-redis-pw")
    expect(`${JSON.stringify(s)} ${String(s.redisPassword)}`).not.toContain("env-redis-pw")
  })

  it("labels a URL it cannot parse without quoting it", () => {
    expect(redisUrlLabel("redis://:sekret@[::1")).toBe("redis://(an invalid URL)")
    expect(redisUrlLabel("redis://:sekret@h:1/0")).toBe("redis://h:1/0")
  })
})
