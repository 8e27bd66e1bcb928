/**
 * Scenario 7, scale in one process: 1,000 token clients (one per Tangoe client) with keep-warm on.
 * The probe runs in a child process with `--expose-gc` (src/scale/child.ts) so that nothing of the
 * benchmark or the simulator counts; the simulator stays in this process and serves it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import { round, type ScenarioResult, target } from "../result.ts"
import { runNode } from "../runNode.ts"
import type { Settings } from "../settings.ts"

/** Bound on the probe's run (about 10 s alone; generous for a loaded machine). */
const PROBE_BOUND_MILLIS = 8 * 60_000
const childPath = join(import.meta.dirname, "..", "scale", "child.ts")

/** What the probe prints. */
export interface ScaleProbe {
  readonly clients: number
  readonly served: number
  readonly heapPerClientBytes: number
  readonly rssPerClientBytes: number
  readonly externalPerClientBytes: number
  readonly resourcesBefore: Record<string, number>
  readonly resourcesAfter: Record<string, number>
  readonly resourcesClosed: Record<string, number>
  readonly idleMs: number
  /** Five equal slices of the idle window. */
  readonly baselineCpuMs: ReadonlyArray<number>
  readonly clientsCpuMs: ReadonlyArray<number>
}

const LIMIT_BYTES = 20_000
/** "No measurable idle CPU": at most this share of one core above the idle baseline. */
const IDLE_CPU_SHARE = 0.002

const describe = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none"

/** Runs the scale scenario. */
export const scale = async (settings: Settings): Promise<ScenarioResult> => {
  const sim = await startSimulator({ clients: [] })
  const dir = await mkdtemp(join(tmpdir(), "tangoe-bench-scale-"))
  try {
    // One more than measured: the probe's warm-up client.
    const clients = Array.from({ length: settings.scale.clients + 1 }, () => sim.addClient())
    const input = join(dir, "input.json")
    await writeFile(
      input,
      JSON.stringify({ tokenUrl: sim.tokenUrl, idleMs: settings.scale.idleMs, clients }),
      { mode: 0o600 },
    )
    const { stdout } = await runNode(["--expose-gc", childPath, input], {
      what: "the scale probe",
      boundMillis: PROBE_BOUND_MILLIS,
    })
    const probe = JSON.parse(stdout.trim().split("\n").pop() ?? "") as ScaleProbe
    const stats = sim.stats()
    const timers = (c: Record<string, number>): number => c["live timers"] ?? 0
    const sum = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0)
    const slices = (xs: ReadonlyArray<number>): string => xs.map((x) => round(x)).join(" / ")
    const baselineCpuMs = sum(probe.baselineCpuMs)
    const clientsCpuMs = sum(probe.clientsCpuMs)
    const extraCpuMs = clientsCpuMs - baselineCpuMs
    const cpuLimitMs = probe.idleMs * IDLE_CPU_SHARE
    return {
      id: "scale",
      title: `7. Scale: ${probe.clients} token clients with keep-warm in one process`,
      columns: ["measure", "value"],
      rows: [
        { measure: "heap per client (after GC)", value: `${round(probe.heapPerClientBytes / 1000)} kB` },
        { measure: "RSS per client (after GC)", value: `${round(probe.rssPerClientBytes / 1000)} kB` },
        { measure: "active resources before", value: describe(probe.resourcesBefore) },
        { measure: "active resources with the clients", value: describe(probe.resourcesAfter) },
        { measure: "active resources after close()", value: describe(probe.resourcesClosed) },
        {
          measure: `CPU over ${probe.idleMs / 1000} s idle, before the clients`,
          value: `${round(baselineCpuMs)} ms (slices: ${slices(probe.baselineCpuMs)})`,
        },
        {
          measure: `CPU over ${probe.idleMs / 1000} s idle, with the clients`,
          value: `${round(clientsCpuMs)} ms (slices: ${slices(probe.clientsCpuMs)})`,
        },
        { measure: "token requests (one per client, warm-up client included)", value: stats.tokenRequests },
      ],
      targets: [
        target(
          "heap per client",
          round(probe.heapPerClientBytes / 1000),
          "< 20 kB",
          (v) => v * 1000 < LIMIT_BYTES,
          `RSS per client ${round(probe.rssPerClientBytes / 1000)} kB`,
        ),
        target(
          "idle CPU with the clients, above baseline",
          round(extraCpuMs),
          `<= ${cpuLimitMs} ms (0.2% of a core)`,
          (v) => v <= cpuLimitMs,
          `${round(clientsCpuMs)} ms vs ${round(baselineCpuMs)} ms baseline over ${probe.idleMs / 1000} s`,
        ),
      ],
      facts: {
        clients: probe.clients,
        served: probe.served,
        tokenRequests: stats.tokenRequests,
        timersBefore: timers(probe.resourcesBefore),
        timersWithClients: timers(probe.resourcesAfter),
        timersAfterClose: timers(probe.resourcesClosed),
      },
      notes: [
        "Memory deltas are taken after three forced GCs, between a baseline (after one warm-up client got its token, so fetch and the Effect runtime are loaded) and the moment every measured client holds a token; the simulator runs in the parent process.",
        "Resources are process.getActiveResourcesInfo() (ref'd handles only) plus 'live timers' (every setTimeout/setInterval outside fetch not yet fired or cleared, counted by wrapping the globals: keep-warm timers are unref'd, so Node's list leaves them out) and 'open sockets'.",
        "Memory and idle CPU are measured once the keep-alive sockets of the refreshes have closed (counted through the net.client.socket diagnostics channel: fetch unrefs them, so Node's list leaves them out), plus 1 s of settling: closing 1,000 sockets costs fetch about 50 ms of CPU, which is not the clients' idle cost.",
        "RSS per client is the high-water mark of 1,000 refreshes in flight at once (freed heap is not returned to the OS); the heap delta is what the clients keep.",
      ],
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
    await sim.close()
  }
}
