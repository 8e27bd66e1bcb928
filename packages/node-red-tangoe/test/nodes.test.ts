/**
 * The two nodes inside Node-RED's runtime (node-red-node-test-helper), against the local
 * PingFederate simulator: the same suite runs on Node-RED 5.0 and 4.1 (see vitest.config.mts).
 */
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import { describe, expect, it } from "vitest"
import tangoe from "../src/tangoe.ts"
import { type Client, credentialsOf, outAndCaughtHelpers, simulatorCredentialsNode } from "./support/flows.ts"
import { useHelperRuntime } from "./support/helperSuite.ts"
import {
  helper,
  httpRequestNode,
  NODE_RED_PACKAGE,
  nodeRedVersion,
  type TestNode,
} from "./support/nodeRed.ts"
import { collect, observable, statuses, waitFor } from "./support/watchNodes.ts"

const CONFIG = "cfg1"
const TOKEN = "tok1"

let sim: Simulator
let userDir: string

useHelperRuntime("tangoe-nr-", {
  simulator: (started) => {
    sim = started
  },
  userDir: (dir) => {
    userDir = dir
  },
})

const newClient = (): Client => credentialsOf(sim.addClient())

const configNode = () => simulatorCredentialsNode(CONFIG, sim.tokenUrl)

const flowWith = (tokenOverrides: object = {}, extra: object[] = []) => [
  { id: "f1", type: "tab", label: "test" },
  configNode(),
  { id: TOKEN, z: "f1", type: "tangoe token", account: CONFIG, wires: [["out"]], ...tokenOverrides },
  ...outAndCaughtHelpers(),
  ...extra.map((n) => ({ z: "f1", ...n })),
]

const credsFor = (client: Client) => ({ [CONFIG]: { ...client } })

/**
 * Sends `msg` into the token node and returns what comes out on the other side (listening
 * afresh each time: a deploy replaces the node instances).
 */
const pass = async (msg: object): Promise<Record<string, unknown>> => {
  const out = collect("out")
  helper.getNode(TOKEN)?.receive(msg)
  await waitFor(() => out.length === 1, "the message out")
  return out[0] as Record<string, unknown>
}

