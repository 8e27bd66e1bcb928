/**
 * End to end with the token store in Redis: the built `tangoe-token` in child processes against the
 * PingFederate simulator and a real redis-server (with a password). `--store redis://…`,
 * `TANGOE_STORE`, the settings file and `TANGOE_REDIS_PASSWORD` select and open it; two "hosts"
 * (separate HOMEs: no shared file lock) calling at expiry cause one refresh; the password, client
 * secrets and refresh tokens never appear in any output.
 */
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync, statSync } from "node:fs"
import { type SeededClient, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { redisStore } from "@tangoe-token/store-redis"
import { type RedisServer, startRedis } from "@tangoe-token/test-support/redisServer"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  addClient,
  addLiveTokens,
  type Home,
  json,
  type Ledger,
  makeHome,
  run,
  runs,
  useSimulator,
} from "./support/cli.ts"

const PASSWORD = `redis-pw-${randomBytes(8).toString("hex")}`

let sim: Simulator
let redis: RedisServer
/** `redis://:<password>@127.0.0.1:<port>/0`. */
let secretUrl: string
/** What status and messages show: the URL without the password. */
let shownUrl: string
const secrets = new Set<string>([PASSWORD])
const clients: Ledger["clients"] = []

useSimulator((started) => {
  sim = started
})
beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD })
  secretUrl = `redis://:${PASSWORD}@127.0.0.1:${redis.port}/0`
  shownUrl = `redis://127.0.0.1:${redis.port}/0`
})

afterAll(async () => {
  await redis?.stop()
})

const newClient = (on: Simulator = sim): SeededClient => addClient({ secrets, clients }, on)

/** The record in Redis for a client of `on`, read the way the CLI stores it. */
const stored = async (client: SeededClient, on: Simulator = sim) => {
  const store = redisStore({
    url: secretUrl,
    environment: { tokenUrl: on.tokenUrl },
    clientId: client.clientId,
  })
  try {
    const record = await Effect.runPromise(store.load)
    if (record === undefined) throw new Error("nothing stored in Redis")
    secrets.add(Redacted.value(record.refreshToken))
    return { refreshToken: Redacted.value(record.refreshToken), generation: record.generation }
  } finally {
    await store.close()
  }
}

/**
 * Marks the stored access token of `client` as expired a second ago (a compare-and-set save of the
 * same chain), so the next `token` must refresh: no test waits for a clock.
 */
const expireStoredAccessToken = async (client: SeededClient, on: Simulator): Promise<void> => {
  const store = redisStore({
    url: secretUrl,
    environment: { tokenUrl: on.tokenUrl },
    clientId: client.clientId,
  })
  try {
    await Effect.runPromise(
      Effect.gen(function* () {
        const record = yield* store.load
        if (record === undefined) return yield* Effect.die(new Error("nothing stored in Redis"))
        const { generation: _generation, updatedAt: _updatedAt, ...rest } = record
        yield* store.save(
          { ...rest, issuedAt: Date.now() - 61_000, expiresAt: Date.now() - 1_000 },
          record.refreshToken,
        )
      }),
    )
  } finally {
    await store.close()
  }
}

/** Settings in the environment only (as a second host would have them), store given by URL. */
const envFor = (client: SeededClient, on: Simulator, store: string): Record<string, string> => ({
  TANGOE_TOKEN_URL: on.tokenUrl,
  TANGOE_CLIENT_ID: client.clientId,
  TANGOE_CLIENT_SECRET: client.clientSecret,
  TANGOE_SCOPE: "MOBPROC",
  TANGOE_STORE: store,
})

/** `init --stdin --store <url>` for a new client of `on` in a new home. */
const provisioned = async (on: Simulator = sim): Promise<{ home: Home; client: SeededClient }> => {
  const home = makeHome()
  const client = newClient(on)
  const r = await run(
    home,
    ["init", "--stdin", "--store", secretUrl, "--token-url", on.tokenUrl, "--client-id", client.clientId],
    { stdin: `TANGOE_CLIENT_SECRET=${client.clientSecret}\nTANGOE_REFRESH_TOKEN=${client.refreshToken}\n` },
  )
  expect(r.stderr).toBe("")
  expect(r.code).toBe(0)
  return { home, client }
}

