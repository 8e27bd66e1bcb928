/**
 * End to end: the built `tangoe-token` in child processes against the PingFederate simulator, each
 * test with its own HOME/XDG folders. The last test scans every output for secrets.
 */
import { execFile, spawn, spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { promisify } from "node:util"
import { type SeededClient, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { describe, expect, it } from "vitest"
import { CORE_TERMS } from "../src/internal/cliTerms.ts"
import {
  addClient,
  addLiveTokens,
  CLI,
  type Home,
  json,
  type Ledger,
  makeHome,
  readStore,
  run,
  runs,
  useSimulator,
} from "./support/cli.ts"

let sim: Simulator
/** Client secrets and refresh tokens: never in any output. */
const secrets = new Set<string>()
const clients: Ledger["clients"] = []
/** Access tokens: only in the output of `token` and `header`. */
const accessTokens = new Set<string>()

useSimulator((started) => {
  sim = started
})

/** A new client on `on` whose secret and refresh token are remembered for the final scan. */
const newClient = (on: Simulator = sim): SeededClient => addClient({ secrets, clients }, on)

const settingsFlags = (client: SeededClient, on: Simulator = sim) => [
  "--token-url",
  on.tokenUrl,
  "--client-id",
  client.clientId,
  "--scope",
  "MOBPROC",
]

const stdinSecrets = (client: SeededClient) =>
  `TANGOE_CLIENT_SECRET=${client.clientSecret}\nTANGOE_REFRESH_TOKEN=${client.refreshToken}\n`

/** `init --stdin` for a new client in a new home. */
const provisioned = async (on: Simulator = sim): Promise<{ home: Home; client: SeededClient }> => {
  const home = makeHome()
  const client = newClient(on)
  const r = await run(home, ["init", "--stdin", ...settingsFlags(client, on)], {
    stdin: stdinSecrets(client),
  })
  expect(r.stderr).toBe("")
  expect(r.code).toBe(0)
  return { home, client }
}

const remember = (home: Home) => {
  if (!existsSync(home.storePath)) return
  const stored = readStore(home.storePath)
  secrets.add(stored.refreshToken)
  if (stored.accessToken !== undefined) accessTokens.add(stored.accessToken)
}

const modeOf = (path: string) => statSync(path).mode & 0o777

describe("init", () => {
  it("saves the settings (0600), stores the refresh token, and rotates it once", async () => {
    const { home, client } = await provisioned()
    const config = JSON.parse(readFileSync(home.configPath, "utf8"))
    expect(config).toEqual({
      environment: sim.tokenUrl,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: "MOBPROC",
    })
    expect(modeOf(home.configPath)).toBe(0o600)
    expect(modeOf(home.storePath)).toBe(0o600)
    const stored = readStore(home.storePath)
    expect(stored.refreshToken).not.toBe(client.refreshToken)
    expect(sim.isLive(stored.refreshToken)).toBe(true)
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(readFileSync(home.configPath, "utf8")).not.toContain(client.refreshToken)
    remember(home)
  })

  it("keeps a client secret that came from the environment out of the settings file (--json shape)", async () => {
    const home = makeHome()
    const client = newClient()
    const r = await run(home, ["init", "--json", ...settingsFlags(client)], {
      env: { TANGOE_CLIENT_SECRET: client.clientSecret, TANGOE_REFRESH_TOKEN: client.refreshToken },
    })
    expect(r.code).toBe(0)
    const out = json(r)
    expect(Object.keys(out).sort()).toEqual(
      ["clientId", "clientSecretSaved", "config", "environment", "expiresAt", "initialized", "store"].sort(),
    )
    expect(out).toMatchObject({
      initialized: true,
      clientSecretSaved: false,
      store: home.storePath,
      config: home.configPath,
    })
    expect(readFileSync(home.configPath, "utf8")).not.toContain(client.clientSecret)
    const token = await run(home, ["token"], { env: { TANGOE_CLIENT_SECRET: client.clientSecret } })
    expect(token.code).toBe(0)
    const missing = await run(home, ["token"])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no client secret/)
    remember(home)
  })

  it("reads a single bare line on stdin as the refresh token", async () => {
    const home = makeHome()
    const client = newClient()
    const r = await run(home, ["init", "--stdin", ...settingsFlags(client)], {
      stdin: `${client.refreshToken}\n`,
      env: { TANGOE_CLIENT_SECRET: client.clientSecret },
    })
    expect(r.code).toBe(0)
    expect(sim.isLive(readStore(home.storePath).refreshToken)).toBe(true)
    remember(home)
  })

  it("warns on stderr when secrets are passed as flags, without echoing them", async () => {
    const home = makeHome()
    const client = newClient()
    const r = await run(home, [
      "init",
      ...settingsFlags(client),
      "--client-secret",
      client.clientSecret,
      "--refresh-token",
      client.refreshToken,
    ])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/warning: --client-secret on the command line is visible to other users/)
    expect(r.stderr).toMatch(/warning: --refresh-token on the command line is visible to other users/)
    const status = await run(home, ["status", "--client-secret", "whatever-value"])
    expect(status.stderr).toMatch(/warning: --client-secret/)
    remember(home)
  })

  it("exits 2 without a refresh token, and 3 when the server refuses it or the client", async () => {
    const home = makeHome()
    const client = newClient()
    const none = await run(home, ["init", ...settingsFlags(client)], {
      env: { TANGOE_CLIENT_SECRET: client.clientSecret },
    })
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/init needs a refresh token/)
    const badToken = await run(home, ["init", "--stdin", ...settingsFlags(client)], {
      stdin: `TANGOE_CLIENT_SECRET=${client.clientSecret}\nTANGOE_REFRESH_TOKEN=not-a-live-token\n`,
    })
    expect(badToken.code).toBe(3)
    const badSecret = await run(makeHome(), ["init", "--json", "--stdin", ...settingsFlags(client)], {
      stdin: `TANGOE_CLIENT_SECRET=wrong-secret\nTANGOE_REFRESH_TOKEN=${client.refreshToken}\n`,
    })
    expect(badSecret.code).toBe(3)
    expect(json(badSecret)).toMatchObject({ error: { type: "InvalidClient", exitCode: 3 } })
  })

  it("a failed init leaves a working settings file byte for byte, and the next token still works (issue 18)", async () => {
    const { home } = await provisioned()
    const before = readFileSync(home.configPath)
    const storeBefore = readFileSync(home.storePath)
    const other = newClient()
    const failed = await run(home, ["init", "--json", "--stdin", ...settingsFlags(other)], {
      stdin: `TANGOE_CLIENT_SECRET=wrong-secret-for-init\nTANGOE_REFRESH_TOKEN=${other.refreshToken}\n`,
    })
    expect(failed.code).toBe(3)
    expect(json(failed)).toMatchObject({ error: { type: "InvalidClient" } })
    expect(readFileSync(home.configPath).equals(before)).toBe(true)
    expect(readFileSync(home.storePath).equals(storeBefore)).toBe(true)
    const token = await run(home, ["token"])
    expect(token.code).toBe(0)
    expect(token.stdout.trim().length).toBeGreaterThan(0)
    accessTokens.add(token.stdout.trim())
    remember(home)
  })
})

