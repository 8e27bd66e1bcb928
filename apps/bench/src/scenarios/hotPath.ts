/**
 * Scenario 1, hot path: a valid cached token, `await client.getAccessToken()` in a loop. Throughput
 * of each library against the hand-written async cache, interleaved.
 */
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import { allCached, CACHED } from "../contenders/cached.ts"
import { newEndpoint } from "../endpoint.ts"
import { throughput } from "../interleave.ts"
import { round, type ScenarioResult, target } from "../result.ts"
import type { Settings } from "../settings.ts"
import { ratio, summarize } from "../stats.ts"

const [NAIVE, OURS, EFFECT, GOOGLE, BADGATEWAY, SIMPLE] = CACHED

/** Runs the hot-path scenario. */
export const hotPath = async (settings: Settings): Promise<ScenarioResult> => {
  const sim = await startSimulator()
  const contenders = await allCached(() => newEndpoint(sim))
  try {
    for (const c of contenders) await c.get()
    const requestsBefore = sim.stats().tokenRequests
    const samples = await throughput(contenders, settings.hotPath)
    const requestsDuring = sim.stats().tokenRequests - requestsBefore
    const medians = new Map([...samples].map(([name, s]) => [name, summarize(s)]))
    const naive = medians.get(NAIVE)?.median ?? Number.NaN
    const ours = medians.get(OURS)?.median ?? Number.NaN
    const rows = contenders.map((c) => {
      const s = summarize(samples.get(c.name) ?? [])
      return {
        contender: c.name,
        "median ops/s": round(s.median),
        "min ops/s": round(s.min),
        "max ops/s": round(s.max),
        "x naive": round(ratio(s.median, naive) ?? Number.NaN),
      }
    })
    const peers = [GOOGLE, BADGATEWAY, SIMPLE].map((name) => ({
      name,
      median: medians.get(name)?.median ?? Number.NaN,
    }))
    const best = peers.reduce((a, b) => (b.median > a.median ? b : a))
    const vsNaive = ratio(ours, naive)
    const effect = medians.get(EFFECT)?.median ?? Number.NaN
    const effectVsNaive = ratio(effect, naive)
    const vsBest = ratio(ours, best.median)
    return {
      id: "hotPath",
      title: "1. Hot path: `await getAccessToken()` with a valid cached token",
      columns: ["contender", "median ops/s", "min ops/s", "max ops/s", "x naive"],
      rows,
      targets: [
        target(
          "ours vs naive async cache",
          vsNaive === null ? null : round(vsNaive),
          ">= 0.9x",
          (v) => v >= 0.9,
          `${round(ours)} vs ${round(naive)} ops/s (medians of ${settings.hotPath.rounds} interleaved batches of ${settings.hotPath.batch})`,
        ),
        target(
          "ours vs fastest peer",
          vsBest === null ? null : round(vsBest),
          "> 1.0x",
          (v) => v > 1,
          `fastest peer: ${best.name} at ${round(best.median)} ops/s`,
        ),
        target(
          "Effect `yield* manager.get` vs naive async cache",
          effectVsNaive === null ? null : round(effectVsNaive),
          ">= 0.6x",
          (v) => v >= 0.6,
          `${round(effect)} vs ${round(naive)} ops/s (n \`yield* manager.get\` in one fiber per batch)`,
        ),
      ],
      facts: {
        tokenRequestsDuringMeasurement: requestsDuring,
        contenders: contenders.length,
        samplesPerContender: settings.hotPath.rounds,
      },
      notes: [
        "Each batch is n sequential awaits of the library's own getter; every library holds a valid token, so no request is sent.",
        "The Effect row runs `yield* manager.get` n times inside one fiber (what an Effect program pays).",
        "simple-oauth2 has no cache of its own: its row is `if (token.expired()) token = await token.refresh()` in an async function.",
      ],
    }
  } finally {
    for (const c of contenders) await c.close()
    await sim.close()
  }
}
