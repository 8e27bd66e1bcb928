/**
 * Issue 18, problem 15, in a REAL Node-RED 5 process: the side store stays readable when the user
 * changes Node-RED's `credentialSecret` in settings.js, and restarts.
 *
 * 1. The common path: Node-RED starts without `credentialSecret` (it generates one), the user then
 *    sets one, as Node-RED's start-up warning asks. Node-RED migrates flows_cred.json; the rotated
 *    refresh token in the side store must keep working.
 * 2. The user changes `credentialSecret` again. Node-RED cannot decrypt flows_cred.json and starts
 *    with empty credentials until they are entered and deployed again; the side store must then
 *    give back the rotated token (the one entered is long dead).
 * 3. Both secrets the side store's key is wrapped under change at once (here: another credential
 *    secret AND another client): the store cannot be read, the node says so and what to do, and a
 *    newly pasted refresh token recovers.
 *
 * Throughout, the simulator must never see a dead refresh token (0 invalid_grant), and no secret
 * may show in the log, the posted messages or the side store's files.
 */
import { readdir, readFile, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Collector, startCollector } from "./support/collector.ts"
import { functionNode, postNode, tokenApiFlow } from "./support/flows.ts"
import { NodeRedProcess, type PackedPackage, packPackage } from "./support/realRuntime.ts"

let sim: Simulator
let collector: Collector
let packed: PackedPackage
let red: NodeRedProcess
const secrets = new Set<string>()

const flows = (credentials?: object): object[] => [
  ...tokenApiFlow({
    label: "credential secret",
    tokenUrl: sim.tokenUrl,
    apiUrl: sim.apiUrl,
    credentials,
    resultUrl: `${collector.url}/result`,
    resultPayload: "return { payload: { statusCode: msg.statusCode } };",
    errorUrl: `${collector.url}/error`,
    errorPayload: "return { payload: { error: msg.error, typed: msg._error } };",
  }),
  {
    id: "rotate",
    z: "f1",
    type: "inject",
    props: [{ p: "payload" }, { p: "refresh", v: "true", vt: "bool" }],
    payload: "",
    payloadType: "str",
    wires: [["tok"]],
  },
  { id: "watch", z: "f1", type: "status", scope: ["tok"], wires: [["report-status"]] },
  functionNode("report-status", "return { payload: { status: msg.status } };", "post-status"),
  postNode("post-status", `${collector.url}/status`),
]

const posted = (path: string) => collector.posts.filter((p) => p.path === path)