describe("token and header", () => {
  it("prints the access token alone, live on the API, and serves the cached one without a token request", async () => {
    const { home } = await provisioned()
    const before = sim.stats().tokenRequests
    const first = await run(home, ["token"])
    expect(first.code).toBe(0)
    expect(first.stderr).toBe("")
    const token = first.stdout.replace(/\n$/, "")
    expect(token).not.toMatch(/\s/)
    expect(sim.isAccessTokenValid(token)).toBe(true)
    const second = await run(home, ["token"])
    expect(second.stdout).toBe(first.stdout)
    expect(sim.stats().tokenRequests).toBe(before)
    remember(home)
  })

  it("--json gives {accessToken, tokenType, expiresAt, scope}; header gives the header line", async () => {
    const { home } = await provisioned()
    const t = json(await run(home, ["token", "--json"]))
    expect(Object.keys(t).sort()).toEqual(["accessToken", "expiresAt", "scope", "tokenType"])
    expect(t.tokenType).toMatch(/^bearer$/i)
    expect(Date.parse(t.expiresAt as string)).toBeGreaterThan(Date.now())
    const h = await run(home, ["header"])
    expect(h.stdout).toBe(`Authorization: Bearer ${t.accessToken}\n`)
    expect(json(await run(home, ["header", "--json"]))).toEqual({
      name: "Authorization",
      value: `Bearer ${t.accessToken}`,
    })
    remember(home)
  })

  it("gives the same result through the full parser as through the fast path", async () => {
    const { home, client } = await provisioned()
    const fast = await run(home, ["token", "--json"])
    const full = await run(home, ["token", "--json", "--client-id", client.clientId])
    expect(full.stdout).toBe(fast.stdout)
    remember(home)
  })

  it("exits 3 when nothing is provisioned, 5 when the store is unreadable", async () => {
    const home = makeHome()
    const client = newClient()
    const env = {
      TANGOE_TOKEN_URL: sim.tokenUrl,
      TANGOE_CLIENT_ID: client.clientId,
      TANGOE_CLIENT_SECRET: client.clientSecret,
    }
    const empty = await run(home, ["token", "--json"], { env })
    expect(empty.code).toBe(3)
    expect(json(empty)).toMatchObject({ error: { type: "NotProvisioned", exitCode: 3 } })
    mkdirSync(join(home.dir, "state", "tangoe-token"), { recursive: true })
    writeFileSync(home.storePath, "{ truncated", { mode: 0o600 })
    const corrupt = await run(home, ["token"], { env })
    expect(corrupt.code).toBe(5)
    expect(corrupt.stderr).toMatch(/^tangoe-token: .*not a valid token file/)
    expect(corrupt.stderr).not.toMatch(/\bat .*\.m?js:\d+/)
  })
})

