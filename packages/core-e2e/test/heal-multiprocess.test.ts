/**
 * Four OS processes with the same service account share one file store and one client of the real
 * simulator. They bootstrap from the account alone (ONE grant between them), the chain is killed
 * (its family revoked), and all four are made to refresh at the same moment with a barrier: the
 * simulator holds the first token request until all four have begun, then releases it. Across all of
 * them exactly ONE password grant re-establishes the chain; every process is served; no secret of the
 * account appears in any output.
 *
 * The workers run test/fixtures/manager-worker.ts straight from source (Node's type stripping).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { fileStore } from "../../core/src/FileStore.ts"
import { secretForms } from "../../core/src/internal/sanitize.ts"
import { ask, startWorker, type Worker, workerConfig, workerSource } from "./fixtures/manager-harness.ts"

const PROCESSES = 4
const USERNAME = "command://svc.fleet"
const PASSWORD = "fl€et pass&word=+/"

let sim: Simulator
const root = mkdtempSync(join(tmpdir(), "heal-multiprocess-"))
const workers: Array<Worker> = []

beforeAll(async () => {
  sim = await startSimulator({
    accessTokenLifetime: 3600,
    gracePeriod: 0,
    serviceAccounts: [{ username: USERNAME, password: PASSWORD }],
  })
})
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()))
  await sim?.close()
  rmSync(root, { recursive: true, force: true })
})

const grants = () => sim.serviceAccountStats().find((a) => a.username === USERNAME)?.passwordGrants ?? 0

describe("self-heal across processes", () => {
  it(`${PROCESSES} processes on one file store: one grant to bootstrap, and ONE grant when they find the chain dead together`, async () => {
    const client = sim.clients[0]
    if (client === undefined) throw new Error("no seeded client")
    const storePath = join(root, "token.json")
    const config = workerConfig(sim, client, storePath, {
      refreshToken: undefined,
      serviceAccount: { username: USERNAME, password: PASSWORD },
    })
    for (let i = 0; i < PROCESSES; i++) workers.push(startWorker(workerSource, "repl", config))
    // Bootstrap, all at once: one grant, the others adopt it from the store.
    const first = await Promise.all(workers.map((w) => ask(w, "get")))
    for (const answer of first) assert.isTrue(answer.ok, JSON.stringify(answer))
    assert.strictEqual(grants(), 1)

    // Kill the chain, then the barrier: the first token request is held until all four have begun.
    const stored = await Effect.runPromise(Effect.flatMap(fileStore(storePath), (s) => s.load))
    assert.isAtLeast(
      sim.revoke({ refreshToken: Redacted.value(stored?.refreshToken ?? Redacted.make("")) }),
      1,
    )
    sim.resetStats()
    sim.injectFaults({ kind: "hold" })
    const began = workers.map((w) => w.line((l) => l.includes('"began"')))
    const done = workers.map((w) => w.line((l) => l.includes('"refresh-done"'), 60_000))
    for (const worker of workers) worker.send(JSON.stringify({ op: "begin-refresh" }))
    await Promise.all(began)
    await sim.whenHeld(1)
    assert.strictEqual(sim.releaseHeld(), 1)
    const results = (await Promise.all(done)).map((l) => JSON.parse(l) as Record<string, unknown>)
    for (const result of results) assert.isTrue(result.ok, JSON.stringify(result))

    const stats = sim.stats()
    console.log(
      `[heal-multiprocess] file store, ${PROCESSES} processes: ${stats.passwordGrants} password grant(s), ` +
        `${stats.tokenRequests} token requests after the chain died`,
    )
    assert.strictEqual(stats.passwordGrants, 1)
    // (resetStats cleared the per-account counts too: this is the grant after the chain died.)
    assert.strictEqual(grants(), 1)
    // One refresh with the dead token (refused), one grant; the other three adopted the new chain.
    assert.strictEqual(stats.tokenRequests, 2)
    const healed = await Effect.runPromise(Effect.flatMap(fileStore(storePath), (s) => s.load))
    assert.isTrue(sim.isLive(Redacted.value(healed?.refreshToken ?? Redacted.make(""))))
    const events = await Promise.all(workers.map((w) => ask(w, "events")))
    const heals = events.flatMap((e) =>
      (e.events as Array<{ type: string; reason?: string }>).filter((x) => x.type === "chainReestablished"),
    )
    assert.deepStrictEqual(heals.map((h) => h.reason).sort(), ["bootstrap", "deadChain"])
    // No output of any worker shows the service account.
    const output = workers.map((w) => `${w.lines.join("\n")}\n${w.stderr()}`).join("\n")
    for (const form of [...secretForms(PASSWORD), ...secretForms(USERNAME)]) assert.notInclude(output, form)
  }, 120_000)
})
