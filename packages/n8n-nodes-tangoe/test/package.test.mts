/**
 * The published shape n8n and its verification expect: package.json rules, and built files that are
 * self-contained CommonJS (core and effect inside; only n8n-workflow and Node built-ins required).
 */
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { builtinModules, createRequire } from "node:module"
import { basename, dirname, join, relative } from "node:path"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"
import { PACKAGE_DIR } from "./support/n8n.mts"

const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"))
const n8nFiles: string[] = [...pkg.n8n.credentials, ...pkg.n8n.nodes]

describe("package.json", () => {
  it("follows the community-package rules", () => {
    expect(pkg.name).toMatch(/^@[a-z0-9-]+\/n8n-nodes-/)
    expect(pkg.keywords).toContain("n8n-community-node-package")
    expect(pkg.license).toBe("MIT")
    expect(pkg.type).toBe("commonjs")
    expect(pkg.peerDependencies).toEqual({ "n8n-workflow": "*" })
    expect(pkg.dependencies ?? {}).toEqual({})
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) {
      expect(pkg.scripts?.[script]).toBeUndefined()
    }
    expect(pkg.files).toEqual(["dist", "!dist/**/*.map"])
    expect(pkg.n8n).toMatchObject({ n8nNodesApiVersion: 1, strict: true })
    expect(pkg.n8n.nodes).toHaveLength(1)
    for (const file of n8nFiles) expect(file).toMatch(/^dist\/.+\.(credentials|node)\.js$/)
  })

  it("packs only the built files, README and LICENSE", async () => {
    const { stdout } = await promisify(execFile)("pnpm", ["pack", "--dry-run", "--json"], {
      cwd: PACKAGE_DIR,
      timeout: 60_000,
    })
    const files = (JSON.parse(stdout) as { files: Array<{ path: string }> }).files.map((f) => f.path).sort()
    expect(files).toEqual(
      [
        "LICENSE",
        "README.md",
        "dist/credentials/TangoeApi.credentials.js",
        "dist/icons/tangoe.dark.svg",
        "dist/icons/tangoe.svg",
        "dist/nodes/Tangoe/Tangoe.node.js",
        "dist/nodes/Tangoe/Tangoe.node.json",
        "package.json",
      ].sort(),
    )
  })
})

describe("built files", () => {
  const allowed = new Set(["n8n-workflow", ...builtinModules, ...builtinModules.map((m) => `node:${m}`)])

  /**
   * What a file may require besides n8n-workflow and built-ins: nothing (the credential test is the
   * credential's own declarative request; the node requires no other file of the package).
   */
  const ownFiles: Record<string, string[]> = {}
  /** What a file exports besides its class: nothing. */
  const extraExports: Record<string, string[]> = {}

  for (const file of n8nFiles) {
    it(`${file} is CommonJS that requires only n8n-workflow, Node built-ins and the package's own n8n files, exporting its class`, () => {
      const source = readFileSync(join(PACKAGE_DIR, file), "utf8")
      const required = [...source.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => String(m[1]))
      const local = required.filter((name) => name.startsWith("."))
      expect(required.filter((name) => !allowed.has(name) && !name.startsWith("."))).toEqual([])
      // A relative require must land on one of the package's n8n files (each checked here itself).
      const resolved = local.map((name) =>
        relative(
          PACKAGE_DIR,
          createRequire(join(PACKAGE_DIR, file)).resolve(join(PACKAGE_DIR, dirname(file), name)),
        ),
      )
      expect(resolved).toEqual(ownFiles[file] ?? [])
      for (const target of resolved) expect(n8nFiles).toContain(target)
      expect(source).not.toMatch(/^\s*(import|export)\s/m)
      const className = basename(file).split(".")[0] ?? ""
      const loaded = createRequire(join(PACKAGE_DIR, "package.json"))(join(PACKAGE_DIR, file))
      expect(Object.keys(loaded).sort()).toEqual([className, ...(extraExports[file] ?? [])].sort())
      const instance = new loaded[className]()
      expect(instance.name ?? instance.description?.name).toBe(
        className === "TangoeApi" ? "tangoeApi" : "tangoe",
      )
    })
  }

  it("the credential carries core's refresh but not its span and debug log (dead code: effect is private here)", () => {
    const credential = readFileSync(join(PACKAGE_DIR, "dist/credentials/TangoeApi.credentials.js"), "utf8")
    // Core's refresh is in (its messages), the observability it would give to no one is not.
    expect(credential).toContain("invalid_grant")
    for (const observable of ["tangoe.refresh", "tangoe.password_grant", "tangoe token refresh failed"])
      expect(credential).not.toContain(observable)
    // The published core keeps both.
    const core = readFileSync(
      createRequire(join(PACKAGE_DIR, "package.json")).resolve("@tangoe-token/core"),
      "utf8",
    )
    expect(core).toContain("tangoe.refresh")
    expect(core).toContain("tangoe token refresh failed")
  })
})