describe(`tangoe token on ${NODE_RED_PACKAGE} ${nodeRedVersion}`, () => {
  it("sets a live Bearer Authorization header, merged into the existing headers, and msg.token", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), credsFor(client))
    const out = collect("out")
    helper.getNode(TOKEN)?.receive({ payload: 1, headers: { "X-Trace": "abc", authorization: "Basic old" } })
    await waitFor(() => out.length === 1, "the message")
    const msg = out[0] as { headers: Record<string, string>; token: Record<string, unknown> }
    // Tangoe's client_id and a correlation id come too (no tenant: the config node has none).
    expect(Object.keys(msg.headers).sort()).toEqual([
      "Authorization",
      "X-TNGO-CONTEXT-CORRELATIONID",
      "X-Trace",
      "client_id",
    ])
    expect(msg.headers.client_id).toBe(client.clientId)
    expect(msg.headers["X-Trace"]).toBe("abc")
    const [scheme, accessToken] = msg.headers.Authorization?.split(" ") ?? []
    expect(scheme).toBe("Bearer")
    expect(sim.isAccessTokenValid(accessToken ?? "")).toBe(true)
    expect(msg.token.tokenType).toBe("Bearer")
    expect(Date.parse(String(msg.token.expiresAt))).toBeGreaterThan(Date.now() + 7000_000)
    expect(msg.token.expiresIn).toBeGreaterThan(7000)
    expect(msg.token).not.toHaveProperty("accessToken")
    expect(sim.stats().refreshes).toBe(1)
  })

  it("puts the access token in msg.token only when asked to", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith({ includeAccessToken: true }), credsFor(client))
    const out = collect("out")
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => out.length === 1, "the message")
    const msg = out[0] as { headers: Record<string, string>; token: { accessToken: string } }
    expect(msg.headers.Authorization).toBe(`Bearer ${msg.token.accessToken}`)
  })

  it("sits in front of Node-RED's http request node: the protected API answers 200", async () => {
    const client = newClient()
    const flow = flowWith({ wires: [["http"]] }, [
      { id: "http", type: "http request", method: "GET", ret: "obj", url: sim.apiUrl, wires: [["out"]] },
    ])
    await helper.load([tangoe, httpRequestNode], flow, credsFor(client))
    const out = collect("out")
    helper.getNode(TOKEN)?.receive({ payload: "" })
    await waitFor(() => out.length === 1, "the API response")
    expect((out[0] as { statusCode: number }).statusCode).toBe(200)
    expect(sim.stats().apiUnauthorized).toBe(0)
  })

  it("adds X-TNGO-TENANT, client_id and a correlation id for Tangoe's API, never over the flow's own", async () => {
    const client = newClient()
    const flow = [
      { id: "f1", type: "tab", label: "test" },
      simulatorCredentialsNode(CONFIG, sim.tokenUrl, { tenant: "ACME" }),
      { id: TOKEN, z: "f1", type: "tangoe token", account: CONFIG, wires: [["http"]] },
      {
        id: "http",
        z: "f1",
        type: "http request",
        method: "GET",
        ret: "obj",
        url: `${sim.apiBaseUrl}/orders`,
        wires: [["out"]],
      },
      { id: "out", z: "f1", type: "helper" },
    ]
    await helper.load([tangoe, httpRequestNode], flow, credsFor(client))
    const out = collect("out")
    helper.getNode(TOKEN)?.receive({ payload: "" })
    await waitFor(() => out.length === 1, "the API response")
    const first = out[0] as { statusCode: number; payload: { _meta: { totalCount: number } } }
    expect(first.statusCode).toBe(200)
    expect(first.payload._meta.totalCount).toBe(24)
    const [sent] = sim.apiRequests()
    expect(sent?.headers["x-tngo-tenant"]).toBe("ACME")
    expect(sent?.headers.client_id).toBe(client.clientId)
    expect(sent?.headers["x-tngo-context-correlationid"]).toMatch(/^[0-9a-f-]{36}$/)
    // The flow's own headers win: its tenant and correlation id are sent as set.
    helper.getNode(TOKEN)?.receive({
      payload: "",
      headers: { "x-tngo-tenant": "OTHER", "X-TNGO-CONTEXT-CORRELATIONID": "flow-1" },
    })
    await waitFor(() => out.length === 2, "the second API response")
    expect((out[1] as { statusCode: number }).statusCode).toBe(403)
    const second = sim.apiRequests()[1]
    expect(second?.headers["x-tngo-tenant"]).toBe("OTHER")
    expect(second?.headers["x-tngo-context-correlationid"]).toBe("flow-1")
    expect(second?.headers.client_id).toBe(client.clientId)
  })

  it("answers 50 simultaneous messages with one token request", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), credsFor(client))
    const out = collect("out")
    const node = helper.getNode(TOKEN) as TestNode
    for (let i = 0; i < 50; i++) node.receive({ payload: i })
    await waitFor(() => out.length === 50, "50 messages")
    expect(sim.stats().tokenRequests).toBe(1)
    const headers = new Set(out.map((m) => (m as { headers: Record<string, string> }).headers.Authorization))
    expect(headers.size).toBe(1)
  })

  it("shows yellow refreshing then green valid until HH:MM, and clears the status on close", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), credsFor(client))
    const seen = statuses(TOKEN)
    const out = collect("out")
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => out.length === 1, "the message")
    await waitFor(() => seen.length >= 2, "two statuses")
    expect(seen.map((s) => s.fill)).toEqual(["yellow", "green"])
    expect(seen[0]?.text).toBe("tangoe-token.status.refreshing")
    expect(seen[1]?.text).toBe("tangoe-token.status.valid")
    // a second message with a valid token changes nothing
    helper.getNode(TOKEN)?.receive({ payload: 2 })
    await waitFor(() => out.length === 2, "the second message")
    expect(seen).toHaveLength(2)
    await helper.unload()
    await waitFor(() => seen.length === 3, "the cleared status")
    expect(seen[2]).toEqual({})
  })

  it("msg.refresh = true forces a refresh and is removed from the message", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), credsFor(client))
    const out = collect("out")
    const node = helper.getNode(TOKEN) as TestNode
    node.receive({ payload: 1 })
    await waitFor(() => out.length === 1, "the first message")
    node.receive({ payload: 2, refresh: true })
    await waitFor(() => out.length === 2, "the second message")
    expect(sim.stats().refreshes).toBe(2)
    expect(out[1]).not.toHaveProperty("refresh")
    const auth = (m: object) => (m as { headers: Record<string, string> }).headers.Authorization
    expect(auth(out[1] as object)).not.toBe(auth(out[0] as object))
  })

  it("routes a rejected refresh token to a catch node, typed, red status, no secret anywhere", async () => {
    const client = newClient()
    const dead = { ...client, refreshToken: "not-a-token-the-server-knows-0123456789" }
    await helper.load(tangoe, flowWith(), credsFor(dead))
    const seen = statuses(TOKEN)
    const out = collect("out")
    const caught = collect("caught")
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => caught.length === 1, "the caught error")
    const msg = caught[0] as {
      error: { code: string; message: string; source: { id: string } }
      _error: { _tag: string; action: string }
    }
    expect(out).toHaveLength(0)
    expect(msg.error.source.id).toBe(TOKEN)
    expect(msg.error.code).toBe("InvalidGrant")
    expect(msg._error._tag).toBe("InvalidGrant")
    expect(msg._error.action).toBe("tangoe-token.errors.InvalidGrant.action")
    expect(msg.error.message).toMatch(/re-provision|refresh token/i)
    await waitFor(() => seen.some((s) => s.fill === "red"), "the red status")
    const text = observable(caught, seen)
    for (const secret of [client.clientSecret, dead.refreshToken]) expect(text).not.toContain(secret)
  })

  it("sends a dead refresh token to the server once, not once per message (issue 18, problem 11)", async () => {
    const client = newClient()
    const dead = { ...client, refreshToken: "another-token-the-server-never-issued-98765" }
    await helper.load(tangoe, flowWith(), credsFor(dead))
    const caught = collect("caught")
    const before = sim.stats().tokenRequests
    for (let i = 1; i <= 5; i++) {
      helper.getNode(TOKEN)?.receive({ payload: i })
      await waitFor(() => caught.length === i, `caught error ${i}`)
    }
    // One invalid_grant; the next four messages fail at once with RefreshTokenDead, nothing sent.
    expect(sim.stats().tokenRequests - before).toBe(1)
    const codes = caught.map((m) => (m as { error: { code: string } }).error.code)
    expect(codes).toEqual([
      "InvalidGrant",
      "RefreshTokenDead",
      "RefreshTokenDead",
      "RefreshTokenDead",
      "RefreshTokenDead",
    ])
    const text = observable(caught, [])
    for (const secret of [client.clientSecret, dead.refreshToken]) expect(text).not.toContain(secret)
  })

  it("reports missing credentials as NotConfigured to a catch node", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), {
      [CONFIG]: { clientId: client.clientId, clientSecret: client.clientSecret },
    })
    const caught = collect("caught")
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => caught.length === 1, "the caught error")
    const msg = caught[0] as { error: { code: string; message: string }; _error: { field: string } }
    expect(msg.error.code).toBe("NotConfigured")
    expect(msg._error.field).toBe("refreshToken")
    expect(sim.stats().tokenRequests).toBe(0)
    expect(observable(caught)).not.toContain(client.clientSecret)
  })

  it("refuses, on deploy, what core would refuse (an http token URL off loopback), naming the field; nothing sent", async () => {
    const client = newClient()
    const offLoopback = sim.tokenUrl.replace("127.0.0.1", "tokens.example.com")
    await helper.load(
      tangoe,
      flowWith().map((n) => ((n as { id?: string }).id === CONFIG ? { ...n, tokenUrl: offLoopback } : n)),
      credsFor(client),
    )
    const caught = collect("caught")
    const seen = statuses(TOKEN)
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => caught.length === 1, "the caught error")
    const msg = caught[0] as {
      error: { code: string; message: string }
      _error: { field: string; action: string }
    }
    expect(msg.error.code).toBe("NotConfigured")
    expect(msg._error.field).toBe("tokenUrl")
    expect(msg._error.action).toBe("tangoe-token.status.fixField")
    expect(msg.error.message).toMatch(/`environment\.tokenUrl`/)
    await waitFor(() => seen.some((s) => s.fill === "red"), "the red status")
    expect(sim.stats().tokenRequests).toBe(0)
    expect(observable(caught, seen)).not.toContain(client.clientSecret)
  })

  it("reports a token node without a config node as NotConfigured", async () => {
    await helper.load(tangoe, flowWith({ account: "" }), {})
    const caught = collect("caught")
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => caught.length === 1, "the caught error")
    expect((caught[0] as { error: { code: string } }).error.code).toBe("NotConfigured")
  })

  it("keeps the rotated refresh token encrypted under the user dir and mirrored into the credentials", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), credsFor(client))
    const out = collect("out")
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => out.length === 1, "the message")
    expect(sim.isLive(client.refreshToken)).toBe(false)
    const [live] = sim.liveRefreshTokens(client.clientId)
    expect(live).toBeDefined()
    const dir = join(userDir, "tangoe-token")
    const files = (await readdir(dir)).filter((f) => f.endsWith(".json"))
    // The store, and its data key wrapped under the credential and client secrets (issue 18, problem 15).
    expect(files.sort()).toEqual([`${CONFIG}.json`, `${CONFIG}.keys.json`])
    for (const name of files) {
      const file = join(dir, name)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      const raw = await readFile(file, "utf8")
      expect(raw).not.toContain(live)
      expect(raw).not.toContain(client.clientSecret)
    }
    await waitFor(() => helper._redNodes.getCredentials(CONFIG)?.rotatedRefreshToken === live, "the mirror")
  })

  it("a side store restored from an older copy is fenced: the newer token is written back, no invalid_grant", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), credsFor(client))
    await pass({ payload: 1 }) // generation 1 (after the seed)
    const file = join(userDir, "tangoe-token", `${CONFIG}.json`)
    const backup = await readFile(file, "utf8")
    await pass({ payload: 2, refresh: true }) // the backup's refresh token is dead now
    const [live] = sim.liveRefreshTokens(client.clientId)
    await writeFile(file, backup) // restored while the flow runs
    const after = await pass({ payload: 3, refresh: true })
    expect((after as { headers: Record<string, string> }).headers.Authorization).toMatch(/^Bearer /)
    await pass({ payload: 4, refresh: true })
    expect(sim.stats().errors.invalid_grant ?? 0).toBe(0)
    const warned = helper
      .log()
      .args.filter((a) => JSON.stringify(a[0] ?? "").includes("tangoe-credentials.warn.storeRolledBack"))
    expect(warned).toHaveLength(1)
    expect(observable()).not.toContain(live)
    expect(sim.liveRefreshTokens(client.clientId)).toHaveLength(1)
    await waitFor(
      () =>
        helper._redNodes.getCredentials(CONFIG)?.rotatedRefreshToken ===
        sim.liveRefreshTokens(client.clientId)[0],
      "the mirror of the live token",
    )
  })

  it("survives a redeploy with the stale provisioned token: no invalid_grant", async () => {
    const client = newClient()
    const flow = flowWith()
    await helper.load(tangoe, flow, credsFor(client))
    await pass({ payload: 1 })
    for (let round = 0; round < 3; round++) {
      // a full deploy with the credentials as first provisioned (the old, now dead, token)
      await helper.setFlows(flow, "full", credsFor(client))
      await pass({ payload: 2, refresh: true })
    }
    expect(sim.stats().errors.invalid_grant ?? 0).toBe(0)
    expect(sim.stats().refreshes).toBe(4)
  })

  it("a refresh token newly typed in the editor wins over the stored one", async () => {
    const client = newClient()
    const flow = flowWith()
    await helper.load(tangoe, flow, credsFor(client))
    await pass({ payload: 1 })
    const retyped = sim.issueRefreshToken(client.clientId)
    await helper.setFlows(flow, "full", { [CONFIG]: { ...client, refreshToken: retyped } })
    await pass({ payload: 2, refresh: true })
    expect(sim.isLive(retyped)).toBe(false) // it was used (and rotated)
    expect(sim.stats().errors.invalid_grant ?? 0).toBe(0)
  })

  it("seeds a lost side store from the rotated token a deploy wrote to flows_cred.json", async () => {
    const client = newClient()
    await helper.load(tangoe, flowWith(), credsFor(client))
    await pass({ payload: 1 })
    await waitFor(() => helper._redNodes.getCredentials(CONFIG)?.rotatedOrigin !== undefined, "the mirror")
    const deployed = { ...helper._redNodes.getCredentials(CONFIG) }
    await helper.unload()
    await rm(join(userDir, "tangoe-token"), { recursive: true, force: true })
    await helper.load(tangoe, flowWith(), { [CONFIG]: deployed })
    await pass({ payload: 2, refresh: true })
    expect(sim.stats().errors.invalid_grant ?? 0).toBe(0)
    expect(sim.stats().refreshes).toBe(2)
  })

  it("fails loudly with StoreError, never silently, when the side store cannot be written", async () => {
    const client = newClient()
    const notADir = join(userDir, "file")
    await writeFile(notADir, "")
    helper.settings({ userDir: notADir, credentialSecret: "test credential secret" })
    await helper.load(tangoe, flowWith(), credsFor(client))
    const caught = collect("caught")
    const seen = statuses(TOKEN)
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => caught.length === 1, "the caught error")
    const msg = caught[0] as { error: { code: string; message: string } }
    expect(msg.error.code).toBe("StoreError")
    await waitFor(() => seen.some((s) => s.fill === "red"), "the red status")
    expect(observable(caught, seen)).not.toContain(client.clientSecret)
  })
})

