/**
 * Scenario 4, footprint: cold load time in a fresh process (median of N, interleaved) and installed
 * size, for our packages, a 20-line plain-fetch module and the peer libraries.
 */
import { readFileSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { coldLoadMillis, type LoadTarget } from "../footprint/loadTime.ts"
import { installedSize } from "../footprint/size.ts"
import { interleave } from "../interleave.ts"
import { type Cell, round, type ScenarioResult, target } from "../result.ts"
import type { Settings } from "../settings.ts"
import { summarize } from "../stats.ts"

const here = dirname(fileURLToPath(import.meta.url))
const benchDir = join(here, "..", "..")
const modules = join(benchDir, "node_modules")
const ws = (name: string): string => join(modules, "@tangoe-token", name)
const plainModule = join(here, "..", "fixtures", "plain-fetch-client.cjs")
const n8nDir = ws("n8n-nodes-tangoe")
const n8nCredential = join(n8nDir, "dist", "credentials", "TangoeApi.credentials.js")
const n8nNode = join(n8nDir, "dist", "nodes", "Tangoe", "Tangoe.node.js")

interface Entry extends LoadTarget {
  /** The package whose installed size this row reports (none for a single file). */
  readonly packageDir?: string | undefined
  readonly workspace?: boolean | undefined
}

const entryOf = (pkg: string, kind: "require" | "import"): Entry => {
  const req = createRequire(join(benchDir, "package.json"))
  const file = req.resolve(pkg)
  const packageDir = join(modules, pkg)
  return { name: pkg, kind, file, packageDir }
}

const entries = (): Entry[] => {
  const n8nRequire = createRequire(join(n8nDir, "package.json"))
  return [
    { name: "plain-fetch module (20 lines)", kind: "require", file: plainModule },
    {
      name: "@tangoe-token/core (import)",
      kind: "import",
      file: join(ws("core"), "dist", "index.mjs"),
      packageDir: ws("core"),
      workspace: true,
    },
    { name: "@tangoe-token/core (require)", kind: "require", file: join(ws("core"), "dist", "index.cjs") },
    {
      name: "@tangoe-token/node-red-tangoe",
      kind: "require",
      file: join(ws("node-red-tangoe"), "dist", "tangoe.js"),
      packageDir: ws("node-red-tangoe"),
      workspace: true,
    },
    {
      name: "n8n credential file",
      kind: "require",
      file: n8nCredential,
      packageDir: n8nDir,
      workspace: true,
    },
    {
      name: "n8n node file (n8n-workflow preloaded)",
      kind: "require",
      file: n8nNode,
      preload: n8nRequire.resolve("n8n-workflow"),
    },
    {
      name: "n8n-workflow (n8n's own, for scale)",
      kind: "require",
      file: n8nRequire.resolve("n8n-workflow"),
    },
    entryOf("google-auth-library", "require"),
    entryOf("@badgateway/oauth2-client", "import"),
    entryOf("simple-oauth2", "require"),
    entryOf("openid-client", "import"),
    entryOf("oauth4webapi", "import"),
  ]
}

const kB = (bytes: number): number => round(bytes / 1000)

/** Runs the footprint scenario. */
export const footprint = async (settings: Settings): Promise<ScenarioResult> => {
  const list = entries()
  const samples = await interleave(
    list,
    { warmup: settings.mode === "full" ? 1 : 0, rounds: settings.footprint.runs },
    coldLoadMillis,
  )
  const rows = list.map((e): Record<string, Cell> => {
    const s = summarize(samples.get(e.name) ?? [])
    const size = e.packageDir === undefined ? undefined : installedSize(e.packageDir, e.workspace === true)
    return {
      module: e.name,
      how: e.kind,
      "median load ms": round(s.median),
      "min-max ms": `${round(s.min)}-${round(s.max)}`,
      "installed kB":
        size === undefined ? (e.file === plainModule ? kB(statSync(plainModule).size) : "") : kB(size.bytes),
      packages: size === undefined ? (e.file === plainModule ? 1 : "") : size.packages,
    }
  })
  const credentialBytes = statSync(n8nCredential).size
  const nodeBytes = statSync(n8nNode).size
  const bundleBytes = credentialBytes + nodeBytes
  const bundleGzip = gzipSync(readFileSync(n8nCredential)).length + gzipSync(readFileSync(n8nNode)).length
  const n8nManifest = JSON.parse(readFileSync(join(n8nDir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>
  }
  const n8nDependencies = Object.keys(n8nManifest.dependencies ?? {}).length
  const loadCredential = summarize(samples.get("n8n credential file") ?? []).median
  const loadNode = summarize(samples.get("n8n node file (n8n-workflow preloaded)") ?? []).median
  const n8nLoad = loadCredential + loadNode
  return {
    id: "footprint",
    title: "4. Footprint: cold load in a fresh process, installed size",
    columns: ["module", "how", "median load ms", "min-max ms", "installed kB", "packages"],
    rows,
    targets: [
      target(
        "n8n bundle size (credential + node files, minified)",
        kB(bundleBytes),
        "<= 100 kB",
        (v) => v <= 100,
        `credential ${kB(credentialBytes)} kB (core + effect bundled in) + node ${kB(nodeBytes)} kB; ${kB(bundleGzip)} kB gzipped`,
      ),
      target(
        "n8n runtime dependencies",
        n8nDependencies,
        "0",
        (v) => v === 0,
        `package.json dependencies: ${n8nDependencies} (n8n-workflow is a peer that n8n provides)`,
      ),
      target(
        "n8n credential + node file load",
        round(n8nLoad),
        "<= 50 ms",
        (v) => v <= 50,
        `credential ${round(loadCredential)} ms + node ${round(loadNode)} ms (n8n-workflow already loaded), medians of ${settings.footprint.runs}`,
      ),
    ],
    facts: {
      n8nBundleBytes: bundleBytes,
      n8nDependencies,
      modulesMeasured: list.length,
      runs: settings.footprint.runs,
    },
    notes: [
      "Load time: the `require`/`import()` alone inside a fresh `node` process (Node's own start-up excluded), each module in turn per round.",
      "Installed size: a registry package plus its runtime dependencies (each once, as installed here); a workspace package counts its published `files` plus its dependencies (core: effect).",
    ],
  }
}
