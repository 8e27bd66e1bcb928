/**
 * Four OS processes, each with 100 concurrent callers, share one file store and one client of the
 * real simulator (access tokens live 2 s, no grace period). They call `getToken()` in waves while
 * token after token reaches its refresh-ahead point. Across all of them, every token generation
 * costs exactly one token request: refreshes == distinct access tokens seen == store generations,
 * and the simulator sees no `invalid_grant`.
 *
 * The workers run test/fixtures/manager-worker.ts straight from source (Node's type stripping).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { fileStore } from "../../core/src/FileStore.ts"
import { startWorker, type Worker, workerConfig, workerSource } from "./fixtures/manager-harness.ts"

const GENERATIONS = 20
const PROCESSES = 4
const CALLERS = 100

let sim: Simulator
const root = mkdtempSync(join(tmpdir(), "manager-multiprocess-"))
const workers: Array<Worker> = []

beforeAll(async () => {
  sim = await startSimulator({ accessTokenLifetime: 2, gracePeriod: 0 })
})
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill9()))
  await sim?.close()
  rmSync(root, { recursive: true, force: true })
})

const until = async (condition: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

interface Summary {
  readonly tokens: Array<string>
  readonly calls: number
  readonly failures: Record<string, number>
  readonly expiredServed: number
  readonly refreshCount: number
  readonly sent: number
}

describe("token manager across processes", () => {
  it(`${PROCESSES} processes x ${CALLERS} callers on one file store: one token request per token generation`, async () => {
    const client = sim.clients[0]
    if (client === undefined) throw new Error("no seeded client")
    const storePath = join(root, "token.json")
    const config = workerConfig(sim, client, storePath, { callers: CALLERS, waveGapMs: 20 })
    const started = Date.now()
    for (let i = 0; i < PROCESSES; i++) workers.push(startWorker(workerSource, "waves", config))
    await until(() => sim.stats().refreshes >= GENERATIONS, 240_000)
    for (const worker of workers) worker.send("stop")
    const summaries = await Promise.all(
      workers.map(async (worker) => JSON.parse(await worker.line((l) => l.startsWith("{"))) as Summary),
    )
    // The workers end by themselves once stdin is closed: the closed clients hold no timer or handle.
    const exits = await Promise.all(workers.map((w) => w.exited))
    assert.deepStrictEqual(
      exits.map((e) => e.code),
      workers.map(() => 0),
    )
    const wall = Date.now() - started

    const stats = sim.stats()
    const distinct = new Set(summaries.flatMap((s) => s.tokens))
    const stored = await Effect.runPromise(Effect.flatMap(fileStore(storePath), (s) => s.load))
    console.log(
      `[multiprocess] ${stats.refreshes} refreshes, ${stats.tokenRequests} token requests, ${distinct.size} distinct access tokens, ` +
        `store generation ${stored?.generation}, ${summaries.reduce((n, s) => n + s.calls, 0)} get calls, wall ${wall} ms`,
    )

    assert.isAtLeast(stats.refreshes, GENERATIONS)
    assert.deepStrictEqual(stats.errors, {})
    assert.strictEqual(stats.failures, 0)
    // Exactly one request per token generation, across all processes.
    assert.strictEqual(stats.tokenRequests, stats.refreshes)
    assert.strictEqual(distinct.size, stats.refreshes)
    assert.strictEqual(stored?.generation, stats.refreshes)
    assert.strictEqual(
      summaries.reduce((n, s) => n + s.refreshCount, 0),
      stats.refreshes,
    )
    assert.strictEqual(
      summaries.reduce((n, s) => n + s.sent, 0),
      stats.refreshes,
    )
    for (const summary of summaries) {
      assert.deepStrictEqual(summary.failures, {})
      assert.strictEqual(summary.expiredServed, 0)
      // Every process moved on with the generations (it adopted what the others refreshed: a process
      // that did not would have sent token requests of its own, counted above). How many of the
      // generations one process saw depends on how often the machine let it run, so only "more than
      // one" is asserted.
      assert.isAtLeast(summary.tokens.length, 2)
    }
    // More than one process did refresh: the lock was really contended.
    assert.isAtLeast(summaries.filter((s) => s.refreshCount > 0).length, 2)
  }, 300_000)
})
