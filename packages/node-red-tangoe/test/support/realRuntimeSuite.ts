/**
 * What the end-to-end files that drive ONE real Node-RED 5 process share: the hooks that pack the
 * package and start the simulator, a collector and the runtime before the first test (and tear them
 * down after the last), the flow they deploy, and how a test fires it and waits for its answer.
 */
import { rm } from "node:fs/promises"
import { dirname } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { afterAll, beforeAll } from "vitest"
import { type Collector, type Posted, startCollector } from "./collector.ts"
import { functionNode, injectNode, postNode, tokenApiFlow } from "./flows.ts"
import { NodeRedProcess, type PackedPackage, packPackage } from "./realRuntime.ts"

/** What {@link useRealRuntime} starts for the test file. */
export interface RealRuntime {
  readonly packed: PackedPackage
  /** The simulator (access tokens live 7200 s). */
  readonly sim: Simulator
  readonly collector: Collector
  readonly red: NodeRedProcess
}

/**
 * Before the first test: packs the package, starts the simulator and a collector, installs the
 * package into a new user dir (settings.js with `credentialSecret`; undefined: none, Node-RED
 * generates one) and starts Node-RED; `use` then receives all four. After the last test: kills the
 * runtime and removes its user dir and the packed tarball.
 */
export const useRealRuntime = (
  credentialSecret: string | undefined,
  use: (started: RealRuntime) => void,
): void => {
  let packed: PackedPackage | undefined
  let sim: Simulator | undefined
  let collector: Collector | undefined
  let red: NodeRedProcess | undefined
  beforeAll(async () => {
    packed = await packPackage()
    sim = await startSimulator({ accessTokenLifetime: 7200 })
    collector = await startCollector()
    red = await NodeRedProcess.create(packed.tarball, credentialSecret)
    await red.start()
    use({ packed, sim, collector, red })
  }, 600_000) // packing, installing and starting a real Node-RED: minutes on a machine shared with another CI run

  afterAll(async () => {
    await red?.stop("SIGKILL")
    await collector?.close()
    await sim?.close()
    if (red) await rm(red.userDir, { recursive: true, force: true })
    if (packed) await rm(dirname(packed.tarball), { recursive: true, force: true })
  })
}

/** What {@link rotatingTokenApiFlow} reports where, and how. */
export interface RotatingFlowOptions {
  readonly label: string
  readonly sim: Simulator
  readonly collector: Collector
  /** The credentials of the config node `cfg` (omitted: none are deployed with the flow). */
  readonly credentials?: object | undefined
  /** The function body that shapes the API result POSTed to `/result`. */
  readonly resultPayload: string
}

/**
 * {@link tokenApiFlow} against the simulator, posting API results to the collector's `/result` and
 * caught errors (`msg.error`, `msg._error` as `typed`) to `/error`, with an inject `rotate` that asks
 * the token node for a refresh and a status node that posts the token node's statuses to `/status`.
 */
export const rotatingTokenApiFlow = (o: RotatingFlowOptions): object[] => [
  ...tokenApiFlow({
    label: o.label,
    tokenUrl: o.sim.tokenUrl,
    apiUrl: o.sim.apiUrl,
    credentials: o.credentials,
    resultUrl: `${o.collector.url}/result`,
    resultPayload: o.resultPayload,
    errorUrl: `${o.collector.url}/error`,
    errorPayload: "return { payload: { error: msg.error, typed: msg._error } };",
  }),
  injectNode("rotate", "tok", [{ p: "refresh", v: "true", vt: "bool" }]),
  { id: "watch", z: "f1", type: "status", scope: ["tok"], wires: [["report-status"]] },
  functionNode("report-status", "return { payload: { status: msg.status } };", "post-status"),
  postNode("post-status", `${o.collector.url}/status`),
]

/**
 * Fires inject `id` of a {@link rotatingTokenApiFlow} and waits (20 s at most) for what the flow
 * posts next: an API result (`/result`) or a caught error (`/error`), the latest if several came.
 */
export const fire = async (
  red: NodeRedProcess,
  collector: Collector,
  id: string,
): Promise<{ readonly result: Posted } | { readonly error: Posted }> => {
  const posted = (path: string) => collector.posts.filter((p) => p.path === path)
  const results = posted("/result").length
  const errors = posted("/error").length
  await red.inject(id)
  const until = Date.now() + 120_000
  for (;;) {
    const result = posted("/result")
    if (result.length > results) return { result: result.at(-1) as Posted }
    const error = posted("/error")
    if (error.length > errors) return { error: error.at(-1) as Posted }
    if (Date.now() > until) throw new Error(`no result for inject ${id} in 120 s`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