describe("refresh and rotation", () => {
  it("forces a refresh each run and persists every rotated refresh token", async () => {
    const { home } = await provisioned()
    let previous = readStore(home.storePath)
    for (let i = 0; i < 3; i++) {
      const before = sim.stats().tokenRequests
      const r = await run(home, i === 0 ? ["refresh", "--json"] : ["refresh"])
      expect(r.code).toBe(0)
      expect(sim.stats().tokenRequests).toBe(before + 1)
      const stored = readStore(home.storePath)
      expect(stored.generation).toBeGreaterThan(previous.generation)
      expect(sim.isLive(stored.refreshToken)).toBe(true)
      expect(sim.isLive(previous.refreshToken)).toBe(false)
      if (i === 0) {
        const out = json(r)
        expect(Object.keys(out).sort()).toEqual(["expiresAt", "refreshed", "scope", "tokenType"])
        expect(out.refreshed).toBe(true)
      } else {
        expect(r.stdout).toMatch(/^refreshed: the access token is valid until /)
      }
      secrets.add(stored.refreshToken)
      if (stored.accessToken) accessTokens.add(stored.accessToken)
      previous = stored
    }
  })

  it("keeps the stored descendant over a stale provisioned token, and takes a newly provisioned one", async () => {
    const { home, client } = await provisioned()
    const stored = readStore(home.storePath)
    const before = sim.stats().tokenRequests
    const stale = await run(home, ["token"], { env: { TANGOE_REFRESH_TOKEN: client.refreshToken } })
    expect(stale.code).toBe(0)
    expect(sim.stats().tokenRequests).toBe(before)
    expect(readStore(home.storePath).refreshToken).toBe(stored.refreshToken)
    const fresh = sim.issueRefreshToken(client.clientId)
    secrets.add(fresh)
    const r = await run(home, ["refresh"], { env: { TANGOE_REFRESH_TOKEN: fresh } })
    expect(r.code).toBe(0)
    expect(sim.isLive(fresh)).toBe(false)
    expect(sim.isLive(readStore(home.storePath).refreshToken)).toBe(true)
    remember(home)
  })

  it("two parallel token calls at expiry cause one refresh", async () => {
    const { home } = await provisioned()
    // The stored access token expired a second ago (its record says so; nothing waits for a clock).
    // The refresh gives a 60 s token, so whichever process comes second adopts it, however late.
    const file = JSON.parse(readFileSync(home.storePath, "utf8"))
    file.token.issuedAt = Date.now() - 61_000
    file.token.expiresAt = Date.now() - 1_000
    writeFileSync(home.storePath, JSON.stringify(file))
    const before = sim.stats().tokenRequests
    const [a, b] = await Promise.all([run(home, ["token"]), run(home, ["token"])])
    expect([a.code, b.code]).toEqual([0, 0])
    expect(sim.stats().tokenRequests).toBe(before + 1)
    expect(a.stdout).toBe(b.stdout)
    expect(sim.isAccessTokenValid(a.stdout.trim())).toBe(true)
    expect(sim.isLive(readStore(home.storePath).refreshToken)).toBe(true)
    remember(home)
  })

  it("an absurd expires_in (1e13) is clamped: exit 0, a valid expiry, the rotated token saved", async () => {
    const { home } = await provisioned()
    sim.injectFaults({ kind: "expiresIn", value: 1e13 })
    const refreshed = await run(home, ["refresh", "--json"])
    expect(refreshed.code).toBe(0)
    expect(refreshed.stderr).not.toContain("RangeError")
    const stored = readStore(home.storePath) as { refreshToken: string; expiresAt?: number }
    expect(sim.isLive(stored.refreshToken)).toBe(true)
    expect(Number.isFinite(new Date(stored.expiresAt ?? Number.NaN).getTime())).toBe(true)
    const status = await run(home, ["status", "--json"])
    expect(status.code).toBe(0)
    remember(home)
  })

  it("refuses a time limit under 0.1 s (--timeout 0.0001) before any token request: exit 2, naming --timeout", async () => {
    const { home } = await provisioned()
    const before = sim.stats().tokenRequests
    const r = await run(home, ["refresh", "--timeout", "0.0001"])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^tangoe-token: --timeout .*must be a number of seconds from 0\.1/)
    expect(sim.stats().tokenRequests).toBe(before)
    const stored = readStore(home.storePath)
    expect(sim.isLive(stored.refreshToken)).toBe(true)
    remember(home)
  })

  it("exits 4 when the server fails or times out", async () => {
    const { home } = await provisioned()
    sim.injectFaults({ kind: "status", status: 500 })
    const failed = await run(home, ["refresh", "--json"])
    expect(failed.code).toBe(4)
    expect(json(failed)).toMatchObject({ error: { type: "ServerError", exitCode: 4 } })
    sim.clearFaults()
    const port = await closedPort()
    const refused = await run(
      home,
      [
        "token",
        "--json",
        "--no-retry",
        "--token-url",
        `http://127.0.0.1:${port}/as/token.oauth2`,
        "--store",
        join(home.dir, "other.json"),
      ],
      {
        env: { TANGOE_REFRESH_TOKEN: "some-provisioned-token" },
      },
    )
    expect(refused.code).toBe(4)
    expect(json(refused)).toMatchObject({ error: { type: "Transport", exitCode: 4 } })
    // A delayed request is still processed after the client gave up: keep it on its own simulator.
    const slowSim = await startSimulator({ environment: "qa" })
    try {
      const other = await provisioned(slowSim)
      slowSim.injectFaults({ kind: "delay", ms: 3000, phase: "beforeProcessing" })
      const slow = await run(other.home, ["refresh", "--timeout", "0.5"])
      expect(slow.code).toBe(4)
      expect(slow.stderr).toMatch(
        /^tangoe-token: cannot refresh the access token at the token endpoint .*: no answer within/,
      )
      remember(other.home)
    } finally {
      await slowSim.close()
    }
    remember(home)
  })
})

