/**
 * node-red-node-test-helper, initialised against the Node-RED under test: `node-red` (5.x) or,
 * with NODE_RED_PACKAGE=node-red-4, the 4.1 runtime installed under that alias. The vitest
 * config runs the same suite once per version.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)

/** The package name of the runtime under test. */
export const NODE_RED_PACKAGE = process.env.NODE_RED_PACKAGE ?? "node-red"

/** The test helper (CommonJS, untyped: the calls used here are typed below). */
export interface TestHelper {
  init(runtimePath: string, settings?: object): void
  settings(settings: object): object
  load(nodes: unknown, flow: object[], credentials?: Record<string, object>): Promise<void>
  setFlows(
    flow: object[],
    type: "full" | "flows" | "nodes",
    credentials?: Record<string, object>,
  ): Promise<void>
  unload(): Promise<void>
  getNode(id: string): TestNode | null
  log(): { args: unknown[][] }
  _redNodes: { getCredentials(id: string): Record<string, string> | undefined }
}

/** A runtime node as tests drive it. */
export interface TestNode {
  readonly id: string
  receive(msg: object): void
  on(event: string, listener: (arg: { args: unknown[] } & Record<string, unknown>) => void): void
}

const packageDir = (name: string, from: string): string =>
  dirname(require.resolve(`${name}/package.json`, { paths: [from] }))

/**
 * The helper looks for `@node-red/{runtime,registry,editor-api,nodes}` beside `node-red`, as
 * npm's flat layout has them. pnpm keeps `@node-red/registry` (a dependency of the runtime, not
 * of node-red) elsewhere, so the tests lay out that flat view with symlinks in a temp folder.
 */
const flatBase = mkdtempSync(join(tmpdir(), "tangoe-nr-helper-"))

/** Removes the flat view (call once the suite is done with the runtime). */
export const removeFlatRuntime = (): void => rmSync(flatBase, { recursive: true, force: true })

const flatRuntime = (): string => {
  const nodeRed = packageDir(NODE_RED_PACKAGE, import.meta.dirname)
  const runtime = packageDir("@node-red/runtime", nodeRed)
  const root = join(flatBase, "node_modules")
  mkdirSync(join(root, "@node-red"), { recursive: true })
  symlinkSync(nodeRed, join(root, "node-red"), "dir")
  for (const [name, from] of [
    ["runtime", nodeRed],
    ["registry", runtime],
    ["editor-api", nodeRed],
    ["nodes", nodeRed],
    ["util", nodeRed],
  ] as const) {
    symlinkSync(packageDir(`@node-red/${name}`, from), join(root, "@node-red", name), "dir")
  }
  return join(root, "node-red", "lib", "red.js")
}

/** The runtime's entry, through the flat view. */
const redPath = flatRuntime()

/** The helper bound to the runtime under test. */
export const helper: TestHelper = (() => {
  // On require, the helper probes for a runtime itself and prints a stack trace when the pnpm
  // layout defeats it: silence that probe, the runtime is given explicitly just below.
  const log = console.log
  console.log = () => {}
  try {
    return require("node-red-node-test-helper") as TestHelper
  } finally {
    console.log = log
  }
})()
helper.init(redPath)

/** The runtime's version, e.g. `5.0.7`. */
export const nodeRedVersion: string = require(`${NODE_RED_PACKAGE}/package.json`).version

/** Node-RED's own `http request` node module, from the runtime under test. */
export const httpRequestNode: unknown = require(
  join(dirname(redPath), "..", "..", "@node-red", "nodes", "core", "network", "21-httprequest.js"),
)
