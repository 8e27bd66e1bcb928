/**
 * Same-process comparison of two builds of core: `node src/sameProcess.ts <old dist/index.mjs>`.
 * Our Promise client's `refresh()` from the given build ("old") and from this workspace's build ("new")
 * run interleaved with plain fetch and, unless `PEERS=0`, the peers of scenario 3.
 *
 * The contender that runs right after the other one finds effect's code (shared by both builds) and
 * the simulator's warm: with one order rotated by the round, that alone made identical builds differ by
 * 14-32 µs. The rounds' order is now balanced (interleave.ts: each contender follows every other one
 * equally often), and the rounds still run in two halves, old listed before new and new before old,
 * as a check that the list's order does not matter; the difference reported is the mean of the two
 * halves' differences. `ROUNDS` (default 800) is the total of both halves.
 */
import { loadavg } from "node:os"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import * as newCore from "@tangoe-token/core"
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import { allRefreshers, oursRefresh, plainFetch, type Refresher } from "./contenders/refreshers.ts"
import { newEndpoint } from "./endpoint.ts"
import { latency } from "./interleave.ts"
import { summarize } from "./stats.ts"

type Core = typeof newCore

const oldPath = process.argv[2]
if (oldPath === undefined)
  throw new Error("usage: node src/sameProcess.ts <path to the old build's index.mjs>")
const oldCore = (await import(pathToFileURL(resolve(oldPath)).href)) as Core

const peers = process.env.PEERS !== "0"
const rounds = Number(process.env.ROUNDS ?? 800)
const sim = await startSimulator()
const next = () => newEndpoint(sim)
const base = peers
  ? allRefreshers(next).filter((r) => r.name !== "@tangoe-token/core (Promise)")
  : [plainFetch(next())]
const old = oursRefresh(next(), { name: "old", createTokenClient: oldCore.createTokenClient })
const fresh = oursRefresh(next(), { name: "new", createTokenClient: newCore.createTokenClient })

const medianOf = (samples: Map<string, number[]>, name: string): number =>
  summarize(samples.get(name) ?? []).median * 1000

const half = async (pair: ReadonlyArray<Refresher>) => {
  const samples = await latency([...base, ...pair], { warmup: 50, rounds: Math.ceil(rounds / 2) })
  const plain = medianOf(samples, "plain fetch")
  return { plain, old: medianOf(samples, "old"), new: medianOf(samples, "new") }
}

const halves = [
  { order: "old before new", ...(await half([old, fresh])) },
  { order: "new before old", ...(await half([fresh, old])) },
]
for (const h of halves) {
  console.log(
    `${h.order}: plain fetch ${h.plain.toFixed(1)} µs, old ${h.old.toFixed(1)} (${(h.old / h.plain).toFixed(3)}x), new ${h.new.toFixed(1)} (${(h.new / h.plain).toFixed(3)}x), new - old ${(h.new - h.old).toFixed(1)} µs`,
  )
}
const diff = halves.reduce((sum, h) => sum + (h.new - h.old), 0) / halves.length
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(" ")
console.log(
  `peers=${peers} rounds=${rounds}: new - old ${diff.toFixed(1)} µs (mean of both orders); load ${load}`,
)
for (const c of [...base, old, fresh]) await c.close()
await sim.close()
