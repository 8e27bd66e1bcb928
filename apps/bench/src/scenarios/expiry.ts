/**
 * Scenario 2, expiry under load: every library holds an expired access token, then 1,000 callers ask
 * for one at the same moment. Counts the token requests each library sends (the simulator's stats),
 * and how many callers got a token: with a rotating refresh token, every extra request fails.
 */

import { setTimeout as sleep } from "node:timers/promises"
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import { allCached, CACHED } from "../contenders/cached.ts"
import { newEndpoint } from "../endpoint.ts"
import { type Cell, type ScenarioResult, target } from "../result.ts"
import type { Settings } from "../settings.ts"

const OURS = CACHED[1]
const LIFETIME_SECONDS = 1

interface Tally {
  requests: number[]
  served: number[]
  failed: number[]
  errors: Set<string>
}

const reasonOf = (error: unknown): string => {
  const e = error as { _tag?: unknown; code?: unknown; message?: unknown }
  const text =
    typeof e?._tag === "string" ? e._tag : typeof e?.code === "string" ? e.code : String(e?.message ?? error)
  return text.replace(/[A-Za-z0-9_-]{24,}/g, "…").slice(0, 60)
}

/** Runs the expiry-under-load scenario. */
export const expiry = async (settings: Settings): Promise<ScenarioResult> => {
  const sim = await startSimulator({ accessTokenLifetime: LIFETIME_SECONDS })
  const contenders = await allCached(() => newEndpoint(sim))
  const tallies = new Map<string, Tally>(
    contenders.map((c) => [c.name, { requests: [], served: [], failed: [], errors: new Set() }]),
  )
  try {
    for (const c of contenders) await c.get().catch(() => undefined)
    for (let r = 0; r < settings.expiry.rounds; r++) {
      await sleep(LIFETIME_SECONDS * 1000 + 200)
      for (const c of contenders) {
        const tally = tallies.get(c.name) as Tally
        const before = sim.stats().tokenRequests
        const outcomes = await Promise.allSettled(
          Array.from({ length: settings.expiry.callers }, () => c.get()),
        )
        tally.requests.push(sim.stats().tokenRequests - before)
        tally.served.push(outcomes.filter((o) => o.status === "fulfilled").length)
        tally.failed.push(outcomes.filter((o) => o.status === "rejected").length)
        for (const o of outcomes) if (o.status === "rejected") tally.errors.add(reasonOf(o.reason))
      }
    }
    const join = (xs: number[]): string => xs.join(", ")
    const rows = contenders.map((c): Record<string, Cell> => {
      const t = tallies.get(c.name) as Tally
      return {
        contender: c.name,
        "token requests (per round)": join(t.requests),
        "callers served": join(t.served),
        "callers failed": join(t.failed),
        failure: [...t.errors].join("; ") || "",
      }
    })
    const ours = tallies.get(OURS) as Tally
    const worst = Math.max(...ours.requests)
    return {
      id: "expiry",
      title: `2. Expiry under load: ${settings.expiry.callers} concurrent callers, expired token`,
      columns: ["contender", "token requests (per round)", "callers served", "callers failed", "failure"],
      rows,
      targets: [
        target(
          "our token requests per expiry",
          worst,
          "exactly 1",
          (v) => v === 1 && ours.requests.every((n) => n === 1),
          `per round: ${join(ours.requests)}; callers served: ${join(ours.served)}`,
        ),
      ],
      facts: {
        callers: settings.expiry.callers,
        rounds: settings.expiry.rounds,
        oursRequestsMax: worst,
        oursRequestsMin: Math.min(...ours.requests),
        oursServedMin: Math.min(...ours.served),
        naiveRequestsMax: Math.max(...(tallies.get(CACHED[0]) as Tally).requests),
      },
      notes: [
        `The simulator issues ${LIFETIME_SECONDS}-second access tokens and rotates the refresh token on every refresh (no grace period): a second request with the same refresh token gets invalid_grant.`,
        "Each library first gets a token, then waits past its expiry; the 1,000 calls start in the same tick.",
      ],
    }
  } finally {
    for (const c of contenders) await c.close()
    await sim.close()
  }
}