describe("status", () => {
  it("shows validity, last refresh and locations, without secrets (text and --json)", async () => {
    const { home, client } = await provisioned()
    const r = await run(home, ["status", "--json"])
    expect(r.code).toBe(0)
    const s = json(r)
    expect(Object.keys(s).sort()).toEqual(
      [
        "clientId",
        "clientSecretSet",
        "lastFailure",
        "config",
        "configFound",
        "environment",
        "expiresInSeconds",
        "generation",
        "lastRefreshAt",
        "scope",
        "sources",
        "state",
        "store",
        "validUntil",
        // Service accounts (issue 15): whether one is set, whether it heals, when it last did, and a
        // stored refresh token the server refused for good.
        "serviceAccount",
        "selfHeal",
        "lastHealAt",
        "refreshTokenDeadSince",
      ].sort(),
    )
    expect(s).toMatchObject({
      state: "valid",
      store: home.storePath,
      config: home.configPath,
      configFound: true,
      clientId: client.clientId,
      clientSecretSet: true,
      environment: sim.tokenUrl,
    })
    expect(s.expiresInSeconds as number).toBeGreaterThan(7000)
    const text = await run(home, ["status"])
    expect(text.stdout).toMatch(/^state\s+valid \(expires in 1h 59m/)
    expect(text.stdout).toContain(home.storePath)
    const empty = json(await run(makeHome(), ["status", "--json"]))
    expect(empty).toMatchObject({ state: "empty", validUntil: null, lastRefreshAt: null, configFound: false })
    remember(home)
  })

  it("follows the precedence flags > environment > settings file > defaults", async () => {
    const home = makeHome()
    mkdirSync(join(home.dir, "config", "tangoe-token"), { recursive: true })
    writeFileSync(
      home.configPath,
      JSON.stringify({
        environment: "qa",
        clientId: "file-id",
        scope: "FILE",
        store: join(home.dir, "file.json"),
      }),
      { mode: 0o600 },
    )
    const s = async (args: Array<string>, env: Record<string, string> = {}) =>
      json(await run(home, ["status", "--json", ...args], { env }))
    expect(await s([])).toMatchObject({
      environment: "qa",
      clientId: "file-id",
      scope: "FILE",
      store: join(home.dir, "file.json"),
    })
    const env = {
      TANGOE_ENV: "production",
      TANGOE_CLIENT_ID: "env-id",
      TANGOE_SCOPE: "ENV",
      TANGOE_STORE: join(home.dir, "env.json"),
    }
    expect(await s([], env)).toMatchObject({
      environment: "production",
      clientId: "env-id",
      scope: "ENV",
      store: join(home.dir, "env.json"),
      sources: { environment: "env", clientId: "env", scope: "env", store: "env" },
    })
    expect(
      await s(
        ["--env", "qa", "--client-id", "flag-id", "--scope", "FLAG", "--store", join(home.dir, "flag.json")],
        env,
      ),
    ).toMatchObject({
      environment: "qa",
      clientId: "flag-id",
      scope: "FLAG",
      store: join(home.dir, "flag.json"),
    })
    const other = join(home.dir, "other.json")
    writeFileSync(other, JSON.stringify({ clientId: "other-id" }))
    chmodSync(other, 0o644)
    // Since issue 18: a settings file others can read is refused and left as it is (never chmod-ed).
    const refused = await run(home, ["status", "--json", "--config", other])
    expect(refused.code).not.toBe(0)
    expect(refused.stdout + refused.stderr).toMatch(/has mode 644/)
    expect(refused.stdout + refused.stderr).toMatch(/chmod 600/)
    expect(modeOf(other)).toBe(0o644)
    chmodSync(other, 0o600)
    const r = await run(home, ["status", "--json", "--config", other])
    expect(json(r)).toMatchObject({
      clientId: "other-id",
      environment: "production",
      sources: { environment: "default" },
    })
    expect(modeOf(other)).toBe(0o600)
  })
})

describe("only its own files (issue 18)", () => {
  it("refuses a --config or --store that is a symlink, a folder, a FIFO or empty, and changes nothing", async () => {
    const home = makeHome()
    const target = join(home.dir, "system-file")
    writeFileSync(target, "{}")
    chmodSync(target, 0o644)
    const link = join(home.dir, "link.json")
    symlinkSync(target, link)
    const folder = join(home.dir, "folder.json")
    mkdirSync(folder)
    chmodSync(folder, 0o755)
    const fifo = join(home.dir, "fifo.json")
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0)
    for (const [flag, path, found] of [
      ["--config", link, "a symbolic link"],
      ["--config", folder, "a folder"],
      ["--config", fifo, "a FIFO"],
      ["--store", link, "a symbolic link"],
      ["--store", folder, "a folder"],
      ["--store", fifo, "a FIFO"],
    ] as const) {
      const r = await run(home, ["status", flag, path])
      expect(r.code, `${flag} ${path}`).not.toBe(0)
      expect(r.stderr).toContain(path)
      expect(r.stderr).toContain(found)
    }
    // An empty --store is no store setting (the default file), never the working directory.
    const cwdMode = modeOf(process.cwd())
    const empty = await run(home, ["status", "--json", "--store", ""])
    expect(empty.code).toBe(0)
    expect(json(empty)).toMatchObject({ store: home.storePath })
    expect(modeOf(process.cwd())).toBe(cwdMode)
    expect(modeOf(target)).toBe(0o644)
    expect(readFileSync(target, "utf8")).toBe("{}")
    expect(modeOf(folder)).toBe(0o755)
  })
})

