/** A fleet of client-worker processes sharing one Tangoe client through one Redis store. */
import { fileURLToPath } from "node:url"
import type { SeededClient, Simulator } from "@tangoe-token/pingfederate-sim"
import { type Child, startChild } from "./processes.ts"

const worker = fileURLToPath(new URL("../fixtures/client-worker.ts", import.meta.url))

export interface FleetOptions {
  readonly size: number
  readonly callers: number
  readonly redisUrl: string
  readonly namespace: string
  readonly sim: Simulator
  readonly client: SeededClient
  readonly leaseMs: number
  readonly refreshAheadMs: number
  /** Redis connect timeout of each worker; default 1 s (the restart tests want a quick reconnect). */
  readonly connectTimeoutMs?: number
}

/** What one worker reports when stopped. */
export interface WorkerStats {
  readonly pid: number
  readonly calls: number
  readonly failures: number
  readonly errors: Record<string, number>
  readonly messages: ReadonlyArray<string>
  readonly apiOk: number
  readonly api401: number
  readonly apiOther: number
  readonly firstSuccessAt: number
  readonly lastFailureAt: number
  readonly status: {
    readonly refreshCount: number
    readonly unsavedRotation: boolean
    readonly state: string
  }
}

export interface Fleet {
  readonly workers: ReadonlyArray<Child>
  /** Resolves with each worker's first successful `getAccessToken` time (epoch ms). */
  readonly firstSuccesses: (ms?: number) => Promise<number[]>
  /** Stops every live worker and collects its statistics. */
  readonly stop: () => Promise<WorkerStats[]>
  /** Everything every worker printed. */
  readonly output: () => string
  /** Kills whatever is still running. */
  readonly kill: () => Promise<void>
}

export const startFleet = async (options: FleetOptions): Promise<Fleet> => {
  const env = {
    REDIS_URL: options.redisUrl,
    NAMESPACE: options.namespace,
    TOKEN_URL: options.sim.tokenUrl,
    API_URL: options.sim.apiUrl,
    CLIENT_ID: options.client.clientId,
    CLIENT_SECRET: options.client.clientSecret,
    REFRESH_TOKEN: options.client.refreshToken,
    CALLERS: String(options.callers),
    LEASE_MS: String(options.leaseMs),
    REFRESH_AHEAD_MS: String(options.refreshAheadMs),
    CONNECT_TIMEOUT_MS: String(options.connectTimeoutMs ?? 1_000),
  }
  const workers = Array.from({ length: options.size }, () => startChild(worker, [], env))
  await Promise.all(workers.map((child) => child.line((line) => line === "ready", 120_000)))
  const alive = () =>
    workers.filter((child) => child.process.exitCode === null && child.process.signalCode === null)
  return {
    workers,
    firstSuccesses: (ms = 120_000) =>
      Promise.all(
        workers.map(async (child) =>
          Number((await child.line((line) => line.startsWith("first-success "), ms)).split(" ")[1]),
        ),
      ),
    stop: () =>
      Promise.all(
        alive().map(async (child) => {
          child.process.stdin?.write("stop\n")
          const line = await child.line((text) => text.startsWith("{"), 120_000)
          await child.exited
          return JSON.parse(line) as WorkerStats
        }),
      ),
    output: () => workers.map((child) => child.output()).join("\n"),
    kill: async () => {
      await Promise.all(workers.map((child) => child.kill()))
    },
  }
}

/** Sums a numeric field over workers. */
export const total = (
  stats: ReadonlyArray<WorkerStats>,
  field: "calls" | "failures" | "apiOk" | "api401" | "apiOther",
) => stats.reduce((sum, s) => sum + s[field], 0)

/** Sums the error counts by tag over workers. */
export const errorsByTag = (stats: ReadonlyArray<WorkerStats>): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const s of stats) for (const [tag, n] of Object.entries(s.errors)) out[tag] = (out[tag] ?? 0) + n
  return out
}