describe("a Redis token store", () => {
  it("init, token and status keep the token in Redis, not in a file, and show the URL without its password", async () => {
    const { home, client } = await provisioned()
    expect(existsSync(home.storePath)).toBe(false)
    const config = JSON.parse(readFileSync(home.configPath, "utf8"))
    expect(config.store).toBe(secretUrl)
    expect(statSync(home.configPath).mode & 0o777).toBe(0o600)
    const first = await stored(client)
    expect(first.refreshToken).not.toBe(client.refreshToken)
    expect(sim.isLive(first.refreshToken)).toBe(true)

    const before = sim.stats().tokenRequests
    const token = await run(home, ["token"])
    expect([token.code, token.stderr]).toEqual([0, ""])
    expect(sim.isAccessTokenValid(token.stdout.trim())).toBe(true)
    const viaFlag = await run(home, ["token", "--store", secretUrl])
    expect(viaFlag.stdout).toBe(token.stdout)
    const viaParser = await run(home, ["header", "--store", secretUrl, "--client-id", client.clientId])
    expect(viaParser.stdout).toBe(`Authorization: Bearer ${token.stdout.trim()}\n`)
    expect(sim.stats().tokenRequests).toBe(before)

    const status = json(await run(home, ["status", "--json"]))
    expect(status).toMatchObject({
      state: "valid",
      store: shownUrl,
      generation: first.generation,
      sources: { store: "config" },
    })
    const text = await run(home, ["status"])
    expect(text.stdout).toMatch(new RegExp(`store\\s+${shownUrl} \\(generation ${first.generation}\\)`))

    const refreshed = await run(home, ["refresh"])
    expect(refreshed.code).toBe(0)
    expect(refreshed.stdout).toContain(`saved in ${shownUrl}`)
    const second = await stored(client)
    expect(second.generation).toBe(first.generation + 1)
    expect(sim.isLive(second.refreshToken)).toBe(true)
    expect(sim.isLive(first.refreshToken)).toBe(false)
  })

  it("takes the password from TANGOE_REDIS_PASSWORD; a wrong one exits 5, an unusable URL 2", async () => {
    const home = makeHome()
    const client = newClient()
    const env = { ...envFor(client, sim, redis.url), TANGOE_REDIS_PASSWORD: PASSWORD }
    const seeded = await run(home, ["token"], { env: { ...env, TANGOE_REFRESH_TOKEN: client.refreshToken } })
    expect([seeded.code, seeded.stderr]).toEqual([0, ""])
    expect(sim.isLive((await stored(client)).refreshToken)).toBe(true)
    expect((await run(home, ["token"], { env })).stdout).toBe(seeded.stdout)

    const wrong = `wrong-${PASSWORD}`
    secrets.add(wrong)
    const denied = await run(home, ["token"], { env: { ...env, TANGOE_REDIS_PASSWORD: wrong } })
    expect(denied.code).toBe(5)
    expect(denied.stderr).toMatch(
      /^tangoe-token: cannot (read|lock) token store redis:\/\/127\.0\.0\.1:\d+\/0 key .*WRONGPASS/,
    )
    const deniedJson = await run(home, ["status", "--json"], {
      env: { ...env, TANGOE_REDIS_PASSWORD: wrong },
    })
    expect(json(deniedJson)).toMatchObject({ error: { type: "StoreError", exitCode: 5 } })

    const badUrl = await run(
      home,
      ["token", "--json", "--store", `redis://:${PASSWORD}@127.0.0.1:notaport`],
      {
        env,
      },
    )
    expect(badUrl.code).toBe(2)
    expect(json(badUrl)).toMatchObject({ error: { type: "RedisStoreConfigError", exitCode: 2 } })
    const noClient = await run(makeHome(), ["status", "--store", secretUrl])
    expect(noClient.code).toBe(2)
    expect(noClient.stderr).toMatch(/no client id — a Redis token store keeps one token per client id/)
  })

  it("two hosts calling token in parallel at expiry cause one refresh", async () => {
    // Each round starts from a stored access token that expired a second ago (nothing waits for a
    // clock). The refresh gives a 60 s token, so whichever host comes second adopts it, however late.
    const short = await startSimulator({ environment: "qa", accessTokenLifetime: 60 })
    try {
      const { home: hostA, client } = await provisioned(short)
      const hostB = makeHome()
      const env = envFor(client, short, secretUrl)
      for (let round = 0; round < 2; round++) {
        await expireStoredAccessToken(client, short)
        short.resetStats()
        const [a, b] = await Promise.all([run(hostA, ["token"]), run(hostB, ["token"], { env })])
        expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""])
        expect(short.stats().tokenRequests).toBe(1)
        expect(short.stats().errors.invalid_grant ?? 0).toBe(0)
        expect(a.stdout).toBe(b.stdout)
        expect(short.isAccessTokenValid(a.stdout.trim())).toBe(true)
        expect(short.isLive((await stored(client, short)).refreshToken)).toBe(true)
      }
      expect(existsSync(hostA.storePath) || existsSync(hostB.storePath)).toBe(false)
    } finally {
      await short.close()
    }
  })
})

describe("secrets", () => {
  it("no Redis password, client secret or refresh token appears in any output", () => {
    addLiveTokens({ secrets, clients })
    expect(runs.length).toBeGreaterThan(12)
    for (const r of runs) {
      const text = r.stdout + r.stderr
      for (const secret of secrets) {
        expect(text.includes(secret), `\`${r.args.join(" ")}\` printed a secret`).toBe(false)
      }
    }
  })
})
