/**
 * Scenario 6, CLI start-up: `tangoe-token token` with a valid cached token (no network), wall time
 * of the whole process, interleaved with `node -e 0` in the same run.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import { newEndpoint } from "../endpoint.ts"
import { interleave } from "../interleave.ts"
import { round, type ScenarioResult, target } from "../result.ts"
import { ChildProcessError, runNode } from "../runNode.ts"
import type { Settings } from "../settings.ts"
import { ratio, summarize } from "../stats.ts"

const cliPath = join(
  import.meta.dirname,
  "..",
  "..",
  "node_modules",
  "@tangoe-token",
  "cli",
  "dist",
  "cli.mjs",
)

interface Outcome {
  readonly code: number
  readonly stdout: string
}

/** Runs `node args…` with `env`, optionally writing `input` to stdin. */
const node = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, input?: string): Promise<Outcome> =>
  runNode(args, { what: "tangoe-token", boundMillis: 5 * 60_000, env, input }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: unknown) => {
      // An exit code is an outcome to report; a timeout or a signal is not.
      if (
        error instanceof ChildProcessError &&
        error.failure.reason === "exit" &&
        error.failure.code !== null
      ) {
        return { code: error.failure.code, stdout: error.failure.stdout }
      }
      throw error
    },
  )

/** Runs the CLI start-up scenario. */
export const cliStartup = async (settings: Settings): Promise<ScenarioResult> => {
  const sim = await startSimulator()
  const home = await mkdtemp(join(tmpdir(), "tangoe-bench-cli-"))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    TANGOE_CONFIG: join(home, "config.json"),
    TANGOE_STORE: join(home, "token.json"),
  }
  try {
    const e = newEndpoint(sim)
    const init = await node(
      [cliPath, "init", "--stdin", "--token-url", e.tokenUrl, "--client-id", e.clientId, "--scope", e.scope],
      env,
      `TANGOE_CLIENT_SECRET=${e.clientSecret}\nTANGOE_REFRESH_TOKEN=${e.refreshToken}\n`,
    )
    if (init.code !== 0) throw new Error(`tangoe-token init exited ${init.code}`)
    const requestsBefore = sim.stats().tokenRequests
    let tokenFailures = 0
    let printedToken = true
    const runs = [
      { name: "node -e 0", args: ["-e", "0"] },
      { name: "tangoe-token token", args: [cliPath, "token"] },
    ]
    const samples = await interleave(
      runs,
      { warmup: settings.cli.warmup, rounds: settings.cli.runs },
      async (r) => {
        const start = performance.now()
        const out = await node(r.args, env)
        const elapsed = performance.now() - start
        if (r.name !== "node -e 0") {
          if (out.code !== 0) tokenFailures++
          if (!sim.isAccessTokenValid(out.stdout.trim())) printedToken = false
        }
        return elapsed
      },
    )
    const requests = sim.stats().tokenRequests - requestsBefore
    const bare = summarize(samples.get("node -e 0") ?? [])
    const cli = summarize(samples.get("tangoe-token token") ?? [])
    const vs = ratio(cli.median, bare.median)
    return {
      id: "cliStartup",
      title: "6. CLI start-up: `tangoe-token token` with a valid cached token",
      columns: ["process", "median ms", "min ms", "max ms"],
      rows: [
        {
          process: "node -e 0",
          "median ms": round(bare.median),
          "min ms": round(bare.min),
          "max ms": round(bare.max),
        },
        {
          process: "tangoe-token token",
          "median ms": round(cli.median),
          "min ms": round(cli.min),
          "max ms": round(cli.max),
        },
      ],
      targets: [
        target(
          "CLI vs node -e 0",
          vs === null ? null : round(vs),
          "<= 2.5x",
          (v) => v <= 2.5,
          `${round(cli.median)} ms vs ${round(bare.median)} ms (medians of ${settings.cli.runs}, interleaved)`,
        ),
      ],
      facts: {
        runs: settings.cli.runs,
        tokenRequestsDuringRuns: requests,
        tokenFailures,
        printedValidToken: printedToken,
      },
      notes: [
        "Wall time of the whole child process (spawn to exit) from the benchmark process; the token comes from the file store written by `init`.",
      ],
    }
  } finally {
    await rm(home, { recursive: true, force: true })
    await sim.close()
  }
}
