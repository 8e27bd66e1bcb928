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
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import { describe, expect, it } from "vitest"
import type { Collector } from "./support/collector.ts"
import { credentialsOf } from "./support/flows.ts"
import type { NodeRedProcess } from "./support/realRuntime.ts"
import { fire, rotatingTokenApiFlow, useRealRuntime } from "./support/realRuntimeSuite.ts"

let sim: Simulator
let collector: Collector
let red: NodeRedProcess
const secrets = new Set<string>()

// No credentialSecret in settings.js at first: Node-RED generates one.
useRealRuntime(undefined, (started) => {
  ;({ sim, collector, red } = started)
})

const flows = (credentials?: object): object[] =>
  rotatingTokenApiFlow({
    label: "credential secret",
    sim,
    collector,
    credentials,
    resultPayload: "return { payload: { statusCode: msg.statusCode } };",
  })

const posted = (path: string) => collector.posts.filter((p) => p.path === path)

/** Fires an inject; resolves to the API's status code, or to the caught error's body. */
const call = async (inject: "go" | "rotate"): Promise<number | Record<string, unknown>> => {
  const answer = await fire(red, collector, inject)
  if ("error" in answer) return answer.error.body
  for (const token of sim.liveRefreshTokens()) secrets.add(token)
  return Number(answer.result.body.statusCode)
}

const restartWith = async (credentialSecret: string) => {
  await red.stop("SIGTERM")
  await red.setCredentialSecret(credentialSecret)
  await red.start()
}

const invalidGrants = () => sim.stats().errors.invalid_grant ?? 0

describe("the side store across credentialSecret changes (a real Node-RED 5)", () => {
  it("keeps the rotated token when the user sets credentialSecret over Node-RED's generated one", async () => {
    const [client] = sim.clients
    if (client === undefined) throw new Error("the simulator has no client")
    secrets.add(client.clientSecret).add(client.refreshToken)
    await red.deploy(flows(credentialsOf(client)), "full")
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
    await red.deploy(flows(credentialsOf(client)), "full")
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