describe("credentials in URLs (issue 18)", () => {
  it("status, --json and error messages never show a token URL's userinfo or a Redis password", async () => {
    const home = makeHome()
    const tokenUrl = new URL(sim.tokenUrl)
    tokenUrl.username = "url-user-7f3a"
    tokenUrl.password = "url-pass-9c2e1b"
    const url = tokenUrl.href
    const redis = "redis://:redis-pass-4d8e0a@127.0.0.1:1"
    const hidden = ["url-pass-9c2e1b", "url-user-7f3a", "redis-pass-4d8e0a"]
    const outputs = [
      await run(home, ["status", "--token-url", url, "--client-id", "id-1"]),
      await run(home, ["status", "--json", "--token-url", url, "--client-id", "id-1"]),
      await run(home, ["status", "--store", redis, "--client-id", "id-1"]),
      await run(home, ["status", "--json", "--store", redis, "--client-id", "id-1"]),
      await run(home, ["token", "--token-url", url, "--client-id", "id-1"], {
        env: { TANGOE_CLIENT_SECRET: "s", TANGOE_REFRESH_TOKEN: "r" },
      }),
      await run(home, ["token", "--json", "--store", redis, "--client-id", "id-1"], {
        env: { TANGOE_CLIENT_SECRET: "s", TANGOE_REFRESH_TOKEN: "r" },
      }),
      await run(home, ["status", "--timeout", "nope", "--token-url", url]),
    ]
    const shown = json(outputs[1] as Awaited<ReturnType<typeof run>>) as { environment: string }
    expect(shown.environment).toContain("***@")
    for (const r of outputs) {
      for (const secret of hidden) {
        expect(r.stdout).not.toContain(secret)
        expect(r.stderr).not.toContain(secret)
      }
    }
  })
})

describe("request", () => {
  it("sends the token, prints the body on stdout and the status on stderr", async () => {
    const { home } = await provisioned()
    const r = await run(home, ["request", sim.apiUrl])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/^HTTP 200/)
    expect(JSON.parse(r.stdout)).toBeTypeOf("object")
    const j = json(await run(home, ["request", "--json", "-H", "X-Trace: 1", sim.apiUrl]))
    expect(Object.keys(j).sort()).toEqual(["body", "headers", "ok", "status", "statusText"])
    expect(j).toMatchObject({ status: 200, ok: true })
    remember(home)
  })

  it("refreshes and replays once on 401", async () => {
    const { home } = await provisioned()
    await run(home, ["token"])
    sim.expireAccessTokens()
    const before = sim.stats()
    const r = await run(home, ["request", sim.apiUrl])
    expect(r.code).toBe(0)
    const after = sim.stats()
    expect(after.tokenRequests).toBe(before.tokenRequests + 1)
    expect(after.apiUnauthorized).toBe(before.apiUnauthorized + 1)
    expect(sim.isLive(readStore(home.storePath).refreshToken)).toBe(true)
    remember(home)
  })

  it("exits 6 on an HTTP error status, 4 when the API is unreachable, 2 for a plain-http remote URL", async () => {
    const { home } = await provisioned()
    const missing = await run(home, [
      "request",
      "-X",
      "POST",
      "-d",
      '{"a":1}',
      `${sim.url}/api/v1/nothing-here`,
    ])
    expect(missing.code).toBe(6)
    const port = await closedPort()
    const down = await run(home, ["request", "--json", `http://127.0.0.1:${port}/x`])
    expect(down.code).toBe(4)
    expect(json(down)).toMatchObject({ error: { type: "ApiUnavailable", exitCode: 4 } })
    const insecure = await run(home, ["request", "http://example.com/x"])
    expect(insecure.code).toBe(2)
    remember(home)
  })
})

