/**
 * Scenario 5, outage recovery: the token endpoint answers 503 (one run with `Retry-After`, one
 * without) for a while, then recovers. Our client (default rotation-safe retry) is asked for a token
 * when the outage starts; measured: the requests it sends during the outage and the time from
 * recovery to the token being served. The two runs use separate simulators and run at once.
 */
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { type Fault, startSimulator } from "@tangoe-token/pingfederate-sim"
import { oursPromise } from "../contenders/cached.ts"
import { newEndpoint } from "../endpoint.ts"
import { type Cell, round, type ScenarioResult, type Target, target } from "../result.ts"
import type { Settings } from "../settings.ts"

/** More 503s than any client could send during the outage; cleared at recovery. */
const QUEUED_FAULTS = 10_000
const MAX_REQUESTS = 12

interface Run {
  readonly variant: string
  readonly retryAfterSeconds: number | null
  readonly requestsDuringOutage: number
  readonly recoveryMs: number | null
  readonly served: boolean
  readonly error: string | null
}

const once = async (outageMs: number, retryAfterSeconds: number | null): Promise<Run> => {
  const sim = await startSimulator()
  const client = oursPromise(newEndpoint(sim))
  try {
    const fault: Fault =
      retryAfterSeconds === null
        ? { kind: "status", status: 503 }
        : { kind: "status", status: 503, retryAfter: retryAfterSeconds }
    sim.injectFaults(...Array.from({ length: QUEUED_FAULTS }, () => fault))
    let servedAt: number | undefined
    let error: string | null = null
    const pending = client.get().then(
      () => {
        servedAt = performance.now()
      },
      (e: unknown) => {
        error = (e as { _tag?: string })._tag ?? "Error"
      },
    )
    // The outage lasts `outageMs` from the client's first request (an event, so that a slow start on
    // a busy machine cannot end the outage before the client saw it).
    while (sim.stats().tokenRequests === 0 && error === null && servedAt === undefined) await sleep(5)
    await sleep(outageMs)
    const requestsDuringOutage = sim.stats().tokenRequests
    sim.clearFaults()
    const recoveredAt = performance.now()
    await pending
    return {
      variant:
        retryAfterSeconds === null ? "503 without Retry-After" : `503 with Retry-After: ${retryAfterSeconds}`,
      retryAfterSeconds,
      requestsDuringOutage,
      recoveryMs: servedAt === undefined ? null : Math.max(0, servedAt - recoveredAt),
      served: servedAt !== undefined,
      error,
    }
  } finally {
    await client.close()
    await sim.close()
  }
}

/** Runs the outage-recovery scenario. */
export const outage = async (settings: Settings): Promise<ScenarioResult> => {
  const { outageMs, retryAfterSeconds } = settings.outage
  const runs = await Promise.all([once(outageMs, retryAfterSeconds), once(outageMs, null)])
  const rows = runs.map(
    (r): Record<string, Cell> => ({
      variant: r.variant,
      "requests during outage": r.requestsDuringOutage,
      "recovery to token ms": r.recoveryMs === null ? null : round(r.recoveryMs),
      served: r.served,
      error: r.error ?? "",
    }),
  )
  const targets: Target[] = runs.flatMap((r) => {
    // With Retry-After: within 1 s of the time the server gave; without: within 3 s of recovery.
    const allowance = r.retryAfterSeconds === null ? 3000 : r.retryAfterSeconds * 1000 + 1000
    return [
      target(
        `${r.variant}: recovery to first token`,
        r.recoveryMs === null ? null : round(r.recoveryMs),
        r.retryAfterSeconds === null ? `<= ${allowance} ms` : `< ${allowance} ms (1 s beyond Retry-After)`,
        (v) => (r.retryAfterSeconds === null ? v <= allowance : v < allowance),
        `outage ${outageMs / 1000} s; served: ${r.served}`,
      ),
      target(
        `${r.variant}: requests during outage`,
        r.requestsDuringOutage,
        `<= ${MAX_REQUESTS}`,
        (v) => v <= MAX_REQUESTS,
        `over ${outageMs / 1000} s`,
      ),
    ]
  })
  return {
    id: "outage",
    title: `5. Outage recovery: 503 for ${outageMs / 1000} s, then recovery`,
    columns: ["variant", "requests during outage", "recovery to token ms", "served", "error"],
    rows,
    targets,
    facts: {
      outageMs,
      allServed: runs.every((r) => r.served),
      minRequestsDuringOutage: Math.min(...runs.map((r) => r.requestsDuringOutage)),
    },
    notes: [
      "The simulator's fault queue holds 10,000 503 answers from the start of the outage and is cleared at recovery.",
      "Our client uses its default retry policy (the one users get); the peers have no retry of their own for the token call and are not shown.",
    ],
  }
}
