/**
 * Scenario 3, refresh round trip: the latency of one refresh against the simulator on loopback, for
 * each library, against plain `fetch` sending the same POST. Interleaved, one refresh per turn.
 */
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import { allRefreshers } from "../contenders/refreshers.ts"
import { newEndpoint } from "../endpoint.ts"
import { latency } from "../interleave.ts"
import { round, type ScenarioResult, target } from "../result.ts"
import type { Settings } from "../settings.ts"
import { ratio, summarize } from "../stats.ts"

const OURS = "@tangoe-token/core (Promise)"

/** Runs the round-trip scenario. */
export const roundTrip = async (settings: Settings): Promise<ScenarioResult> => {
  const sim = await startSimulator()
  const contenders = allRefreshers(() => newEndpoint(sim))
  try {
    const before = sim.stats()
    const samples = await latency(contenders, settings.roundTrip)
    const after = sim.stats()
    const plain = summarize(samples.get("plain fetch") ?? []).median
    const rows = contenders.map((c) => {
      const s = summarize(samples.get(c.name) ?? [])
      return {
        contender: c.name,
        "median ms": round(s.median),
        "min ms": round(s.min),
        "max ms": round(s.max),
        "x plain fetch": round(ratio(s.median, plain) ?? Number.NaN),
      }
    })
    const oursMedian = summarize(samples.get(OURS) ?? []).median
    const vsPlain = ratio(oursMedian, plain)
    const peers = contenders
      .map((c) => c.name)
      .filter((name) => name !== OURS && name !== "plain fetch")
      .map((name) => ({ name, median: summarize(samples.get(name) ?? []).median }))
    const best = peers.reduce((a, b) => (b.median < a.median ? b : a))
    const vsBest = ratio(oursMedian, best.median)
    const expected = contenders.length * (settings.roundTrip.warmup + settings.roundTrip.rounds)
    return {
      id: "roundTrip",
      title: "3. Refresh round trip: one refresh against the simulator (loopback)",
      columns: ["contender", "median ms", "min ms", "max ms", "x plain fetch"],
      rows,
      targets: [
        target(
          "ours vs plain fetch",
          vsPlain === null ? null : round(vsPlain),
          "<= 1.20x",
          (v) => v <= 1.2,
          `${round(oursMedian)} ms vs ${round(plain)} ms (medians of ${settings.roundTrip.rounds})`,
        ),
        target(
          "ours vs fastest peer",
          vsBest === null ? null : round(vsBest),
          "< 1.0x",
          (v) => v < 1,
          `fastest peer: ${best.name} at ${round(best.median)} ms`,
        ),
      ],
      facts: {
        refreshesExpected: expected,
        tokenRequests: after.tokenRequests - before.tokenRequests,
        successfulRotations: after.refreshes - before.refreshes,
        failures: after.failures - before.failures,
      },
      notes: [
        "Every contender keeps the rotated refresh token for its next refresh; a lost rotation would fail the run (invalid_grant).",
        "Ours includes validating the response and the write-ahead save of the rotated token to its (memory) store.",
      ],
    }
  } finally {
    for (const c of contenders) await c.close()
    await sim.close()
  }
}
