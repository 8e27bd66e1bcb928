/**
 * Core stays tree-shakable: a bundle that imports only the one-shot refresh and the password grant (as
 * the n8n credential does) carries no token manager, no API layer and none of their errors.
 *
 * Core's main entry is built into ONE module (`dist/index.mjs`), so `sideEffects: false` cannot drop
 * the parts a bundle does not use: only statements without side effects can go. A class that extends
 * a value made by a call (`Context.Service<…>()(…)`, `Data.TaggedError(…)`) has one unless the call is
 * annotated pure, and so does a module-level value built by a call. The test builds the main entry
 * as core's own build does (tsdown, ESM, `sideEffects: false`), then bundles a consumer of it the way
 * the n8n package does (tsdown, minified CommonJS; effect is left external, it is not under test).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { build } from "tsdown"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const src = resolve(import.meta.dirname, "..", "src")
const dir = mkdtempSync(join(tmpdir(), "core-tree-shaking-"))
const coreDir = join(dir, "core")
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const quiet = { config: false, dts: false, sourcemap: false, clean: false, logLevel: "silent" } as const

beforeAll(async () => {
  mkdirSync(coreDir)
  writeFileSync(join(coreDir, "package.json"), JSON.stringify({ type: "module", sideEffects: false }))
  await build({
    ...quiet,
    entry: { index: join(src, "index.ts"), host: join(src, "host.ts"), store: join(src, "store.ts") },
    outDir: coreDir,
    format: "esm",
    platform: "node",
    target: "node22",
  })
}, 60_000)

/** The minified CommonJS bundle of an entry that re-exports `names` from the built main entry. */
const bundleOf = async (name: string, names: ReadonlyArray<string>): Promise<string> => {
  const entry = join(dir, `${name}.ts`)
  writeFileSync(entry, `export { ${names.join(", ")} } from ${JSON.stringify(join(coreDir, "index.mjs"))}\n`)
  await build({
    ...quiet,
    entry: { [name]: entry },
    outDir: join(dir, "out"),
    format: "cjs",
    platform: "node",
    target: "node22",
    minify: true,
    fixedExtension: false,
    outExtensions: () => ({ js: ".js" }),
  })
  return readFileSync(join(dir, "out", `${name}.js`), "utf8")
}

/** What only the token manager and the API layer bring (service keys and error tags). */
const managerAndApi = [
  "@tangoe-token/core/TokenManager",
  "@tangoe-token/core/TangoeApi",
  "@tangoe-token/core/TokenStore",
  "TokenManagerClosed",
  "NotProvisioned",
  "RefreshTokenDead",
  "TenantUnknown",
  "ValidationNotPermitted",
  "TooManyPages",
]

describe("tree shaking of the main entry", () => {
  it("a bundle of the one-shot refresh and the password grant carries no token manager nor API layer", async () => {
    const code = await bundleOf("oneShot", [
      "refreshTokenSet",
      "passwordGrantTokenSet",
      "isRefreshError",
      "makeRetrySchedule",
      "fromPromise",
      "HttpTransportFailure",
      "InvalidConfig",
    ])
    // What was imported is there (the bundle is not empty by mistake)...
    expect(["InvalidGrant", "ServiceAccountRejected"].filter((marker) => !code.includes(marker))).toEqual([])
    // ...and nothing that only the manager or the API layer needs.
    expect(managerAndApi.filter((marker) => code.includes(marker))).toEqual([])
    // Nor the file store: nothing in it reads or writes a file.
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])
    expect(required.filter((id) => id?.startsWith("node:fs"))).toEqual([])
  }, 60_000)

  it("a bundle that imports the token manager does carry it (the markers above are real)", async () => {
    const code = await bundleOf("manager", ["TokenManager", "TangoeApi"])
    const markers = ["@tangoe-token/core/TokenManager", "@tangoe-token/core/TangoeApi", "TokenManagerClosed"]
    expect(markers.filter((marker) => !code.includes(marker))).toEqual([])
  }, 60_000)
})
