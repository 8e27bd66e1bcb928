/**
 * The scale probe, run by scenario 7 as `node --expose-gc src/scale/child.ts <input.json>`: creates
 * one token client per Tangoe client with keep-warm on, waits until every one holds a token, and
 * prints (one JSON line) memory per client after GC, the live resources, and the CPU used while
 * idle against an idle window of the same length before the clients existed.
 *
 * The input's first client is a warm-up: it loads what every process pays once (fetch, the Effect
 * runtime) before the baseline, so that the deltas are the marginal cost of a client. Idle CPU is
 * measured once the keep-alive sockets of the refreshes have closed (undici closing 1,000 sockets is
 * fetch's cost, not the clients') and after a short settling pause.
 */

import { readFileSync } from "node:fs"
import { setTimeout as sleep } from "node:timers/promises"
import { createTokenClient, type TokenClient } from "@tangoe-token/core"
import { liveTimers, openSockets } from "./tracking.ts"

interface Input {
  readonly tokenUrl: string
  readonly idleMs: number
  readonly clients: ReadonlyArray<{
    clientId: string
    clientSecret: string
    scope: string
    refreshToken: string
  }>
}

const SETTLE_MS = 1000
const SOCKETS_DEADLINE_MS = 20_000

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error("run with --expose-gc")
const collect = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) {
    gc()
    await sleep(20)
  }
}

const resources = (): Record<string, number> => {
  const out: Record<string, number> = { "live timers": liveTimers(), "open sockets": openSockets() }
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1
  return out
}

/** CPU (user + system, every thread of the process) over `ms` of idling, in five equal slices. */
const idleCpuMs = async (ms: number): Promise<number[]> => {
  const slices: number[] = []
  for (let i = 0; i < 5; i++) {
    const start = process.cpuUsage()
    await sleep(ms / 5)
    const used = process.cpuUsage(start)
    slices.push((used.user + used.system) / 1000)
  }
  return slices
}

const waitForSockets = async (): Promise<void> => {
  const deadline = Date.now() + SOCKETS_DEADLINE_MS
  while (openSockets() > 0 && Date.now() < deadline) await sleep(100)
  await sleep(SETTLE_MS)
}

const input = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as Input
const [warmupClient, ...measured] = input.clients
if (warmupClient === undefined) throw new Error("the input names no client")
const clientOf = (c: Input["clients"][number]): TokenClient =>
  createTokenClient({
    environment: { tokenUrl: input.tokenUrl },
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    scope: c.scope,
    refreshToken: c.refreshToken,
    keepWarm: true,
  })

const warmup = clientOf(warmupClient)
await warmup.getAccessToken()
await waitForSockets()
await collect()
const resourcesBefore = resources()
const baselineCpuMs = await idleCpuMs(input.idleMs)
await collect()
const before = process.memoryUsage()

let clients: TokenClient[] = measured.map(clientOf)
// A bound on a hang, not on speed: a loaded 2-core machine can take minutes (the parent's bound is 8 min).
const deadline = Date.now() + 6 * 60_000
while (clients.some((c) => c.status().state !== "valid") && Date.now() < deadline) await sleep(50)
const served = clients.filter((c) => c.status().state === "valid").length
await waitForSockets()
await collect()
const after = process.memoryUsage()
const resourcesAfter = resources()
const clientsCpuMs = await idleCpuMs(input.idleMs)

await Promise.all([...clients, warmup].map((c) => c.close()))
clients = []
await collect()
const resourcesClosed = resources()

const n = measured.length
process.stdout.write(
  `${JSON.stringify({
    clients: n,
    served,
    heapPerClientBytes: (after.heapUsed - before.heapUsed) / n,
    rssPerClientBytes: (after.rss - before.rss) / n,
    externalPerClientBytes: (after.external - before.external) / n,
    resourcesBefore,
    resourcesAfter,
    resourcesClosed,
    idleMs: input.idleMs,
    baselineCpuMs,
    clientsCpuMs,
  })}\n`,
)