describe("request to a Tangoe API, and whoami", () => {
  it("sends client_id, X-TNGO-TENANT (--tenant) and a correlation id; a -H header wins; no tenant gives the 400 body", async () => {
    const { home, client } = await provisioned()
    sim.resetStats()
    const ok = await run(home, ["request", "--tenant", "ACME", `${sim.apiBaseUrl}/orders`])
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)._meta.totalCount).toBe(24)
    const [sent] = sim.apiRequests()
    expect(sent?.headers.client_id).toBe(client.clientId)
    expect(sent?.headers["x-tngo-tenant"]).toBe("ACME")
    expect(sent?.headers["x-tngo-context-correlationid"]).toMatch(/^[0-9a-f-]{36}$/)
    const own = await run(
      home,
      [
        "request",
        "-H",
        "X-TNGO-TENANT: ACME",
        "-H",
        "X-TNGO-CONTEXT-CORRELATIONID: mine-1",
        `${sim.apiBaseUrl}/orders`,
      ],
      { env: { TANGOE_TENANT: "OTHER" } },
    )
    expect(own.code).toBe(0)
    expect(sim.apiRequests().at(-1)?.headers["x-tngo-tenant"]).toBe("ACME")
    expect(sim.apiRequests().at(-1)?.headers["x-tngo-context-correlationid"]).toBe("mine-1")
    const missing = await run(home, ["request", `${sim.apiBaseUrl}/orders`])
    expect(missing.code).toBe(6)
    expect(JSON.parse(missing.stdout)).toMatchObject({
      status: 400,
      errorCode: "400-missing-required-header",
    })
    remember(home)
  })

  it("a 403 for an expired token: one refresh, replay, 200", async () => {
    const { home } = await provisioned()
    await run(home, ["token"])
    sim.expireAccessTokens()
    const before = sim.stats()
    const r = await run(home, ["request", "--tenant", "ACME", `${sim.apiBaseUrl}/orders`])
    expect(r.code).toBe(0)
    const after = sim.stats()
    expect(after.tokenRequests).toBe(before.tokenRequests + 1)
    expect(after.apiForbidden).toBe(before.apiForbidden + 1)
    remember(home)
  })

  it("whoami shows tenant, platform, identifier, scope and time left, never the token", async () => {
    const { home, client } = await provisioned()
    const r = await run(home, ["whoami"])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^tenant\s+ACME$/m)
    expect(r.stdout).toMatch(/^platform\s+command$/m)
    expect(r.stdout).toMatch(/^identifier\s+api\.account\.sim$/m)
    expect(r.stdout).toMatch(/^scope\s+MOBPROC$/m)
    expect(r.stdout).toMatch(/^time left\s+1h 59m|^time left\s+2h 0m/m)
    const j = json(await run(home, ["whoami", "--json"]))
    expect(j).toMatchObject({
      tenant: "ACME",
      platform: "command",
      scope: "MOBPROC",
      clientId: client.clientId,
    })
    expect(j.expiresInSeconds).toBeGreaterThan(7000)
    remember(home)
  })

  it("whoami for a client not permitted to validate: exit 3 and the advice", async () => {
    const home = makeHome()
    const restricted = sim.addClient({ scopes: ["MOBPROC"], grantTypes: ["refresh_token"] })
    clients.push({ sim, client: restricted })
    secrets.add(restricted.clientSecret)
    secrets.add(restricted.refreshToken)
    const init = await run(home, ["init", "--stdin", ...settingsFlags(restricted)], {
      stdin: stdinSecrets(restricted),
    })
    expect(init.code).toBe(0)
    const r = await run(home, ["whoami", "--json"])
    expect(r.code).toBe(3)
    expect(json(r)).toMatchObject({ error: { type: "ValidationNotPermitted", exitCode: 3 } })
    expect((json(r).error as { message: string }).message).toContain(
      "ask Tangoe to permit this client id to validate tokens",
    )
    remember(home)
  })
})

describe("usage", () => {
  it("has --help on every command", async () => {
    const home = makeHome()
    for (const command of [
      [],
      ["token"],
      ["header"],
      ["refresh"],
      ["status"],
      ["request"],
      ["whoami"],
      ["init"],
    ]) {
      const r = await run(home, [...command, "--help"])
      expect(r.code, command.join(" ")).toBe(0)
      expect(r.stdout).toMatch(/USAGE/)
    }
  })

  it("exits 2 on a wrong invocation, with a JSON error under --json", async () => {
    const home = makeHome()
    const r = await run(home, ["token", "--no-such-flag"])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/no-such-flag/)
    const j = await run(home, ["status", "--json", "--env", "staging"])
    expect(j.code).toBe(2)
    expect(json(j)).toMatchObject({ error: { type: "UsageError", exitCode: 2 } })
    expect((await run(home, [])).code).toBe(2)
  })
})

/** `script` (util-linux) gives the command a pseudo-terminal. */
const hasScript = spawnSync("script", ["--version"]).status === 0

describe.skipIf(!hasScript)("on a terminal", () => {
  const script = (home: Home, command: string) =>
    promisify(execFile)("script", ["-qec", command, "/dev/null"], { env: { ...home.env }, cwd: home.dir })

  it("init asks for missing secrets at a hidden prompt", async () => {
    const home = makeHome()
    const client = newClient()
    const command = [process.execPath, CLI, "init", ...settingsFlags(client)].join(" ")
    const child = spawn("script", ["-qec", command, "/dev/null"], { env: home.env, cwd: home.dir })
    let out = ""
    const answered = new Set<string>()
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
      for (const [prompt, answer] of [
        ["client secret: ", client.clientSecret],
        ["refresh token: ", client.refreshToken],
      ] as const) {
        if (out.includes(prompt) && !answered.has(prompt)) {
          answered.add(prompt)
          child.stdin.write(`${answer}\r`)
        }
      }
    })
    const code = await new Promise((resolve) => child.on("close", resolve))
    runs.push({ args: ["init"], code: code as number, stdout: out, stderr: "", printsToken: false })
    expect(code).toBe(0)
    expect(out).toContain("initialized: settings saved in")
    expect(JSON.parse(readFileSync(home.configPath, "utf8")).clientSecret).toBe(client.clientSecret)
    expect(sim.isLive(readStore(home.storePath).refreshToken)).toBe(true)
    remember(home)
  })

  it("shows on a terminal when a refresh takes over a second, never on a pipe or with --json", async () => {
    const { home } = await provisioned()
    sim.injectFaults({ kind: "delay", ms: 1500, phase: "beforeProcessing" })
    const tty = await script(home, `${process.execPath} ${CLI} refresh`)
    expect(tty.stdout).toContain("refreshing the access token")
    sim.injectFaults({ kind: "delay", ms: 1500, phase: "beforeProcessing" })
    const ttyJson = await script(home, `${process.execPath} ${CLI} refresh --json`)
    expect(ttyJson.stdout).not.toContain("refreshing the access token")
    sim.injectFaults({ kind: "delay", ms: 1500, phase: "beforeProcessing" })
    const piped = await run(home, ["refresh"])
    expect(piped.code).toBe(0)
    expect(piped.stderr).toBe("")
    remember(home)
  })
})

