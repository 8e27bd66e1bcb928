/**
 * lintTarball on small tarballs made here: a broken package is reported by publint and attw, a
 * sound one is clean, so "clean" in the release test means something.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mustRun } from "../src/exec.ts"
import { lintTarball } from "../src/lintPackage.ts"

describe("lintTarball", () => {
  let dir: string

  const pack = async (name: string, files: Record<string, string>): Promise<string> => {
    const root = join(dir, name)
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, "package", path)), { recursive: true })
      await writeFile(join(root, "package", path), content)
    }
    await mustRun("tar", ["-czf", "out.tgz", "package"], { cwd: root })
    return join(root, "out.tgz")
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tangoe-lint-test-"))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it("reports a missing entry file (publint) and ESM types behind a CommonJS entry (attw)", async () => {
    const manifest = {
      name: "broken",
      version: "1.0.0",
      type: "module",
      exports: {
        ".": { types: "./dist/index.d.ts", require: "./dist/index.cjs", import: "./dist/missing.mjs" },
      },
    }
    const lint = await lintTarball(
      await pack("broken", {
        "package.json": JSON.stringify(manifest),
        "dist/index.cjs": "module.exports = { a: 1 }\n",
        "dist/index.d.ts": "export declare const a: number\n",
      }),
    )
    expect(lint.publint.join("\n")).toMatch(/missing\.mjs/)
    expect(lint.attw?.length ?? 0).toBeGreaterThan(0)
  }, 60_000)

  it("finds nothing in a sound dual package", async () => {
    const manifest = {
      name: "sound",
      version: "1.0.0",
      type: "module",
      engines: { node: ">=22" },
      exports: {
        ".": {
          import: { types: "./dist/index.d.mts", default: "./dist/index.mjs" },
          require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
        },
        "./package.json": "./package.json",
      },
    }
    const lint = await lintTarball(
      await pack("sound", {
        "package.json": JSON.stringify(manifest),
        "dist/index.mjs": "export const a = 1\n",
        "dist/index.cjs": "exports.a = 1\n",
        "dist/index.d.mts": "export declare const a: number\n",
        "dist/index.d.cts": "export declare const a: number\n",
      }),
    )
    expect(lint).toEqual({ name: "sound", publint: [], attw: [] })
  }, 60_000)
})
