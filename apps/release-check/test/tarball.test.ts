/**
 * The tarball reader and the shipping rules on tarballs made here with `tar` (as npm lays them out:
 * everything under `package/`), so the release test's file checks are known to catch what they name.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mustRun } from "../src/exec.ts"
import { readTarball, tarballProblems } from "../src/tarball.ts"

describe("readTarball and tarballProblems", () => {
  let dir: string

  const pack = async (files: Record<string, string>): Promise<Buffer> => {
    const root = join(dir, `t-${Math.random().toString(16).slice(2)}`)
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, "package", path)), { recursive: true })
      await writeFile(join(root, "package", path), content)
    }
    await mustRun("tar", ["-czf", "out.tgz", "package"], { cwd: root })
    return await readFile(join(root, "out.tgz"))
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tangoe-tarball-test-"))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it("lists files without `package/` and adds up their sizes", async () => {
    const long = `dist/${"deep/".repeat(30)}index.js`
    const tgz = await pack({ "package.json": "{}", "dist/index.mjs": "export {}\n", [long]: "x".repeat(700) })
    const contents = readTarball(tgz)
    expect(contents.files.map((f) => f.path)).toEqual([long, "dist/index.mjs", "package.json"].sort())
    expect(contents.unpackedSize).toBe(2 + 10 + 700)
    expect(contents.packedSize).toBe(tgz.length)
    expect(tarballProblems(contents, ["/nowhere/local"])).toEqual([])
  })

  it("names tests, fixtures, source maps, TypeScript sources and local paths", async () => {
    const contents = readTarball(
      await pack({
        "package.json": "{}",
        "dist/index.d.mts": "export {}\n",
        "dist/index.mjs": "//# sourceMappingURL=index.mjs.map\n",
        "dist/index.mjs.map": "{}",
        "test/a.test.ts": "",
        "src/index.ts": "",
        "dist/fixtures/x.json": "{}",
        "dist/where.js": 'require("/home/someone/repo/x")',
      }),
    )
    const problems = tarballProblems(contents, ["/home/someone/repo"])
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("dist/index.mjs.map: a source map"),
        expect.stringContaining("dist/index.mjs: references a source map"),
        expect.stringContaining("test/a.test.ts: a test or fixture folder"),
        expect.stringContaining("test/a.test.ts: a test file"),
        expect.stringContaining("src/index.ts: a TypeScript source file"),
        expect.stringContaining("dist/fixtures/x.json: a test or fixture folder"),
        expect.stringContaining("dist/where.js: contains the local path /home/someone/repo"),
      ]),
    )
    expect(problems.some((p) => p.startsWith("dist/index.d.mts"))).toBe(false)
  })
})