describe("under failure (issue 18, problem 12)", () => {
  const onTerminal = (home: Home, command: string) =>
    promisify(execFile)("script", ["-qec", command, "/dev/null"], { env: { ...home.env }, cwd: home.dir })

  /** A home whose next `token` must refresh: a newly provisioned refresh token is given. */
  const needingRefresh = async () => {
    const { home, client } = await provisioned()
    const fresh = sim.issueRefreshToken(client.clientId)
    secrets.add(fresh)
    return { home, client, env: { TANGOE_REFRESH_TOKEN: fresh } }
  }

  const RETRY_LINE =
    /^tangoe-token: token request attempt (\d+) failed: (.+); next try at \d\d:\d\d:\d\d \(in \d+ s\), giving up at \d\d:\d\d:\d\d$/

  it("shows each retry on stderr (what failed, next try, give-up time) while stdout holds the token alone", async () => {
    const { home, env } = await needingRefresh()
    sim.injectFaults({ kind: "status", status: 503 }, { kind: "status", status: 429, retryAfter: 1 })
    const r = await run(home, ["token"], { env })
    expect(r.code).toBe(0)
    expect(sim.isAccessTokenValid(r.stdout.trim())).toBe(true)
    expect(r.stdout.trim().split("\n")).toHaveLength(1)
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines.map((line) => line.match(RETRY_LINE)?.slice(1))).toEqual([
      ["1", "the server answered HTTP 503 (unavailable)"],
      ["2", "the server answered HTTP 429 (rate limited)"],
    ])
    accessTokens.add(r.stdout.trim())
    remember(home)
  })

  it("prints one line per failure kind, not one per retry, and says when it stops trying", async () => {
    const { home } = await provisioned()
    // Two quick retries of the same failure, then a Retry-After beyond the 2-minute budget: core stops.
    sim.injectFaults(
      { kind: "status", status: 503 },
      { kind: "status", status: 503 },
      { kind: "status", status: 503, retryAfter: 600 },
    )
    const r = await run(home, ["refresh", "--json"])
    expect(r.code).toBe(4)
    expect(json(r)).toMatchObject({ error: { type: "ServerError", exitCode: 4 } })
    const lines = r.stderr.trimEnd().split("\n")
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(RETRY_LINE)
    expect(lines[1]).toMatch(/^tangoe-token: no more tries: 3 token request attempts in \d+ s$/)
    sim.clearFaults()
    remember(home)
  })

  it("shows the retry in the spinner line on a terminal, at once", async () => {
    const { home } = await provisioned()
    sim.injectFaults({ kind: "status", status: 503 })
    const tty = await onTerminal(home, `${process.execPath} ${CLI} refresh`)
    runs.push({ args: ["refresh"], code: 0, stdout: tty.stdout, stderr: tty.stderr, printsToken: false })
    expect(tty.stdout).toMatch(
      /refreshing the access token… token request attempt 1 failed: the server answered HTTP 503/,
    )
    expect(tty.stdout).toContain("refreshed: the access token is valid until")
    remember(home)
  })

  it("a reset after the server rotated exits 7 with init as the advice, and status says so", async () => {
    const { home } = await provisioned()
    const before = readStore(home.storePath)
    sim.injectFaults({ kind: "resetAfterRotation" })
    const r = await run(home, ["refresh"])
    expect(r.code).toBe(7)
    expect(r.stderr).toMatch(
      /^tangoe-token: cannot refresh .*the connection failed .*probably consumed.*tangoe-token init/m,
    )
    expect(r.stderr).not.toMatch(/retry later/)
    expect(sim.isLive(before.refreshToken)).toBe(false)
    const status = await run(home, ["status", "--json"])
    expect(json(status)).toMatchObject({
      state: "failed",
      lastFailure: { type: "Transport", exitCode: 7 },
    })
    const asJson = await run(home, ["refresh", "--json"])
    expect(json(asJson)).toMatchObject({ error: { type: "InvalidGrant", exitCode: 3 } })
  })

  it("after invalid_grant, status no longer says valid; a new init clears it", async () => {
    const { home, client } = await provisioned()
    sim.revoke({ clientId: client.clientId })
    const refused = await run(home, ["refresh"])
    expect(refused.code).toBe(3)
    expect(refused.stderr).toContain("run tangoe-token init with a new refresh token")
    const status = await run(home, ["status", "--json"])
    const report = json(status)
    expect(report).toMatchObject({ state: "failed", lastFailure: { type: "InvalidGrant", exitCode: 3 } })
    // The cached access token's validity is still told.
    expect(typeof report.validUntil).toBe("string")
    // Remembered beside the store: atomically written, mode 0600, no secret.
    const remembered = `${home.storePath}.last-failure.json`
    expect(modeOf(remembered)).toBe(0o600)
    const record = readFileSync(remembered, "utf8")
    expect(Object.keys(JSON.parse(record)).sort()).toEqual(["at", "exitCode", "message", "type", "version"])
    addLiveTokens({ secrets, clients })
    for (const secret of [...secrets, ...accessTokens]) expect(record.includes(secret)).toBe(false)
    const text = await run(home, ["status"])
    expect(text.stdout).toMatch(/^state {9}failed: InvalidGrant \(exit 3\)/m)
    expect(text.stdout).toMatch(/^last failure {2}\S+ InvalidGrant \(exit 3\): .*tangoe-token init/m)
    const fresh = sim.issueRefreshToken(client.clientId)
    secrets.add(fresh)
    const again = await run(home, ["init", "--stdin", ...settingsFlags(client)], {
      stdin: `TANGOE_CLIENT_SECRET=${client.clientSecret}\nTANGOE_REFRESH_TOKEN=${fresh}\n`,
    })
    expect(again.code).toBe(0)
    expect(json(await run(home, ["status", "--json"]))).toMatchObject({ state: "valid", lastFailure: null })
    remember(home)
  })

  it("a refresh that fails while the cached token is valid warns on stderr and is remembered", async () => {
    const { home, client } = await provisioned()
    // The stored access token is still valid for 2 minutes, inside core's refresh-ahead window.
    const file = JSON.parse(readFileSync(home.storePath, "utf8"))
    file.token.issuedAt = Date.now() - 7_000_000
    file.token.expiresAt = Date.now() + 120_000
    writeFileSync(home.storePath, JSON.stringify(file), { mode: 0o600 })
    sim.revoke({ clientId: client.clientId })
    const r = await run(home, ["token"])
    expect(r.code).toBe(0)
    expect(r.stdout.trim()).toBe(file.token.accessToken)
    expect(r.stderr).toMatch(
      /^tangoe-token: warning: the refresh failed, so the cached access token was used \(valid until \S+\) — .*run tangoe-token init/,
    )
    expect(json(await run(home, ["status", "--json"]))).toMatchObject({
      state: "failed",
      lastFailure: { type: "InvalidGrant", exitCode: 3 },
    })
    remember(home)
  })

  it("speaks the CLI's terms: flags, variables and tangoe-token init, never core's option names", async () => {
    const home = makeHome()
    const client = newClient()
    const env = {
      TANGOE_TOKEN_URL: sim.tokenUrl,
      TANGOE_CLIENT_ID: client.clientId,
      TANGOE_CLIENT_SECRET: client.clientSecret,
    }
    const empty = await run(home, ["token"], { env })
    expect(empty.code).toBe(3)
    expect(empty.stderr).toMatch(/^tangoe-token: no refresh token: .*run tangoe-token init/)
    const scope = await run(home, ["token", "--scope", "NOT-GRANTED"], {
      env: { ...env, TANGOE_REFRESH_TOKEN: client.refreshToken },
    })
    expect(scope.code).toBe(3)
    expect(scope.stderr).toContain("--scope")
    const other = await provisioned()
    chmodSync(other.home.storePath, 0o644)
    const readable = await run(other.home, ["token"])
    expect(readable.code).toBe(5)
    expect(readable.stderr).toContain("chmod 600")
    chmodSync(other.home.storePath, 0o600)
    remember(other.home)
    const sealed = makeHome()
    const sealedClient = newClient()
    const init = await run(sealed, ["init", "--stdin", ...settingsFlags(sealedClient)], {
      stdin: stdinSecrets(sealedClient),
      env: { TANGOE_STORE_KEY: "the right passphrase" },
    })
    expect(init.code).toBe(0)
    const keyed = await run(sealed, ["token"], { env: { TANGOE_STORE_KEY: "not the passphrase" } })
    expect(keyed.code).toBe(5)
    expect(keyed.stderr).toContain("set TANGOE_STORE_KEY to the original passphrase")
  })

  it("no output of any run holds core's option names or library advice", () => {
    const outputs = runs.map((r) => ({ args: r.args.join(" "), text: r.stdout + r.stderr }))
    expect(outputs.filter((o) => /tangoe-token: /.test(o.text)).length).toBeGreaterThanOrEqual(10)
    for (const { args, text } of outputs) {
      for (const term of CORE_TERMS) expect(text, `\`${args}\` printed ${term}`).not.toMatch(term)
    }
  })
})

