/**
 * Runs `pnpm bench --quick` end to end (one real process, every scenario against a real simulator)
 * and checks the output's shape and the correctness facts. Never a timing or a ratio: the machine is
 * shared and noisy; the figures are for the README, not for CI.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CACHED } from "../src/contenders/cached.ts"
import type { MachineInfo } from "../src/machine.ts"
import type { ScenarioResult } from "../src/result.ts"
import { type ChildProcessError, runNode } from "../src/runNode.ts"

const main = join(import.meta.dirname, "..", "src", "main.ts")
const IDS = [
  "hotPath",
  "expiry",
  "roundTrip",
  "footprint",
  "outage",
  "cliStartup",
  "scale",
  "breakdown",
  "tls",
]

interface Report {
  readonly mode: string
  readonly startedAt: string
  readonly machine: { readonly start: MachineInfo; readonly end: MachineInfo }
  readonly results: ReadonlyArray<ScenarioResult>
}

let dir = ""
let report: Report
let markdown = ""
const byId = (id: string): ScenarioResult => {
  const found = report.results.find((r) => r.id === id)
  if (found === undefined) throw new Error(`no result ${id}`)
  return found
}

/**
 * Alone on an idle 2-core machine the quick run takes about 30 s. Under a second CI run on the same
 * 2 cores it can take many times that, so the bound is generous: it only turns a hang into a failure
 * that says it timed out (and shows the output so far), never a verdict on speed.
 */
const QUICK_BOUND_MILLIS = 10 * 60_000

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tangoe-bench-test-"))
  const out = join(dir, "quick.json")
  const { stdout } = await runNode([main, "--quick", "--out", out], {
    what: "bench --quick",
    boundMillis: QUICK_BOUND_MILLIS,
  })
  markdown = stdout
  report = JSON.parse(await readFile(out, "utf8")) as Report
}, QUICK_BOUND_MILLIS + 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("bench --quick: shape", () => {
  it("runs every scenario once, in order, in quick mode, with the machine described", () => {
    expect(report.mode).toBe("quick")
    expect(report.results.map((r) => r.id)).toEqual(IDS)
    expect(report.machine.start.cores).toBeGreaterThan(0)
    expect(report.machine.start.node).toMatch(/^v\d+/)
    expect(report.machine.end.loadAverage).toHaveLength(3)
  })

  it("gives every row every column and every target a limit and a verdict", () => {
    for (const r of report.results) {
      expect(r.columns.length, r.id).toBeGreaterThan(0)
      expect(r.rows.length, r.id).toBeGreaterThan(0)
      for (const row of r.rows) expect(Object.keys(row).sort(), r.id).toEqual([...r.columns].sort())
      expect(r.targets.length, r.id).toBeGreaterThan(0)
      for (const t of r.targets) {
        expect(t.limit.length).toBeGreaterThan(0)
        expect([true, false, null]).toContain(t.holds)
        expect(t.value === null || typeof t.value === "number").toBe(true)
      }
    }
  })

  it("prints a Markdown report: the targets table and one table per scenario", () => {
    expect(markdown).toContain("## Targets")
    expect(markdown).toContain("| scenario | target | limit | measured | verdict | detail |")
    for (const r of report.results) expect(markdown).toContain(`## ${r.title}`)
  })
})

describe("bench --quick: correctness facts", () => {
  it("hot path: every contender measured, and no token request sent while measuring", () => {
    const r = byId("hotPath")
    expect(r.rows.map((row) => row.contender)).toEqual([...CACHED])
    for (const row of r.rows) expect(row["median ops/s"]).toBeGreaterThan(0)
    expect(r.facts.tokenRequestsDuringMeasurement).toBe(0)
  })

  it("expiry: our client sent exactly 1 token request for 1,000 concurrent callers and served them all", () => {
    const r = byId("expiry")
    expect(r.facts.callers).toBe(1000)
    expect(r.facts.oursRequestsMax).toBe(1)
    expect(r.facts.oursRequestsMin).toBe(1)
    expect(r.facts.oursServedMin).toBe(1000)
    const effect = r.rows.find((row) => row.contender === "@tangoe-token/core (Effect)")
    expect(effect?.["token requests (per round)"]).toBe("1")
    expect(effect?.["callers served"]).toBe("1000")
  })

  it("expiry: the scenario sees a stampede when there is one (the naive cache sends one request per caller)", () => {
    // Many requests for one expiry (1,000 callers; a starved machine can let a few arrive after the
    // first answer was cached): the scenario can see a stampede, so its "1 request" for ours means something.
    expect(byId("expiry").facts.naiveRequestsMax).toBeGreaterThan(500)
  })

  it("round trip: every refresh of every library reached the simulator and rotated", () => {
    const f = byId("roundTrip").facts
    expect(f.tokenRequests).toBe(f.refreshesExpected)
    expect(f.successfulRotations).toBe(f.refreshesExpected)
    expect(f.failures).toBe(0)
  })

  it("breakdown: every phase of our refresh was measured in every round", () => {
    const f = byId("breakdown").facts
    expect(f.phasesMeasured).toBe(7)
    expect(f.samplesPerPhase).toBeGreaterThan(0)
  })

  it("tls: every refresh over HTTPS rotated, and ours reused its connection", () => {
    const f = byId("tls").facts
    expect(f.tokenRequests).toBe(f.refreshesExpected)
    expect(f.successfulRotations).toBe(f.refreshesExpected)
    expect(f.ourFailures).toBe(0)
    expect(f.ourHandshakes).toBeLessThanOrEqual(1)
  })

  it("footprint: the n8n package has no runtime dependency and every module loaded", () => {
    const r = byId("footprint")
    expect(r.facts.n8nDependencies).toBe(0)
    expect(r.facts.n8nBundleBytes).toBeGreaterThan(0)
    expect(r.rows).toHaveLength(r.facts.modulesMeasured as number)
    for (const row of r.rows) expect(row["median load ms"]).toBeGreaterThan(0)
  })

  it("outage: the client saw the outage and served a token after recovery, in both variants", () => {
    const r = byId("outage")
    expect(r.facts.allServed).toBe(true)
    expect(r.facts.minRequestsDuringOutage).toBeGreaterThanOrEqual(1)
    expect(r.rows).toHaveLength(2)
  })

  it("CLI: `tangoe-token token` printed a live token from its store and sent no token request", () => {
    const f = byId("cliStartup").facts
    expect(f.tokenFailures).toBe(0)
    expect(f.printedValidToken).toBe(true)
    expect(f.tokenRequestsDuringRuns).toBe(0)
  })

  it("scale: 1,000 clients (and the warm-up one) each got a token with one request each, keep-warm is scheduled, close() clears every timer", () => {
    const f = byId("scale").facts
    expect(f.clients).toBe(1000)
    expect(f.served).toBe(1000)
    expect(f.tokenRequests).toBe(1001)
    expect(f.timersWithClients).toBeGreaterThan(0)
    expect(f.timersAfterClose).toBe(0)
  })
})

describe("bench: arguments", () => {
  it("refuses an unknown scenario with exit code 2 and the list of known ones", {
    timeout: 6 * 60_000,
  }, async () => {
    const error = await runNode([main, "--quick", "--only", "nope"], {
      what: "bench --only nope",
      boundMillis: 5 * 60_000,
    }).then(
      () => undefined,
      (e: unknown) => e as ChildProcessError,
    )
    if (error?.failure.reason === "timeout") throw error
    const failure = error?.failure
    expect(failure?.code).toBe(2)
    expect(failure?.stderr).toContain("unknown scenario nope")
    expect(failure?.stderr).toContain("hotPath")
  })
})
