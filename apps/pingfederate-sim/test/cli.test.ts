/**
 * The `pingfederate-sim` bin as a user runs it: `node dist/cli.mjs` in a child process. The package's
 * `test` script does not build (turbo's `test` depends on `^build` only), so this file builds dist
 * first when dist/cli.mjs is missing or older than a source file.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it, onTestFinished } from "vitest"
import { basicAuth, json, send } from "./helpers.ts"

const packageDir = fileURLToPath(new URL("..", import.meta.url))
const cliPath = join(packageDir, "dist", "cli.mjs")

const newestSource = (dir: string): number =>
  Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? newestSource(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
    ),
  )

beforeAll(() => {
  let builtAt = 0
  try {
    builtAt = statSync(cliPath).mtimeMs
  } catch {}
  if (builtAt >= newestSource(join(packageDir, "src"))) return
  const build = spawnSync(join(packageDir, "node_modules", ".bin", "tsdown"), [], {
    cwd: packageDir,
    encoding: "utf8",
  })
  if (build.status !== 0) throw new Error(`tsdown failed:\n${build.stdout}\n${build.stderr}`)
}, 120_000)

interface Running {
  readonly child: ChildProcessWithoutNullStreams
  readonly first: Record<string, unknown>
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exit: Promise<number | null>
}

/** Starts the CLI and resolves with its first stdout line parsed. */
const run = (args: ReadonlyArray<string>): Promise<Running> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: packageDir })
    onTestFinished(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
    let out = ""
    let err = ""
    const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)))
    const timer = setTimeout(() => reject(new Error(`no JSON line within 10 s; stderr: ${err}`)), 10_000)
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.stdout.on("data", (chunk: Buffer) => {
      const hadLine = out.includes("\n")
      out += chunk.toString()
      if (!hadLine && out.includes("\n")) {
        clearTimeout(timer)
        resolve({
          child,
          first: JSON.parse(out.slice(0, out.indexOf("\n"))),
          stdout: () => out,
          stderr: () => err,
          exit,
        })
      }
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      if (!out.includes("\n")) reject(new Error(`exited ${code} before printing; stderr: ${err}`))
    })
  })

/** Runs the CLI to completion (for --help and bad flags). */
const runToEnd = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8", timeout: 10_000 })