describe("secrets", () => {
  it("no client secret or refresh token appears in any output; access tokens only from token/header", () => {
    addLiveTokens({ secrets, clients })
    // The scan covers the retry progress lines, on a pipe and on a terminal.
    expect(runs.some((r) => /token request attempt \d+ failed/.test(r.stderr))).toBe(true)
    expect(runs.some((r) => /token request attempt \d+ failed/.test(r.stdout))).toBe(true)
    for (const r of runs) {
      if (!r.printsToken || r.code !== 0 || r.args.includes("--help")) continue
      const out = r.args.includes("--json") ? JSON.parse(r.stdout) : { value: r.stdout.trim() }
      accessTokens.add(out.accessToken ?? out.value.replace(/^(Authorization: )?Bearer /, ""))
    }
    expect(runs.length).toBeGreaterThan(40)
    expect(secrets.size).toBeGreaterThan(20)
    expect(accessTokens.size).toBeGreaterThan(5)
    for (const r of runs) {
      const text = r.stdout + r.stderr
      const forbidden = r.printsToken ? secrets : new Set([...secrets, ...accessTokens])
      for (const secret of forbidden) {
        expect(text.includes(secret), `\`${r.args.join(" ")}\` printed a secret`).toBe(false)
      }
    }
  })
})

const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