/** Fires an inject; resolves to the API's status code, or to the caught error's body. */
const call = async (inject: "go" | "rotate"): Promise<number | Record<string, unknown>> => {
  const results = posted("/result").length
  const errors = posted("/error").length
  await red.inject(inject)
  const until = Date.now() + 20_000
  for (;;) {
    if (posted("/result").length > results) {
      for (const token of sim.liveRefreshTokens()) secrets.add(token)
      return Number(posted("/result").at(-1)?.body.statusCode)
    }
    if (posted("/error").length > errors) return posted("/error").at(-1)?.body as Record<string, unknown>
    if (Date.now() > until) throw new Error(`no result for inject ${inject} in 20 s`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const restartWith = async (credentialSecret: string) => {
  await red.stop("SIGTERM")
  await red.setCredentialSecret(credentialSecret)
  await red.start()
}

const invalidGrants = () => sim.stats().errors.invalid_grant ?? 0

beforeAll(async () => {
  packed = await packPackage()
  sim = await startSimulator({ accessTokenLifetime: 7200 })
  collector = await startCollector()
  red = await NodeRedProcess.create(packed.tarball, undefined)
  await red.start()
}, 600_000) // packing, installing and starting a real Node-RED: minutes on a busy machine

afterAll(async () => {
  await red?.stop("SIGKILL")
  await collector?.close()
  await sim?.close()
  if (red) await rm(red.userDir, { recursive: true, force: true })
  if (packed) await rm(dirname(packed.tarball), { recursive: true, force: true })
})

describe("the side store across credentialSecret changes (a real Node-RED 5)", () => {
  it("keeps the rotated token when the user sets credentialSecret over Node-RED's generated one", async () => {
    const [client] = sim.clients
    if (client === undefined) throw new Error("the simulator has no client")
    secrets.add(client.clientSecret).add(client.refreshToken)
    await red.deploy(
      flows({
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: client.refreshToken,
      }),
      "full",
    )
    expect(await call("go")).toBe(200)
    expect(await call("rotate")).toBe(200)
    expect(JSON.parse(await readFile(join(red.userDir, ".config.runtime.json"), "utf8"))).toHaveProperty(
      "_credentialSecret",
    )
    await restartWith("the user's own credential secret")
    expect(await call("rotate")).toBe(200)
    expect(await call("go")).toBe(200)
    // And once more: the key is now wrapped for the new secret too.
    await red.stop("SIGTERM")
    await red.start()
    expect(await call("rotate")).toBe(200)
    expect(invalidGrants()).toBe(0)
    expect(posted("/error")).toEqual([])
    expect(red.log).toMatch(/side store's key was wrapped again for the current runtime secret/)
  })

  it("gives back the rotated token once credentials are entered again after a credentialSecret change", async () => {
    const [client] = sim.clients
    if (client === undefined) throw new Error("the simulator has no client")
    await restartWith("another credential secret")
    // Node-RED could not decrypt flows_cred.json: the user enters the credentials again and deploys
    // (the refresh token they still have is the first one, rotated away long ago).
    expect(sim.isLive(client.refreshToken)).toBe(false)
    await red.deploy(
      flows({
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        refreshToken: client.refreshToken,
      }),
      "full",
    )
    expect(await call("go")).toBe(200)
    expect(await call("rotate")).toBe(200)
    await red.stop("SIGTERM")
    await red.start()
    expect(await call("rotate")).toBe(200)
    expect(invalidGrants()).toBe(0)
    expect(posted("/error")).toEqual([])
  })

  it("says the saved token cannot be read when both secrets changed, and a new refresh token recovers", async () => {
    const [client] = sim.clients
    if (client === undefined) throw new Error("the simulator has no client")
    const other = sim.addClient({ scopes: ["MOBPROC"] })
    secrets.add(other.clientSecret).add(other.refreshToken)
    await restartWith("a third credential secret")
    const requestsBefore = sim.stats().tokenRequests
    // Another client secret (here another client) and the old refresh token: no key opens the store.
    await red.deploy(
      flows({
        clientId: other.clientId,
        clientSecret: other.clientSecret,
        refreshToken: client.refreshToken,
      }),
      "full",
    )
    const failed = await call("go")
    expect(failed).toMatchObject({
      error: { code: "SideStoreUnreadable" },
      typed: { _tag: "SideStoreUnreadable", action: "paste a new refresh token and deploy" },
    })
    expect(JSON.stringify(failed)).toMatch(
      /cannot be decrypted: Node-RED's credential secret and the client secret/,
    )
    expect(posted("/status").at(-1)?.body).toMatchObject({
      status: { fill: "red", text: "saved token unreadable: paste a new refresh token and deploy" },
    })
    expect(sim.stats().tokenRequests).toBe(requestsBefore)
    const kept = await readdir(join(red.userDir, "tangoe-token"))
    // The user pastes a new refresh token: a new side store starts, the unreadable one is kept.
    await red.deploy(
      flows({ clientId: other.clientId, clientSecret: other.clientSecret, refreshToken: other.refreshToken }),
      "full",
    )
    expect(await call("go")).toBe(200)
    expect(await call("rotate")).toBe(200)
    const after = await readdir(join(red.userDir, "tangoe-token"))
    expect(after.filter((f) => f.startsWith("cfg.json.unreadable-"))).toHaveLength(1)
    expect(kept).toContain("cfg.json")
    expect(red.log).toMatch(/the unreadable one was kept as/)
    expect(invalidGrants()).toBe(0)
  })

  it("never shows a secret in the log, the posted messages or the side store's files", async () => {
    for (const token of sim.liveRefreshTokens()) secrets.add(token)
    const dir = join(red.userDir, "tangoe-token")
    const files = await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), "utf8")))
    const observable = [red.log, ...files, ...collector.posts.map((p) => p.raw)].join("\n")
    expect(secrets.size).toBeGreaterThan(4)
    for (const secret of secrets) expect(observable).not.toContain(secret)
  })
})