describe(`tangoe-credentials with a service account on ${NODE_RED_PACKAGE} ${nodeRedVersion}`, () => {
  let accounts = 0
  /** A client and a service account of its own on the simulator. */
  const newAccount = () => {
    const client = newClient()
    const account = sim.addServiceAccount({
      username: `command://svc.nr${++accounts}-${client.clientId.slice(0, 8)}`,
    })
    return { client, account }
  }
  const accountFlow = () =>
    flowWith({}, []).map((n) =>
      (n as { id: string }).id === CONFIG ? { ...n, authentication: "serviceAccount" } : n,
    )
  const accountStats = (username: string) => sim.serviceAccountStats().find((a) => a.username === username)

  it("bootstrap from the service account alone: ONE password grant, then refreshes; the status says first grant", async () => {
    const { client, account } = newAccount()
    await helper.load(tangoe, accountFlow(), {
      [CONFIG]: {
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        username: account.username,
        password: account.password,
      },
    })
    const seen = statuses(TOKEN)
    const first = await pass({ payload: 1 })
    expect(sim.stats()).toMatchObject({ passwordGrants: 1, refreshes: 0 })
    const [scheme, accessToken] = String((first.headers as Record<string, string>).Authorization).split(" ")
    expect(scheme).toBe("Bearer")
    expect(sim.isAccessTokenValid(accessToken ?? "")).toBe(true)
    expect(seen.at(-1)?.text).toBe("tangoe-token.status.bootstrapped")
    await pass({ payload: 2, refresh: true })
    await pass({ payload: 3, refresh: true })
    expect(sim.stats()).toMatchObject({ passwordGrants: 1, refreshes: 2, failures: 0 })
    // The chain is kept like any rotation: in the side store and mirrored into the credentials.
    // (the client's seeded refresh token is live too, never used: the chain is the other one)
    const live = sim.liveRefreshTokens(client.clientId).filter((t) => t !== client.refreshToken)
    expect(live).toHaveLength(1)
    await waitFor(
      () => helper._redNodes.getCredentials(CONFIG)?.rotatedRefreshToken === live[0],
      "the mirror",
    )
    const text = observable(first, seen)
    for (const secret of [account.username, account.password, client.clientSecret])
      expect(text).not.toContain(secret)
  })

  it("self-heal: a revoked chain is re-established with ONE grant; the status and a warning say so", async () => {
    const { client, account } = newAccount()
    await helper.load(tangoe, accountFlow(), {
      [CONFIG]: {
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: client.refreshToken,
        username: account.username,
        password: account.password,
      },
    })
    const seen = statuses(TOKEN)
    await pass({ payload: 1 })
    expect(sim.stats()).toMatchObject({ passwordGrants: 0, refreshes: 1 })
    const [dead] = sim.liveRefreshTokens(client.clientId)
    expect(sim.revoke({ refreshToken: dead ?? "" })).toBe(1)
    const healed = await pass({ payload: 2, refresh: true })
    expect(sim.stats()).toMatchObject({ passwordGrants: 1, refreshes: 1, errors: { invalid_grant: 1 } })
    const accessToken = String((healed.headers as Record<string, string>).Authorization).split(" ")[1] ?? ""
    expect(sim.isAccessTokenValid(accessToken)).toBe(true)
    expect(seen.at(-1)?.text).toBe("tangoe-token.status.healed")
    const warnings = helper.log().args.map((a) => JSON.stringify(a[0]))
    expect(warnings.some((w) => w.includes("tangoe-credentials.event.deadChain"))).toBe(true)
    // The chain goes on with refreshes, not grants.
    await pass({ payload: 3, refresh: true })
    expect(sim.stats()).toMatchObject({ passwordGrants: 1, refreshes: 2 })
    const text = observable(healed, seen)
    for (const secret of [account.username, account.password, dead ?? "x".repeat(20)])
      expect(text).not.toContain(secret)
  })

  it("a wrong password: ServiceAccountRejected naming the fields, ONE grant attempt for many messages, the stored chain not overwritten", async () => {
    const { client, account } = newAccount()
    const wrong = `${account.password}-wrong`
    await helper.load(tangoe, accountFlow(), {
      [CONFIG]: {
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: client.refreshToken,
        username: account.username,
        password: wrong,
      },
    })
    const seen = statuses(TOKEN)
    await pass({ payload: 1 })
    const [rotated] = sim.liveRefreshTokens(client.clientId)
    await waitFor(
      () => helper._redNodes.getCredentials(CONFIG)?.rotatedRefreshToken === rotated,
      "the mirror",
    )
    expect(sim.revoke({ refreshToken: rotated ?? "" })).toBe(1)
    const caught = collect("caught")
    const node = helper.getNode(TOKEN) as TestNode
    node.receive({ payload: 2, refresh: true })
    await waitFor(() => caught.length === 1, "the caught error")
    // Forced refreshes: the cached access token (revoked with its family) is not what is tested here.
    for (let i = 3; i <= 7; i++) node.receive({ payload: i, refresh: true })
    await waitFor(() => caught.length === 6, "six caught errors")
    const first = caught[0] as {
      error: { code: string; message: string }
      _error: { _tag: string; action: string }
    }
    expect(first.error.code).toBe("ServiceAccountRejected")
    expect(first.error.message).toMatch(
      /serviceAccount\.username.*serviceAccount\.password|username or password/,
    )
    expect(first._error.action).toBe("tangoe-token.errors.ServiceAccountRejected.action")
    expect(accountStats(account.username)).toMatchObject({ passwordGrants: 0, failedPasswords: 1 })
    expect(sim.stats().passwordGrants).toBe(0)
    // The old state is kept: no other refresh token was stored or mirrored.
    expect(helper._redNodes.getCredentials(CONFIG)?.rotatedRefreshToken).toBe(rotated)
    await waitFor(() => seen.some((s) => s.fill === "red"), "the red status")
    const text = observable(caught, seen)
    for (const secret of [account.username, account.password, wrong, client.clientSecret])
      expect(text).not.toContain(secret)
  })

  it("reports a service account without a password as NotConfigured naming the field; nothing is sent", async () => {
    const { client, account } = newAccount()
    await helper.load(tangoe, accountFlow(), {
      [CONFIG]: { clientId: client.clientId, clientSecret: client.clientSecret, username: account.username },
    })
    const caught = collect("caught")
    helper.getNode(TOKEN)?.receive({ payload: 1 })
    await waitFor(() => caught.length === 1, "the caught error")
    const msg = caught[0] as { error: { code: string }; _error: { field: string } }
    expect(msg.error.code).toBe("NotConfigured")
    expect(msg._error.field).toBe("password")
    expect(sim.stats().tokenRequests).toBe(0)
  })
})