describe("the pingfederate-sim CLI", () => {
  it("has a shebang and is executable", () => {
    expect(statSync(cliPath).mode & 0o111).not.toBe(0)
    expect(spawnSync(cliPath, ["--help"], { encoding: "utf8" }).stdout).toContain("Usage: pingfederate-sim")
  })

  it("prints usage for --help and exits 0", () => {
    const result = runToEnd(["--help"])
    expect(result.status).toBe(0)
    expect(result.stdout).toContain("--grace-period")
    expect(result.stdout).toContain("--fault")
  })

  it("exits 2 with a message naming the flag for a bad value", () => {
    for (const [args, pattern] of [
      [["--grace-period", "soon"], /--grace-period: expected a number of seconds/],
      [["--host", "10.1.2.3"], /host: expected a loopback address/],
      [["--fault", "teapot"], /--fault: expected a fault spec/],
      [["--bogus"], /--bogus/],
    ] as const) {
      const result = runToEnd(args)
      expect(result.status).toBe(2)
      expect(result.stderr).toMatch(pattern)
      expect(result.stdout).toBe("")
    }
  })

  it("serves the tutorial's request, logs masked lines to stderr, and exits 0 on SIGTERM", async () => {
    const cli = await run([
      "--port",
      "0",
      "--environment",
      "qa",
      "--client",
      "376af941:81f40d27:MOBPROC",
      "--client",
      "partner:p@ss word:MOBPROC,X",
      "--grace-period",
      "1",
    ])
    const first = cli.first
    expect(Object.keys(first)).toEqual([
      "tokenUrl",
      "apiUrl",
      "adminUrl",
      "environment",
      "clients",
      "apiBaseUrl",
      "serviceAccounts",
    ])
    expect(first.tokenUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/as\/token\.oauth2$/)
    expect(first.tokenUrl).not.toMatch(/:0\//)
    const clients = first.clients as Array<Record<string, string>>
    expect(clients.map((c) => Object.keys(c))).toEqual([
      ["environment", "clientId", "clientSecret", "scope", "refreshToken", "tenant"],
      ["environment", "clientId", "clientSecret", "scope", "refreshToken", "tenant"],
    ])
    const [a, b] = clients as [Record<string, string>, Record<string, string>]
    expect(a).toMatchObject({
      environment: "qa",
      clientId: "376af941",
      clientSecret: "81f40d27",
      scope: "MOBPROC",
    })

    const url = `${first.tokenUrl}?grant_type=refresh_token&client_id=${a.clientId}&client_secret=${a.clientSecret}&scope=MOBPROC&refresh_token=${a.refreshToken}`
    const res = await fetch(url, { method: "POST" })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(["token_type", "expires_in", "refresh_token", "access_token"])
    const viaBasic = await send(String(first.tokenUrl), {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: basicAuth(String(b.clientId), String(b.clientSecret)),
      },
      body: `grant_type=refresh_token&refresh_token=${b.refreshToken}`,
    })
    expect(viaBasic.status).toBe(200)
    const api = await send(String(first.apiUrl), {
      headers: { Authorization: `Bearer ${body.access_token}` },
    })
    expect(api.status).toBe(200)
    const state = json(await send(`${first.adminUrl}/state`))
    expect(state).toMatchObject({ config: { gracePeriod: 1 }, stats: { tokenRequests: 2, refreshes: 2 } })

    cli.child.kill("SIGTERM")
    expect(await cli.exit).toBe(0)
    const stderr = cli.stderr()
    expect(
      stderr
        .trim()
        .split("\n")
        .filter((l) => l.includes("/as/token.oauth2")),
    ).toHaveLength(2)
    expect(stderr).toContain("/api/v1/ping 200")
    const secrets = [
      a.clientSecret,
      a.refreshToken,
      b.clientSecret,
      b.refreshToken,
      body.refresh_token,
      body.access_token,
      json(viaBasic).refresh_token,
      json(viaBasic).access_token,
    ]
    for (const secret of secrets) expect(stderr).not.toContain(String(secret))
    // stdout holds exactly the one JSON line.
    expect(cli.stdout().trim().split("\n")).toHaveLength(1)
  })

  it("queues --fault flags for the first token requests and exits 0 on SIGINT", async () => {
    const cli = await run([
      "--port",
      "0",
      "--quiet",
      "--fault",
      "503:retry-after=5",
      "--fault",
      "reset-after-rotation",
    ])
    const [client] = cli.first.clients as Array<Record<string, string>>
    if (client === undefined) throw new Error("no client")
    const url = `${cli.first.tokenUrl}?grant_type=refresh_token&client_id=${client.clientId}&client_secret=${client.clientSecret}&scope=MOBPROC&refresh_token=${client.refreshToken}`
    const res = await send(url, { method: "POST" })
    expect(res.status).toBe(503)
    expect(res.headers["retry-after"]).toBe("5")
    await expect(send(url, { method: "POST" })).rejects.toMatchObject({ code: "ECONNRESET" })
    const live = json(
      await send(`${cli.first.adminUrl}/is-live`, {
        method: "POST",
        body: JSON.stringify({ refreshToken: client.refreshToken }),
      }),
    )
    expect(live).toEqual({ live: false })
    cli.child.kill("SIGINT")
    expect(await cli.exit).toBe(0)
    expect(cli.stderr()).not.toContain("/as/token.oauth2")
  })

  it("documents the service-account, chain and Tangoe-API flags in --help", () => {
    const result = runToEnd(["--help"])
    for (const flag of [
      "--service-account",
      "--lockout-threshold",
      "--refresh-token-idle-timeout",
      "--tenant",
      "--api-rejection-status",
      "--api-collection-size",
      "/__admin/service-accounts",
      "/__admin/revoke",
      "/__admin/age-refresh-tokens",
      "/__admin/api-requests",
      "validate_bearer",
      "/mobileprocurement/v1/orders",
    ]) {
      expect(result.stdout).toContain(flag)
    }
  })

  it("exits 2 for a bad service account or Tangoe-API flag, never printing the password", () => {
    for (const [args, pattern] of [
      [["--service-account", "command://svc"], /--service-account: expected user:password/],
      [
        ["--service-account", "ldap://svc:hidden-pw"],
        /serviceAccounts\[0\]\.username: expected command:\/\/name/,
      ],
      [
        ["--service-account", "a:hidden-pw", "--service-account", "a:hidden-pw2"],
        /serviceAccounts\[1\]\.username/,
      ],
      [["--lockout-threshold", "two"], /--lockout-threshold: expected an integer/],
      [["--refresh-token-idle-timeout=-1"], /--refresh-token-idle-timeout: expected a number/],
      [["--api-rejection-status", "402"], /--api-rejection-status: expected 401 or 403/],
      [["--api-collection-size", "1e3"], /--api-collection-size: expected an integer/],
    ] as const) {
      const result = runToEnd(args)
      expect(result.status).toBe(2)
      expect(result.stderr).toMatch(pattern)
      expect(result.stderr).not.toContain("hidden")
      expect(result.stdout).toBe("")
    }
  })

  it("seeds --service-account flags, prints them in the JSON line, and serves the password grant and the Tangoe API", async () => {
    const cli = await run([
      "--port",
      "0",
      "--service-account",
      "command://svc.acme:pa:ss word",
      "--service-account",
      "svc.bare:",
      "--tenant",
      "XYZ",
      "--lockout-threshold",
      "3",
      "--refresh-token-idle-timeout",
      "600",
      "--api-rejection-status",
      "401",
      "--api-collection-size",
      "4",
    ])
    const first = cli.first
    const accounts = first.serviceAccounts as Array<Record<string, string>>
    expect(accounts[0]).toEqual({ username: "command://svc.acme", password: "pa:ss word" })
    expect(accounts[1]?.username).toBe("svc.bare")
    expect(accounts[1]?.password).toMatch(/^[A-Za-z0-9]{24}$/)
    const [client] = first.clients as Array<Record<string, string>>
    if (client === undefined) throw new Error("no client")
    expect(client.tenant).toBe("XYZ")
    const grant = await send(
      `${first.tokenUrl}?${new URLSearchParams({
        grant_type: "password",
        client_id: client.clientId ?? "",
        client_secret: client.clientSecret ?? "",
        scope: "MOBPROC",
        username: "command://svc.acme",
        password: "pa:ss word",
      })}`,
      { method: "POST" },
    )
    expect(grant.status).toBe(200)
    const accessToken = String(json(grant).access_token)
    const api = await send(`${first.apiBaseUrl}/orders?limit=3`, {
      headers: {
        Authorization: `Bearer ${accessToken}`,
        "X-TNGO-TENANT": "XYZ",
        client_id: client.clientId ?? "",
      },
    })
    expect(api.status).toBe(200)
    expect(json(api)._meta).toMatchObject({ totalCount: 4, limit: 3 })
    const rejected = await send(`${first.apiBaseUrl}/orders`, {
      headers: { Authorization: "Bearer nope", "X-TNGO-TENANT": "XYZ", client_id: client.clientId ?? "" },
    })
    expect(rejected.status).toBe(401)
    const state = json(await send(`${first.adminUrl}/state`))
    expect(state).toMatchObject({
      config: {
        lockoutThreshold: 3,
        refreshTokenIdleTimeout: 600,
        apiRejectionStatus: 401,
        apiCollectionSize: 4,
      },
      stats: { passwordGrants: 1 },
    })
    cli.child.kill("SIGTERM")
    expect(await cli.exit).toBe(0)
    const stderr = cli.stderr()
    expect(stderr).toContain("granted=password")
    for (const secret of [
      "pa:ss word",
      accounts[1]?.password,
      accessToken,
      String(json(grant).refresh_token),
    ]) {
      expect(stderr).not.toContain(String(secret))
    }
  })
})
