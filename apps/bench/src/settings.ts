/**
 * Iteration counts of each scenario in quick mode (CI: proves the scenario works) and full mode
 * (the published figures).
 */
import type { Mode } from "./result.ts"

/** Every scenario's knobs. */
export interface Settings {
  readonly mode: Mode
  readonly hotPath: { readonly warmup: number; readonly rounds: number; readonly batch: number }
  readonly expiry: { readonly callers: number; readonly rounds: number }
  readonly roundTrip: { readonly warmup: number; readonly rounds: number }
  readonly footprint: { readonly runs: number }
  readonly outage: { readonly outageMs: number; readonly retryAfterSeconds: number }
  readonly cli: { readonly warmup: number; readonly runs: number }
  readonly scale: { readonly clients: number; readonly idleMs: number }
  readonly breakdown: { readonly warmup: number; readonly rounds: number; readonly batch: number }
  readonly tls: { readonly warmup: number; readonly rounds: number }
}

const FULL: Settings = {
  mode: "full",
  hotPath: { warmup: 5, rounds: 30, batch: 200_000 },
  expiry: { callers: 1000, rounds: 5 },
  roundTrip: { warmup: 20, rounds: 300 },
  footprint: { runs: 10 },
  outage: { outageMs: 30_000, retryAfterSeconds: 5 },
  cli: { warmup: 2, runs: 20 },
  scale: { clients: 1000, idleMs: 5000 },
  breakdown: { warmup: 50, rounds: 1000, batch: 20_000 },
  tls: { warmup: 20, rounds: 300 },
}

const QUICK: Settings = {
  mode: "quick",
  hotPath: { warmup: 1, rounds: 3, batch: 2000 },
  expiry: { callers: 1000, rounds: 1 },
  roundTrip: { warmup: 1, rounds: 5 },
  footprint: { runs: 2 },
  outage: { outageMs: 3000, retryAfterSeconds: 1 },
  cli: { warmup: 0, runs: 2 },
  scale: { clients: 1000, idleMs: 1000 },
  breakdown: { warmup: 1, rounds: 5, batch: 100 },
  tls: { warmup: 1, rounds: 5 },
}

/** The settings of a mode. */
export const settingsFor = (mode: Mode): Settings => (mode === "quick" ? QUICK : FULL)
