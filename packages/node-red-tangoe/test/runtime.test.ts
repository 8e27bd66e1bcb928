/**
 * End to end in a REAL Node-RED 5 process: the packed package installed into a temp user dir,
 * flows deployed through the admin API, inject -> tangoe token -> http request to the
 * simulator's protected API. The refresh token rotates on every refresh; across rotations, a
 * restart, a "reload" deploy, a full deploy and a kill -9 right after a rotation, every call
 * must answer 200 and the simulator must never see a dead refresh token (0 invalid_grant).
 */
import { createDecipheriv, createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import { describe, expect, it } from "vitest"
import type { Collector } from "./support/collector.ts"
import { credentialsOf, functionNode, postNode } from "./support/flows.ts"
import type { NodeRedProcess, PackedPackage } from "./support/realRuntime.ts"
import { fire, rotatingTokenApiFlow, useRealRuntime } from "./support/realRuntimeSuite.ts"

const CREDENTIAL_SECRET = "e2e credential secret, not a token"

let sim: Simulator
let collector: Collector
let packed: PackedPackage
let red: NodeRedProcess
const seenRefreshTokens = new Set<string>()
let account: { readonly username: string; readonly password: string } | undefined

useRealRuntime(CREDENTIAL_SECRET, (started) => {
  ;({ packed, sim, collector, red } = started)
})

const flows = (credentials?: object): object[] =>
  rotatingTokenApiFlow({
    label: "tangoe e2e",
    sim,
    collector,
    credentials,
    resultPayload: "return { payload: { statusCode: msg.statusCode, token: msg.token } };",
  })

/** Fires an inject and waits for its API result (or a caught error); returns the status code. */
const call = async (inject: "go" | "rotate"): Promise<number> => {
  const answer = await fire(red, collector, inject)
  if ("error" in answer) throw new Error(`the flow caught: ${answer.error.raw}`)
  for (const token of sim.liveRefreshTokens()) seenRefreshTokens.add(token)
  return Number(answer.result.body.statusCode)
}

/** Node-RED's flows_cred.json, decrypted (aes-256-ctr, key sha256(credentialSecret), iv prefix). */
const readFlowsCredentials = async (): Promise<Record<string, Record<string, string>>> => {
  const file = JSON.parse(await readFile(join(red.userDir, "flows_cred.json"), "utf8")) as { $: string }
  const key = createHash("sha256").update(CREDENTIAL_SECRET).digest()
  const iv = Buffer.from(file.$.slice(0, 32), "hex")
  const decipher = createDecipheriv("aes-256-ctr", key, iv)
  const text = decipher.update(file.$.slice(32), "base64", "utf8") + decipher.final("utf8")
  return JSON.parse(text) as Record<string, Record<string, string>>
}

describe("a real Node-RED 5 process with the packed package", () => {
  it("ships a small package: dist, editor files, locales, icon, example; no tests", () => {
    expect(packed.files).toEqual(
      expect.arrayContaining([
        "package.json",
        "dist/tangoe.js",
        "dist/tangoe.html",
        "dist/locales/en-US/tangoe.json",
        "dist/locales/en-US/tangoe.html",
        "dist/icons/tangoe.svg",
        "examples/tangoe-token.json",
        "examples/tangoe-api.json",
      ]),
    )
    expect(packed.files.filter((f) => f.startsWith("test/") || f.startsWith("src/"))).toEqual([])
    console.info(
      `[figures] packed size ${packed.size} B, unpacked ${packed.unpackedSize} B, ${packed.files.length} files`,
    )
  })

  it("loads the node set and serves its editor, help, catalog, icon and example", async () => {
    const sets = (await (
      await fetch(`${red.url}/nodes`, { headers: { accept: "application/json" } })
    ).json()) as Array<{
      module: string
      types: string[]
      enabled: boolean
      err?: string
    }>
    const ours = sets.find((s) => s.module === "@tangoe-token/node-red-tangoe")
    expect(ours).toMatchObject({ types: ["tangoe-credentials", "tangoe token", "tangoe api"], enabled: true })
    expect(ours?.err).toBeUndefined()
    const html = await (await fetch(`${red.url}/nodes`, { headers: { accept: "text/html" } })).text()
    expect(html).toContain('RED.nodes.registerType("tangoe token"')
    expect(html).toContain('data-help-name="tangoe token"')
    expect(html).toContain('data-help-name="tangoe-credentials"')
    expect(html).toContain('RED.nodes.registerType("tangoe api"')
    expect(html).toContain('data-help-name="tangoe api"')
    const catalog = (await (await fetch(`${red.url}/nodes/messages?lng=en-US`)).json()) as Record<
      string,
      unknown
    >
    expect(JSON.stringify(catalog["@tangoe-token/node-red-tangoe/tangoe"])).toContain("valid until __time__")
    const icon = await fetch(`${red.url}/icons/@tangoe-token/node-red-tangoe/tangoe.svg`)
    expect(icon.status).toBe(200)
    expect(await icon.text()).toContain("<svg")
    const example = await fetch(
      `${red.url}/library/examples/flows/@tangoe-token/node-red-tangoe/tangoe-token`,
    )
    expect(example.status).toBe(200)
    expect(JSON.stringify(await example.json())).toContain('"type":"tangoe token"')
    const apiExample = await fetch(
      `${red.url}/library/examples/flows/@tangoe-token/node-red-tangoe/tangoe-api`,
    )
    expect(apiExample.status).toBe(200)
    expect(JSON.stringify(await apiExample.json())).toContain('"type":"tangoe api"')
  })

  it("keeps answering 200 across rotations, a restart, reload and full deploys and a kill -9", async () => {
    const [client] = sim.clients
    if (client === undefined) throw new Error("the simulator has no client")
    seenRefreshTokens.add(client.refreshToken)
    await red.deploy(flows(credentialsOf(client)), "full")
    const codes: number[] = []
    codes.push(await call("go"))
    for (let i = 0; i < 3; i++) codes.push(await call("rotate"))

    // a clean restart: the provisioned token in flows_cred.json is dead by now
    await red.stop("SIGTERM")
    await red.start()
    codes.push(await call("go"))
    codes.push(await call("rotate"))

    // "reload" (restart flows): Node-RED re-reads the old credentials from disk
    await red.deploy([], "reload")
    codes.push(await call("rotate"))

    // an editor-style full deploy of unchanged nodes: the mirrored rotated token reaches flows_cred.json
    const liveBeforeDeploy = sim.liveRefreshTokens(client.clientId)
    await red.deploy(flows(), "full")
    const saved = await readFlowsCredentials()
    expect(saved.cfg?.refreshToken).toBe(client.refreshToken)
    expect(liveBeforeDeploy).toContain(saved.cfg?.rotatedRefreshToken)
    codes.push(await call("rotate"))

    // kill -9 right after a rotation was used
    codes.push(await call("rotate"))
    await red.stop("SIGKILL")
    await red.start()
    codes.push(await call("rotate"))
    codes.push(await call("go"))

    const stats = sim.stats()
    const nodeVersion = /Node\.js\s+version:\s+(v[\d.]+)/.exec(red.log)?.[1]
    console.info(`[figures] runtime: Node-RED on Node ${nodeVersion}`)
    console.info(
      `[figures] ${codes.length} API calls, ${stats.tokenRequests} token requests, ${stats.refreshes} rotations, ` +
        `${red.starts} starts (1 restart, 1 kill -9), ${stats.failures} failures, errors ${JSON.stringify(stats.errors)}`,
    )
    expect(codes).toEqual(codes.map(() => 200))
    expect(stats.errors.invalid_grant ?? 0).toBe(0)
    expect(stats.failures).toBe(0)
    expect(stats.apiUnauthorized).toBe(0)
    expect(stats.refreshes).toBeGreaterThanOrEqual(8)
    expect(collector.posts.filter((p) => p.path === "/error")).toEqual([])
  })

  it("a config node with a service account alone: ONE grant, then refreshes; a revoked chain heals with ONE grant", async () => {
    const client = sim.addClient()
    account = sim.addServiceAccount({ username: "command://svc.node-red-e2e" })
    // The same flow on another config node (its own side store), with the service account and no refresh token.
    const withAccount = flows({
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      username: account.username,
      password: account.password,
    }).map((node) => {
      const n = node as { id: string; account?: string }
      if (n.id === "cfg") return { ...n, id: "cfgsa", authentication: "serviceAccount" }
      return n.account === "cfg" ? { ...n, account: "cfgsa" } : n
    })
    sim.resetStats()
    await red.deploy(withAccount, "full")
    const codes = [await call("go"), await call("rotate"), await call("rotate")]
    expect(sim.stats()).toMatchObject({ passwordGrants: 1, refreshes: 2, failures: 0 })
    // Kill every chain the account was granted: the next refresh is refused, the chain re-established.
    expect(sim.revoke({ username: account.username })).toBe(1)
    codes.push(await call("rotate"), await call("rotate"))
    const stats = sim.stats()
    console.info(`[figures] service account: ${codes.length} API calls, stats ${JSON.stringify(stats)}`)
    expect(codes).toEqual([200, 200, 200, 200, 200])
    expect(stats).toMatchObject({ passwordGrants: 2, refreshes: 3, errors: { invalid_grant: 1 } })
    expect(red.log).toContain("the service account re-established the chain")
    const statuses = collector.posts.filter((p) => p.path === "/status").map((p) => p.raw)
    expect(statuses.some((s) => s.includes("first grant"))).toBe(true)
    expect(statuses.some((s) => s.includes("chain re-established"))).toBe(true)
    expect(collector.posts.filter((p) => p.path === "/error")).toEqual([])
  })

  it("a tangoe api node follows the pages, shows what happened in the catalog's words, and reports Tangoe's 400", async () => {
    // Its own client: the service-account test before it replaced the config node "cfg" (and its
    // credentials) with a full deploy.
    const apiClient = sim.addClient()
    seenRefreshTokens.add(apiClient.refreshToken)
    const apiFlow = [
      ...flows(credentialsOf(apiClient)).map((node) =>
        (node as { id: string }).id === "cfg" ? { ...node, tenant: "ACME", apiBase: sim.apiBaseUrl } : node,
      ),
      {
        id: "go-api",
        z: "f1",
        type: "inject",
        props: [{ p: "payload" }],
        payload: "",
        payloadType: "str",
        wires: [["tapi"]],
      },
      {
        id: "go-api-no-tenant",
        z: "f1",
        type: "inject",
        props: [{ p: "payload" }, { p: "headers", v: '{"X-TNGO-TENANT":""}', vt: "json" }],
        payload: "",
        payloadType: "str",
        wires: [["tapi"]],
      },
      {
        id: "tapi",
        z: "f1",
        type: "tangoe api",
        account: "cfg",
        method: "GET",
        url: "orders",
        paging: "pages",
        limit: "10",
        wires: [["report-page"]],
      },
      functionNode(
        "report-page",
        "return { payload: { items: msg.payload.length, page: msg.page, headers: msg.headers } };",
        "post-page",
      ),
      postNode("post-page", `${collector.url}/page`),
      {
        id: "catch-api",
        z: "f1",
        type: "catch",
        scope: ["tapi"],
        uncaught: false,
        wires: [["report-api-error"]],
      },
      functionNode(
        "report-api-error",
        "return { payload: { error: msg.error, typed: msg._error } };",
        "post-api-error",
      ),
      postNode("post-api-error", `${collector.url}/api-error`),
      { id: "watch-api", z: "f1", type: "status", scope: ["tapi"], wires: [["report-api-status"]] },
      functionNode("report-api-status", "return { payload: { status: msg.status } };", "post-api-status"),
      postNode("post-api-status", `${collector.url}/api-status`),
    ]
    await red.deploy(apiFlow, "full")
    sim.resetStats()
    await red.inject("go-api")
    const pages = await collector.waitFor("/page", 3)
    expect(pages.map((p) => p.body.items)).toEqual([10, 10, 4])
    expect(pages.map((p) => (p.body.page as { last: boolean }).last)).toEqual([false, false, true])
    const sent = sim.apiRequests()
    expect(sent.map((r) => [r.status, r.headers["x-tngo-tenant"], r.headers.client_id])).toEqual(
      sent.map(() => [200, "ACME", apiClient.clientId]),
    )
    const ok = await collector.waitFor("/api-status", 2)
    const texts = ok.map((p) => (p.body.status as { text: string }).text)
    expect(texts[0]).toBe("calling")
    expect(texts[1]).toMatch(/^24 items, 3 pages at \d\d:\d\d$/)

    await red.inject("go-api-no-tenant")
    const [failed] = await collector.waitFor("/api-error", 1)
    const error = failed?.body.error as { code: string; message: string; cause: Record<string, unknown> }
    expect(error.code).toBe("BadRequest")
    expect(error.cause).toMatchObject({ status: 400, errorCode: "400-missing-required-header" })
    expect(error.cause.correlationId).toBe(sim.apiRequests().at(-1)?.headers["x-tngo-context-correlationid"])
    const red400 = await collector.waitFor("/api-status", 4)
    expect(red400.at(-1)?.body.status).toMatchObject({
      fill: "red",
      text: "400 400-missing-required-header: set the Tenant in the credentials",
    })
    console.info(
      `[figures] tangoe api in a real Node-RED: ${sent.length} API calls for 3 pages, statuses ${JSON.stringify(texts)}`,
    )
  })

  it("shows the catalog's status texts and never prints or posts a secret", async () => {
    const statuses = collector.posts.filter((p) => p.path === "/status").map((p) => p.raw)
    console.info(`[statuses] ${statuses.slice(0, 3).join(" | ")}`)
    expect(statuses.some((s) => s.includes("valid until"))).toBe(true)
    expect(statuses.some((s) => s.includes("refreshing"))).toBe(true)
    const [client] = sim.clients
    const secrets = [
      client?.clientSecret ?? "",
      ...seenRefreshTokens,
      account?.username ?? "",
      account?.password ?? "",
      ...sim.clients.slice(1).map((c) => c.clientSecret),
    ]
    const flowsFile = await readFile(join(red.userDir, "flows.json"), "utf8")
    const sideStore = await readFile(join(red.userDir, "tangoe-token", "cfg.json"), "utf8")
    const observable = [red.log, flowsFile, sideStore, ...collector.posts.map((p) => p.raw)].join("\n")
    for (const secret of secrets) expect(observable).not.toContain(secret)
  })
})
