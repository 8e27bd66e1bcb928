/**
 * End to end: `tangoe-token init` with a Tangoe service account instead of a refresh token, against
 * the simulator. The password comes from a hidden prompt, `TANGOE_PASSWORD` or standard input, never
 * from argv (`--password` is refused with a warning); only the refresh token is kept unless
 * `--self-heal` keeps the account (in the 0600 settings file), and then a dead chain heals on the next
 * command and `status` says when. The last test scans every output for the account's secrets.
 */
import { spawn, spawnSync } from "node:child_process"
import { readFileSync, statSync } from "node:fs"
import type { SeededClient, SeededServiceAccount, Simulator } from "@tangoe-token/pingfederate-sim"
import { describe, expect, it } from "vitest"
import {
  addClient,
  addLiveTokens,
  CLI,
  json,
  type Ledger,
  makeHome,
  readStore,
  run,
  runs,
  useSimulator,
} from "./support/cli.ts"

let sim: Simulator
const secrets = new Set<string>()
const clients: Ledger["clients"] = []

useSimulator((started) => {
  sim = started
})

let accounts = 0
/** A client and a service account (its password URL-unsafe and non-ASCII), remembered for the scan. */
const setup = () => {
  const client = addClient({ secrets, clients }, sim)
  const account = sim.addServiceAccount({
    username: `command://svc.cli${++accounts}`,
    password: `cl€ pw&=+${accounts}"`,
  })
  secrets.add(account.password)
  secrets.add(account.username)
  return { client, account, home: makeHome() }
}

const flags = (client: SeededClient, account: SeededServiceAccount) => [
  "--token-url",
  sim.tokenUrl,
  "--client-id",
  client.clientId,
  "--scope",
  "MOBPROC",
  "--username",
  account.username,
]

const statsOf = (account: SeededServiceAccount) =>
  sim.serviceAccountStats().find((a) => a.username === account.username) ?? {
    passwordGrants: 0,
    failedPasswords: 0,
  }

const modeOf = (path: string) => statSync(path).mode & 0o777

describe("init with a service account", () => {
  it("takes the first grant and keeps only the refresh token (TANGOE_PASSWORD)", async () => {
    const { client, account, home } = setup()
    const r = await run(home, ["init", ...flags(client, account)], {
      env: { TANGOE_CLIENT_SECRET: client.clientSecret, TANGOE_PASSWORD: account.password },
    })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("service account: first grant taken; only the refresh token is kept")
    expect(statsOf(account).passwordGrants).toBe(1)
    const config = JSON.parse(readFileSync(home.configPath, "utf8"))
    expect(config).not.toHaveProperty("password")
    expect(config).not.toHaveProperty("username")
    expect(sim.isLive(readStore(home.storePath).refreshToken)).toBe(true)
    const status = json(await run(home, ["status", "--json"]))
    expect(status).toMatchObject({ serviceAccount: false, selfHeal: false, lastHealAt: null })
    // Later commands refresh the stored chain: no grant (the client secret stays in the environment).
    expect((await run(home, ["refresh"], { env: { TANGOE_CLIENT_SECRET: client.clientSecret } })).code).toBe(
      0,
    )
    expect(statsOf(account).passwordGrants).toBe(1)
    secrets.add(readStore(home.storePath).refreshToken)
  })

  it("--self-heal keeps the account in the 0600 settings file; a dead chain heals on the next command; status says when", async () => {
    const { client, account, home } = setup()
    const r = await run(
      home,
      ["init", "--json", "--self-heal", "--password-stdin", ...flags(client, account)],
      {
        env: { TANGOE_CLIENT_SECRET: client.clientSecret },
        stdin: `${account.password}\n`,
      },
    )
    expect(r.code).toBe(0)
    expect(json(r)).toMatchObject({ initialized: true, serviceAccount: true, selfHeal: true })
    const config = JSON.parse(readFileSync(home.configPath, "utf8"))
    expect(config).toMatchObject({ username: account.username, password: account.password, selfHeal: true })
    expect(modeOf(home.configPath)).toBe(0o600)
    expect(json(await run(home, ["status", "--json"]))).toMatchObject({ selfHeal: true, lastHealAt: null })

    // The chain dies (its family revoked): the next `token` heals it with ONE grant.
    const dead = readStore(home.storePath).refreshToken
    expect(sim.revoke({ refreshToken: dead })).toBeGreaterThanOrEqual(1)
    expect((await run(home, ["refresh"], { env: { TANGOE_CLIENT_SECRET: client.clientSecret } })).code).toBe(
      0,
    )
    expect(statsOf(account).passwordGrants).toBe(2)
    expect(sim.isLive(readStore(home.storePath).refreshToken)).toBe(true)
    const status = json(await run(home, ["status", "--json"]))
    expect(status.selfHeal).toBe(true)
    expect(typeof status.lastHealAt).toBe("string")
    const text = await run(home, ["status"])
    expect(text.stdout).toMatch(
      /self-heal\s+on \(service account from config, password from config\); last healed \d{4}-/,
    )
    secrets.add(readStore(home.storePath).refreshToken)
  })

  it("with TANGOE_STORE_KEY the kept password is sealed in the settings file, and opens only with that key", async () => {
    const { client, account, home } = setup()
    const key = { TANGOE_STORE_KEY: "store and settings passphrase" }
    const env = { TANGOE_CLIENT_SECRET: client.clientSecret, ...key }
    const r = await run(home, ["init", "--self-heal", ...flags(client, account)], {
      env: { ...env, TANGOE_PASSWORD: account.password },
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("encrypted with TANGOE_STORE_KEY")
    const raw = readFileSync(home.configPath, "utf8")
    expect(raw).not.toContain(account.password)
    expect(JSON.parse(raw).password).toMatch(/^s1\./)
    expect(modeOf(home.configPath)).toBe(0o600)
    expect((await run(home, ["status"], { env: key })).stdout).toMatch(/password from config, encrypted/)
    // The chain dies; the next command opens the password with the key and heals with ONE grant.
    expect(sim.revoke({ username: account.username })).toBeGreaterThanOrEqual(1)
    expect((await run(home, ["refresh"], { env })).code).toBe(0)
    expect(statsOf(account).passwordGrants).toBe(2)
    // Without the key, or with another one: a usage error that says which setting to give.
    const without = await run(home, ["refresh"], { env: { TANGOE_CLIENT_SECRET: client.clientSecret } })
    expect(without.code).toBe(2)
    expect(without.stderr).toContain("TANGOE_STORE_KEY")
    const wrongKey = await run(home, ["refresh"], {
      env: { TANGOE_CLIENT_SECRET: client.clientSecret, TANGOE_STORE_KEY: "another passphrase" },
    })
    expect(wrongKey.code).toBe(2)
    expect(wrongKey.stderr).toContain("does not open")
    expect(statsOf(account).failedPasswords).toBe(0)
  })

  it("never takes the password from argv: --password warns and is not used", async () => {
    const { client, account, home } = setup()
    const alone = await run(home, ["init", "--password", "argv-password-value", ...flags(client, account)], {
      env: { TANGOE_CLIENT_SECRET: client.clientSecret },
    })
    expect(alone.code).toBe(2)
    expect(alone.stderr).toContain("--password on the command line")
    expect(alone.stderr).toContain("NOT used")
    expect(alone.stderr).not.toContain("argv-password-value")
    expect(statsOf(account).failedPasswords).toBe(0)
    // With the password from the environment, the argv value is ignored (it is wrong: init still works).
    const withEnv = await run(
      home,
      ["init", "--password", "argv-password-value", ...flags(client, account)],
      {
        env: { TANGOE_CLIENT_SECRET: client.clientSecret, TANGOE_PASSWORD: account.password },
      },
    )
    expect(withEnv.code).toBe(0)
    expect(withEnv.stderr).toContain("NOT used")
    expect(statsOf(account).failedPasswords).toBe(0)
    secrets.add(readStore(home.storePath).refreshToken)
  })

  it("a wrong password: exit 3 naming the field, ONE attempt, the previous settings and token left as they were", async () => {
    const { client, account, home } = setup()
    const env = { TANGOE_CLIENT_SECRET: client.clientSecret }
    expect(
      (
        await run(home, ["init", "--self-heal", ...flags(client, account)], {
          env: { ...env, TANGOE_PASSWORD: account.password },
        })
      ).code,
    ).toBe(0)
    const configBefore = readFileSync(home.configPath, "utf8")
    const storeBefore = readFileSync(home.storePath, "utf8")
    const wrong = await run(home, ["init", "--json", ...flags(client, account)], {
      env: { ...env, TANGOE_PASSWORD: "a wrong password" },
    })
    expect(wrong.code).toBe(3)
    expect(json(wrong)).toMatchObject({ error: { type: "ServiceAccountRejected", exitCode: 3 } })
    expect(wrong.stdout).toContain("serviceAccount.password")
    expect(statsOf(account).failedPasswords).toBe(1)
    expect(readFileSync(home.configPath, "utf8")).toBe(configBefore)
    expect(readFileSync(home.storePath, "utf8")).toBe(storeBefore)
    secrets.add(readStore(home.storePath).refreshToken)
  })

  it("refuses a refresh token and a service account together, and --self-heal without an account", async () => {
    const { client, account, home } = setup()
    const both = await run(home, ["init", ...flags(client, account)], {
      env: {
        TANGOE_CLIENT_SECRET: client.clientSecret,
        TANGOE_PASSWORD: account.password,
        TANGOE_REFRESH_TOKEN: client.refreshToken,
      },
    })
    expect(both.code).toBe(2)
    const noAccount = await run(
      home,
      ["init", "--self-heal", "--stdin", "--token-url", sim.tokenUrl, "--client-id", client.clientId],
      {
        stdin: `TANGOE_CLIENT_SECRET=${client.clientSecret}\nTANGOE_REFRESH_TOKEN=${client.refreshToken}\n`,
      },
    )
    expect(noAccount.code).toBe(2)
    expect(sim.stats().passwordGrants).toBeGreaterThan(0)
  })
})

const hasScript = spawnSync("script", ["--version"]).status === 0

describe.skipIf(!hasScript)("on a terminal", () => {
  it("init asks for the service account's password at a hidden prompt (no echo)", async () => {
    const { client, account, home } = setup()
    const command = [process.execPath, CLI, "init", ...flags(client, account)].join(" ")
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { ...home.env, TANGOE_CLIENT_SECRET: client.clientSecret },
      cwd: home.dir,
    })
    let out = ""
    let answered = false
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
      if (out.includes("service account password: ") && !answered) {
        answered = true
        child.stdin.write(`${account.password}\r`)
      }
    })
    const code = await new Promise((resolve) => child.on("close", resolve))
    runs.push({ args: ["init"], code: code as number, stdout: out, stderr: "", printsToken: false })
    expect(code).toBe(0)
    expect(out).toContain("service account: first grant taken")
    // Not echoed.
    expect(out).not.toContain(account.password)
    expect(statsOf(account).passwordGrants).toBe(1)
    secrets.add(readStore(home.storePath).refreshToken)
  })
})

describe("secrets", () => {
  it("no service account password, username, client secret or refresh token appears in any output", () => {
    addLiveTokens({ secrets, clients })
    expect(runs.length).toBeGreaterThan(10)
    for (const r of runs) {
      const text = r.stdout + r.stderr
      for (const secret of secrets) {
        for (const form of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) {
          expect(text.includes(form), `\`${r.args.join(" ")}\` printed a secret`).toBe(false)
        }
      }
    }
  })
})
