/**
 * The release, end to end, against a local registry: a scratch copy of the workspace is versioned
 * and published with the same commands as RELEASING.md and the release workflow
 * (`pnpm changeset version`, `pnpm release`) into verdaccio on 127.0.0.1; then a second release
 * with a changeset for core alone shows the versions are independent and internal dependents are
 * bumped when they must be. Every published package is then installed with npm into clean folders
 * outside the workspace and used the way its README says.
 */
import { existsSync } from "node:fs"
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { freePort } from "@tangoe-token/test-support/ports"
import { type RedisServer, startRedis } from "@tangoe-token/test-support/redisServer"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ensureN8nInstalled, N8n, nodeOutput } from "../../../packages/n8n-nodes-tangoe/test/support/n8n.mts"
import {
  simulatorCredential,
  tangoeApiRequest,
  workflow,
} from "../../../packages/n8n-nodes-tangoe/test/support/workflows.mts"
import { type Consumer, makeConsumer, npmEnv, npmInstall, start } from "../src/consumer.ts"
import { compareVersions, installedCopies, latestOfMajor, lowestOfCaret } from "../src/effectCopies.ts"
import { mustRun, run } from "../src/exec.ts"
import { declaredExports } from "../src/exports.ts"
import { describeLint, lintTarball, type PackageLint } from "../src/lintPackage.ts"
import { startNodeRed } from "../src/nodeRed.ts"
import { markedProgram, pointAtSimulator } from "../src/quickStarts.ts"
import { ensureVerdaccio, type LocalRegistry, startRegistry } from "../src/registry.ts"
import {
  commitAll,
  copyWorkspace,
  REPO_ROOT,
  scratchEnv,
  type WorkspacePackage,
  workspacePackages,
  writeChangeset,
} from "../src/scratch.ts"
import { readTarball, type TarballContents, tarballProblems } from "../src/tarball.ts"
import { CORE_CJS, CORE_ESM, STORE_REDIS_ESM } from "./fixtures.ts"

/** The packages a user can install; everything else in the workspace is private. */
const PUBLISHED = [
  "@tangoe-token/cli",
  "@tangoe-token/core",
  "@tangoe-token/n8n-nodes-tangoe",
  "@tangoe-token/node-red-tangoe",
  "@tangoe-token/pingfederate-sim",
  "@tangoe-token/store-redis",
] as const
type Published = (typeof PUBLISHED)[number]

/** The simulator's programmatic API, as far as these checks use it (loaded from the published package). */
interface SeededClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
  readonly refreshToken: string
}
interface Simulator {
  readonly tokenUrl: string
  readonly apiUrl: string
  readonly clients: readonly SeededClient[]
  isLive(refreshToken: string): boolean
  stats(): { readonly refreshes: number; readonly apiRequests: number; readonly failures: number }
  close(): Promise<void>
}

/** A version in the registry: its manifest and tarball. */
interface Packument {
  readonly "dist-tags": Record<string, string>
  readonly versions: Record<
    string,
    {
      readonly dependencies?: Record<string, string>
      readonly peerDependencies?: Record<string, string>
      readonly dist: { readonly tarball: string }
    }
  >
}

/** Whether `version` is inside a caret range `^a.b.c` (the ranges changesets writes). */
const caretSatisfies = (range: string, version: string): boolean => {
  const parse = (v: string) => v.replace(/^\^/, "").split(".").map(Number) as [number, number, number]
  const [a, b, c] = parse(range)
  const [x, y, z] = parse(version)
  if (a > 0) return x === a && (y > b || (y === b && z >= c))
  if (b > 0) return x === 0 && y === b && z >= c
  return x === 0 && y === 0 && z === c
}

const bumpMinor = (version: string): string => {
  const [major, minor] = version.split(".").map(Number)
  return `${major}.${(minor ?? 0) + 1}.0`
}
const bumpPatch = (version: string): string => {
  const [major, minor, patch] = version.split(".").map(Number)
  return `${major}.${minor}.${(patch ?? 0) + 1}`
}

const timings: Record<string, number> = {}
const timed = async <A>(label: string, task: () => Promise<A>): Promise<A> => {
  const started = Date.now()
  try {
    return await task()
  } finally {
    timings[label] = Date.now() - started
  }
}

describe("release through a local registry", () => {
  let work: string
  let scratch: string
  let registry: LocalRegistry
  let publishRc: string
  let scopeRc: string
  const round1 = new Map<string, string>()
  const round2 = new Map<string, string>()
  const latest = new Map<Published, { version: string; tgz: string; contents: TarballContents }>()
  const lints = new Map<Published, PackageLint>()
  let scratchPackages: WorkspacePackage[]
  let coreConsumer: Consumer
  let sim: Simulator

  /** npx's environment: the scope-only user config and an npm cache of this run, so no earlier copy is reused. */
  const npxEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
    npmEnv(scopeRc, { npm_config_cache: join(work, "npx-cache"), ...extra })

  const packument = async (name: string): Promise<Packument> => {
    const response = await fetch(`${registry.url}${name.replace("/", "%2f")}`)
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status} from the local registry`)
    return (await response.json()) as Packument
  }

  const release = async (label: string) => {
    const env = scratchEnv({ NPM_CONFIG_USERCONFIG: publishRc, npm_config_registry: registry.url })
    await timed(`${label}: pnpm changeset version`, () =>
      mustRun("pnpm", ["changeset", "version"], { cwd: scratch, env, timeout: 180_000 }),
    )
    await commitAll(scratch, `${label}: version packages`)
    await timed(`${label}: pnpm release (turbo build + changeset publish)`, () =>
      mustRun("pnpm", ["release"], { cwd: scratch, env, timeout: 420_000 }),
    )
    return new Map((await workspacePackages(scratch)).map((p) => [p.name, p.version]))
  }

  beforeAll(async () => {
    const started = Date.now()
    work = await mkdtemp(join(tmpdir(), "tangoe-release-check-"))
    scratch = join(work, "repo")
    const [verdaccioDir] = await Promise.all([
      timed("verdaccio install (cached)", ensureVerdaccio),
      timed("scratch copy + pnpm install --frozen-lockfile", async () => {
        await copyWorkspace(REPO_ROOT, scratch)
        await mustRun("pnpm", ["install", "--frozen-lockfile"], {
          cwd: scratch,
          env: scratchEnv(),
          timeout: 300_000,
        })
        await commitAll(scratch, "scratch copy of the workspace")
      }),
    ])
    registry = await timed("verdaccio start", () => startRegistry(verdaccioDir, join(work, "registry")))
    publishRc = join(work, "npmrc-publish")
    scopeRc = join(work, "npmrc-scope")
    await writeFile(publishRc, registry.npmrc("publish"), { mode: 0o600 })
    await writeFile(scopeRc, registry.npmrc("scope"), { mode: 0o600 })

    // Round 1: the changesets pending in the repository, exactly as the release workflow runs them.
    for (const [name, version] of await release("round 1")) round1.set(name, version)
    // Round 2: one changeset, for core alone.
    await writeChangeset(
      scratch,
      "release-check-core-only",
      { "@tangoe-token/core": "minor" },
      "Release check: a change to core alone.",
    )
    await commitAll(scratch, "round 2: a changeset for core alone")
    for (const [name, version] of await release("round 2")) round2.set(name, version)
    scratchPackages = await workspacePackages(scratch)

    await timed("download + lint tarballs", async () => {
      await mkdir(join(work, "tarballs"), { recursive: true })
      await Promise.all(
        PUBLISHED.map(async (name) => {
          const doc = await packument(name)
          const version = doc["dist-tags"].latest ?? ""
          const url = doc.versions[version]?.dist.tarball ?? ""
          const response = await fetch(url)
          if (!response.ok) throw new Error(`${name}@${version}: tarball ${url}: HTTP ${response.status}`)
          const tgz = join(work, "tarballs", `${name.replace("/", "-").replace("@", "")}-${version}.tgz`)
          const bytes = Buffer.from(await response.arrayBuffer())
          await writeFile(tgz, bytes)
          latest.set(name, { version, tgz, contents: readTarball(bytes) })
        }),
      )
      for (const name of PUBLISHED) lints.set(name, await lintTarball(latest.get(name)?.tgz ?? ""))
    })

    // A user's clean folder: core and the simulator, installed with npm from the registries.
    coreConsumer = await makeConsumer(join(work, "core-user"), scopeRc)
    await timed("npm install core + simulator", () =>
      npmInstall(coreConsumer, [
        `@tangoe-token/core@${latest.get("@tangoe-token/core")?.version}`,
        `@tangoe-token/pingfederate-sim@${latest.get("@tangoe-token/pingfederate-sim")?.version}`,
      ]),
    )
    const simDir = join(coreConsumer.dir, "node_modules", "@tangoe-token", "pingfederate-sim")
    const simManifest = JSON.parse(await readFile(join(simDir, "package.json"), "utf8")) as {
      exports: { ".": { import: { default: string } } }
    }
    const simModule = (await import(
      pathToFileURL(join(simDir, simManifest.exports["."].import.default)).href
    )) as {
      startSimulator(options: { clients: readonly object[] }): Promise<Simulator>
    }
    // Clients 0-4: one per package check; 5-12: the README quick starts, 4 per effect version.
    sim = await simModule.startSimulator({ clients: Array.from({ length: 13 }, () => ({})) })
    console.info(`release check: setup took ${Math.round((Date.now() - started) / 1000)} s`)
  }, 600_000)

  afterAll(async () => {
    console.info(
      `release check timings (s): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v / 100) / 10])))}`,
    )
    for (const name of PUBLISHED) {
      const item = latest.get(name)
      const lint = lints.get(name)
      if (item === undefined) continue
      console.info(
        `release check: ${name}@${item.version}: packed ${item.contents.packedSize} B, unpacked ${item.contents.unpackedSize} B, ${item.contents.files.length} files; ${lint === undefined ? "" : describeLint(lint)}`,
      )
    }
    await sim?.close()
    await registry?.close()
    if (work !== undefined && process.env.RELEASE_CHECK_KEEP === undefined) {
      await rm(work, { recursive: true, force: true })
    }
  }, 60_000)

  it("publishes every public package at its own version, and nothing private", async () => {
    const publicNames = scratchPackages.filter((p) => !p.private).map((p) => p.name)
    expect(publicNames.sort()).toEqual([...PUBLISHED])
    for (const name of PUBLISHED) {
      const doc = await packument(name)
      expect(Object.keys(doc.versions), name).toContain(round1.get(name))
      expect(doc["dist-tags"].latest, name).toBe(round2.get(name))
    }
    for (const pkg of scratchPackages.filter((p) => p.private)) {
      const response = await fetch(`${registry.url}${pkg.name.replace("/", "%2f")}`)
      expect(response.status, `${pkg.name} is private and must not be published`).toBe(404)
    }
  })

  it("a changeset for core alone releases core and the dependents whose range it leaves, nothing else", async () => {
    const core1 = round1.get("@tangoe-token/core") ?? ""
    const core2 = bumpMinor(core1)
    expect(round2.get("@tangoe-token/core")).toBe(core2)
    const storeManifest = JSON.parse(
      await readFile(join(scratch, "packages", "store-redis", "package.json"), "utf8"),
    ) as { peerDependencies: Record<string, string> }
    // store-redis has core as a peer (`workspace:^`): published as ^<core>; a core outside it bumps store-redis.
    const store1 = round1.get("@tangoe-token/store-redis") ?? ""
    const peerWas = `^${core1}`
    const expectedStore = caretSatisfies(peerWas, core2) ? store1 : bumpPatch(store1)
    expect(round2.get("@tangoe-token/store-redis")).toBe(expectedStore)
    expect(storeManifest.peerDependencies["@tangoe-token/core"]).toBe("workspace:^")
    const storeDoc = await packument("@tangoe-token/store-redis")
    expect(storeDoc.versions[expectedStore]?.peerDependencies?.["@tangoe-token/core"]).toBe(
      caretSatisfies(peerWas, core2) ? peerWas : `^${core2}`,
    )
    // The adapters bundle core (a devDependency) and the simulator does not use it: untouched.
    for (const name of [
      "@tangoe-token/cli",
      "@tangoe-token/n8n-nodes-tangoe",
      "@tangoe-token/node-red-tangoe",
      "@tangoe-token/pingfederate-sim",
    ]) {
      expect(round2.get(name), name).toBe(round1.get(name))
      expect(Object.keys((await packument(name)).versions), name).toEqual([round1.get(name)])
    }
  })

  it("each package keeps a CHANGELOG generated from its changesets", async () => {
    for (const name of PUBLISHED) {
      const pkg = scratchPackages.find((p) => p.name === name)
      const changelog = await readFile(join(pkg?.dir ?? "", "CHANGELOG.md"), "utf8")
      expect(changelog.startsWith(`# ${name}\n`), name).toBe(true)
      expect(changelog, name).toContain(`## ${round1.get(name)}`)
    }
    const core = await readFile(join(scratch, "packages", "core", "CHANGELOG.md"), "utf8")
    expect(core).toContain(`## ${round2.get("@tangoe-token/core")}`)
    expect(core).toContain("Release check: a change to core alone.")
    const store = await readFile(join(scratch, "packages", "store-redis", "CHANGELOG.md"), "utf8")
    if (round2.get("@tangoe-token/store-redis") !== round1.get("@tangoe-token/store-redis")) {
      expect(store).toContain(`@tangoe-token/core@${round2.get("@tangoe-token/core")}`)
    }
  })

  it("each tarball ships its dist, README, LICENSE and metadata, and no test, fixture, source map or local path", () => {
    const localPaths = [scratch, REPO_ROOT, work, process.env.HOME ?? ""].filter((p) => p.length > 1)
    for (const name of PUBLISHED) {
      const item = latest.get(name)
      if (item === undefined) throw new Error(`${name} was not downloaded`)
      const paths = item.contents.files.map((f) => f.path)
      expect(tarballProblems(item.contents, localPaths), name).toEqual([])
      expect(paths, name).toEqual(expect.arrayContaining(["package.json", "README.md", "LICENSE"]))
      expect(
        paths.filter(
          (p) => !/^(dist\/|examples\/|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/.test(p),
        ),
        `${name}: files outside dist/, examples/ and the documents`,
      ).toEqual([])
      const manifest = JSON.parse(
        item.contents.files.find((f) => f.path === "package.json")?.content.toString("utf8") ?? "{}",
      ) as Record<string, unknown>
      for (const field of [
        "repository",
        "homepage",
        "keywords",
        "engines",
        "sideEffects",
        "license",
        "files",
      ]) {
        expect(manifest[field], `${name}: package.json "${field}"`).toBeDefined()
      }
      expect(JSON.stringify(manifest), `${name}: a workspace: range was published`).not.toContain(
        "workspace:",
      )
      const readme = item.contents.files.find((f) => f.path === "README.md")?.content.toString("utf8") ?? ""
      const quickStart = readme.search(/^## Quick start/m)
      expect(quickStart, `${name}: README has a "## Quick start"`).toBeGreaterThan(0)
      expect(
        readme.slice(0, quickStart).match(/^## /gm) ?? [],
        `${name}: the quick start comes first`,
      ).toEqual([])
    }
  })

  it("core's README lists every name each of its entries exports (main, /store, /host)", () => {
    const files = latest.get("@tangoe-token/core")?.contents.files ?? []
    const readme = publishedReadme("@tangoe-token/core")
    for (const entry of ["index", "store", "host"]) {
      const dts = files.find((f) => f.path === `dist/${entry}.d.mts`)?.content.toString("utf8")
      expect(dts, `dist/${entry}.d.mts is published`).toBeDefined()
      const names = declaredExports(dts ?? "")
      expect(names.length, entry).toBeGreaterThan(10)
      expect(
        names.filter((name) => !readme.includes(`\`${name}\``)),
        `${entry}: exported but not in the README`,
      ).toEqual([])
    }
  })

  it("publint (strict) and attw (node16) find nothing in any tarball", () => {
    for (const name of PUBLISHED) {
      const lint = lints.get(name)
      expect(lint?.publint, `${name} publint`).toEqual([])
      if (lint?.attw !== undefined) expect(lint.attw, `${name} attw`).toEqual([])
    }
    // The typed packages are the libraries; the others are a CLI and runtime plugins loaded by path.
    for (const name of [
      "@tangoe-token/core",
      "@tangoe-token/store-redis",
      "@tangoe-token/pingfederate-sim",
    ] as const) {
      expect(lints.get(name)?.attw, `${name} ships types`).toEqual([])
    }
  })

  it("core: `import` and `require` both refresh against the simulator started from its published package", async () => {
    await writeFile(join(coreConsumer.dir, "check.mjs"), CORE_ESM)
    await writeFile(join(coreConsumer.dir, "check.cjs"), CORE_CJS)
    for (const [file, entry] of [
      ["check.mjs", "dist/index.mjs"],
      ["check.cjs", "dist/index.cjs"],
    ] as const) {
      const result = await mustRun(process.execPath, [file], {
        cwd: coreConsumer.dir,
        env: npmEnv(scopeRc),
        timeout: 60_000,
      })
      const out = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>
      expect(String(out.resolved), file).toContain(`@tangoe-token/core/${entry}`)
      expect(out, file).toMatchObject({ api: 200, rotated: true, refreshes: 1 })
    }
  })

  it("store-redis: installs with its peers from the registry and shares one token through a real Redis", async () => {
    if (
      !existsSync("/usr/bin/redis-server") &&
      (await run("which", ["redis-server"], { cwd: work })).code !== 0
    ) {
      throw new Error("redis-server is not installed: apt-get install -y redis-server (.ci/run does)")
    }
    const consumer = await makeConsumer(join(work, "store-user"), scopeRc)
    await timed("npm install store-redis (peers from the registry)", () =>
      npmInstall(consumer, [`@tangoe-token/store-redis@${latest.get("@tangoe-token/store-redis")?.version}`]),
    )
    const port = await freePort()
    const redis = start(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { cwd: consumer.dir, env: npmEnv(scopeRc) },
    )
    try {
      await redis.waitForLine((line) => /Ready to accept connections/.test(line), 20_000)
      const client = sim.clients[4] as SeededClient
      await writeFile(join(consumer.dir, "check.mjs"), STORE_REDIS_ESM)
      const result = await mustRun(process.execPath, ["check.mjs"], {
        cwd: consumer.dir,
        env: npmEnv(scopeRc, {
          CHECK: JSON.stringify({
            tokenUrl: sim.tokenUrl,
            apiUrl: sim.apiUrl,
            redisUrl: `redis://127.0.0.1:${port}/0`,
            ...client,
          }),
        }),
        timeout: 60_000,
      })
      const out = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>
      expect(out).toEqual({
        sameToken: true,
        api: 200,
        cjs: "function",
        coreVersion: latest.get("@tangoe-token/core")?.version,
      })
      expect(sim.isLive(client.refreshToken)).toBe(false)
    } finally {
      await redis.stop()
    }
  })

  /** The README of a published tarball, as npm users read it. */
  const publishedReadme = (name: Published): string =>
    latest
      .get(name)
      ?.contents.files.find((f) => f.path === "README.md")
      ?.content.toString("utf8") ?? ""

  /** The published core's peer range for effect, e.g. `^4.0.0`. */
  const effectPeerRange = async (name: Published): Promise<string> => {
    const doc = await packument(name)
    const range = doc.versions[latest.get(name)?.version ?? ""]?.peerDependencies?.effect
    if (range === undefined) throw new Error(`${name} does not declare effect as a peer dependency`)
    return range
  }

  const effectVersions: Record<"lowest" | "latest", () => Promise<string>> = {
    lowest: async () => lowestOfCaret(await effectPeerRange("@tangoe-token/core")),
    latest: () => latestOfMajor(4, { cwd: work, env: npmEnv(scopeRc) }),
  }

  it("core and store-redis declare effect as a peer (one range, the same in both), never as a dependency", async () => {
    const ranges = new Set<string>()
    for (const name of ["@tangoe-token/core", "@tangoe-token/store-redis"] as const) {
      const manifest = (await packument(name)).versions[latest.get(name)?.version ?? ""]
      expect(manifest?.dependencies?.effect, `${name}: effect must not be a dependency`).toBeUndefined()
      ranges.add(await effectPeerRange(name))
    }
    expect([...ranges]).toHaveLength(1)
    // The adapters bundle core and effect: no copy of either can come from, or reach, the user's.
    for (const name of [
      "@tangoe-token/cli",
      "@tangoe-token/node-red-tangoe",
      "@tangoe-token/n8n-nodes-tangoe",
    ] as const) {
      const item = latest.get(name)
      const manifest = JSON.parse(
        item?.contents.files.find((f) => f.path === "package.json")?.content.toString("utf8") ?? "{}",
      ) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> }
      for (const field of [manifest.dependencies ?? {}, manifest.peerDependencies ?? {}]) {
        expect(
          Object.keys(field).filter((d) => d === "effect" || d.startsWith("@tangoe-token/")),
          name,
        ).toEqual([])
      }
      const imports = (item?.contents.files ?? [])
        .filter((f) => /^dist\/.*\.(c|m)?js$/.test(f.path))
        .flatMap((f) =>
          [
            ...f.content
              .toString("utf8")
              .matchAll(
                /(?:require\(|from\s*|import\()\s*["'](effect|@tangoe-token\/core)(?:\/[^"']*)?["']/g,
              ),
          ].map((m) => `${f.path}: ${m[0]}`),
        )
      expect(imports, `${name} loads effect or core from node_modules`).toEqual([])
    }
  })

  describe.each(["lowest", "latest"] as const)("with the %s effect 4.x the user installed", (which) => {
    let redis: RedisServer | undefined
    afterAll(async () => {
      await redis?.stop()
    })

    it("npm lays out one copy of effect, and the README quick starts of core and store-redis run", async () => {
      const effectVersion = await effectVersions[which]()
      const consumer = await makeConsumer(join(work, `effect-${which}`), scopeRc)
      await timed(`npm install core + store-redis + effect@${effectVersion}`, () =>
        npmInstall(consumer, [
          `@tangoe-token/core@${latest.get("@tangoe-token/core")?.version}`,
          `@tangoe-token/store-redis@${latest.get("@tangoe-token/store-redis")?.version}`,
          `effect@${effectVersion}`,
        ]),
      )
      const copies = await installedCopies(consumer.dir, "effect")
      expect(copies).toEqual([{ path: join(consumer.dir, "node_modules", "effect"), version: effectVersion }])
      const ls = await run("npm", ["ls", "effect", "--all"], { cwd: consumer.dir, env: npmEnv(scopeRc) })
      console.info(`release check: effect ${which} (${effectVersion}): npm ls effect --all\n${ls.stdout}`)
      expect(ls.code, ls.stdout + ls.stderr).toBe(0)
      expect(ls.stdout.match(/effect@\d/g)?.length).toBeGreaterThanOrEqual(3) // the user's, core's and store-redis's edges …
      expect(new Set(ls.stdout.match(/effect@[\w.-]+/g))).toEqual(new Set([`effect@${effectVersion}`])) // … one version

      redis ??= await startRedis()
      const programs = [
        ["@tangoe-token/core", "core-promise"],
        ["@tangoe-token/core", "core-effect"],
        ["@tangoe-token/store-redis", "store-redis-promise"],
        ["@tangoe-token/store-redis", "store-redis-effect"],
      ] as const
      for (const [index, [pkg, name]] of programs.entries()) {
        const client = sim.clients[5 + (which === "lowest" ? 0 : 4) + index] as SeededClient
        const dir = join(consumer.dir, name)
        await mkdir(dir, { recursive: true })
        await writeFile(join(dir, "program.mts"), pointAtSimulator(markedProgram(publishedReadme(pkg), name)))
        const passphrase = `quick start passphrase ${which} ${name}`
        const result = await mustRun(process.execPath, ["program.mts"], {
          cwd: dir,
          env: npmEnv(scopeRc, {
            CHECK_TOKEN_URL: sim.tokenUrl,
            CHECK_API_URL: sim.apiUrl,
            TANGOE_CLIENT_ID: client.clientId,
            TANGOE_CLIENT_SECRET: client.clientSecret,
            TANGOE_REFRESH_TOKEN: client.refreshToken,
            TOKEN_STORE_PASSPHRASE: passphrase,
            REDIS_URL: `redis://127.0.0.1:${redis.port}/${index}`,
          }),
          timeout: 60_000,
        })
        expect(result.stdout.trim().split("\n").at(-1), `${name}: the API's status`).toBe("200")
        expect(sim.isLive(client.refreshToken), `${name}: the provisioned token was rotated`).toBe(false)
        for (const secret of [client.clientSecret, client.refreshToken, passphrase]) {
          expect(result.stdout + result.stderr, `${name} printed a secret`).not.toContain(secret)
        }
      }
    })
  })

  it("an effect outside the supported range is refused by npm at install time, not at run time", async () => {
    const range = await effectPeerRange("@tangoe-token/core")
    const previousMajor = Number(lowestOfCaret(range).split(".")[0]) - 1
    const outside = await latestOfMajor(previousMajor, { cwd: work, env: npmEnv(scopeRc) })
    expect(compareVersions(outside, lowestOfCaret(range))).toBeLessThan(0)
    const consumer = await makeConsumer(join(work, "effect-outside"), scopeRc)
    const result = await run(
      "npm",
      [
        "install",
        "--no-audit",
        "--no-fund",
        `@tangoe-token/core@${latest.get("@tangoe-token/core")?.version}`,
        `effect@${outside}`,
      ],
      { cwd: consumer.dir, env: npmEnv(scopeRc), timeout: 300_000 },
    )
    expect(result.code, result.stdout).not.toBe(0)
    expect(result.stderr).toContain("ERESOLVE")
    expect(result.stderr).toContain(`peer effect@"${range}"`)
  })

  it("pingfederate-sim: `npx pingfederate-sim --port 0` prints its JSON line and serves a refresh", async () => {
    const version = latest.get("@tangoe-token/pingfederate-sim")?.version
    const npx = start(
      "npx",
      [
        "--yes",
        "--package",
        `@tangoe-token/pingfederate-sim@${version}`,
        "--",
        "pingfederate-sim",
        "--port",
        "0",
      ],
      { cwd: await makeConsumer(join(work, "npx-sim"), scopeRc).then((c) => c.dir), env: npxEnv() },
    )
    try {
      const line = await timed("npx pingfederate-sim (fetch + start)", () =>
        npx.waitForLine((l) => l.startsWith("{"), 120_000),
      )
      const printed = JSON.parse(line) as { tokenUrl: string; apiUrl: string; clients: SeededClient[] }
      expect(printed.tokenUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/as\/token\.oauth2$/)
      const client = printed.clients[0] as SeededClient
      const url = new URL(printed.tokenUrl)
      url.search = new URLSearchParams({
        grant_type: "refresh_token",
        client_id: client.clientId,
        client_secret: client.clientSecret,
        scope: client.scope,
        refresh_token: client.refreshToken,
      }).toString()
      const response = await fetch(url, { method: "POST" })
      const body = (await response.json()) as { refresh_token?: string; access_token?: string }
      expect(response.status).toBe(200)
      expect(body.refresh_token).not.toBe(client.refreshToken)
      const api = await fetch(printed.apiUrl, { headers: { authorization: `Bearer ${body.access_token}` } })
      expect(api.status).toBe(200)
    } finally {
      await npx.stop()
    }
  })

  it("cli: `npx @tangoe-token/cli token` prints a token from the simulator that its API accepts", async () => {
    const version = latest.get("@tangoe-token/cli")?.version
    const client = sim.clients[1] as SeededClient
    const home = join(work, "cli-user")
    await mkdir(home, { recursive: true })
    const result = await timed("npx @tangoe-token/cli token", () =>
      mustRun(
        "npx",
        [
          "--yes",
          `@tangoe-token/cli@${version}`,
          "token",
          "--json",
          "--token-url",
          sim.tokenUrl,
          "--client-id",
          client.clientId,
          "--scope",
          client.scope,
          "--store",
          join(home, "token.json"),
        ],
        {
          cwd: home,
          env: npxEnv({
            HOME: home,
            XDG_CONFIG_HOME: join(home, "config"),
            XDG_STATE_HOME: join(home, "state"),
            TANGOE_CLIENT_SECRET: client.clientSecret,
            TANGOE_REFRESH_TOKEN: client.refreshToken,
          }),
          timeout: 120_000,
        },
      ),
    )
    const printed = JSON.parse(result.stdout) as { accessToken: string; tokenType: string }
    expect(printed.tokenType).toBe("Bearer")
    const api = await fetch(sim.apiUrl, { headers: { authorization: `Bearer ${printed.accessToken}` } })
    expect(api.status).toBe(200)
    expect(result.stderr).not.toContain(client.clientSecret)
    expect(result.stderr).not.toContain(client.refreshToken)
  })

  it("node-red: installs into a user dir that has its own effect, loads (GET /nodes: enabled), and its example flow gets 200", async () => {
    const version = latest.get("@tangoe-token/node-red-tangoe")?.version
    const effectLatest = await effectVersions.latest()
    const userDir = join(work, "node-red-user")
    const consumer = await makeConsumer(userDir, scopeRc)
    await timed("npm install node-red-tangoe into a user dir", () =>
      // The user dir already has an effect of its own (another node's, or the user's): ours is bundled and ignores it.
      npmInstall(consumer, [`@tangoe-token/node-red-tangoe@${version}`, `effect@${effectLatest}`]),
    )
    const nodeRed = await timed("Node-RED start", () => startNodeRed(userDir))
    try {
      const sets = await nodeRed.nodes()
      const ours = sets.filter((set) => set.module === "@tangoe-token/node-red-tangoe")
      expect(ours.length).toBeGreaterThan(0)
      for (const set of ours)
        expect({ enabled: set.enabled, err: set.err }).toEqual({ enabled: true, err: undefined })
      expect(ours.flatMap((set) => set.types)).toEqual(
        expect.arrayContaining(["tangoe-credentials", "tangoe token"]),
      )

      const example = JSON.parse(
        await readFile(
          join(userDir, "node_modules", "@tangoe-token", "node-red-tangoe", "examples", "tangoe-token.json"),
          "utf8",
        ),
      ) as Array<Record<string, unknown> & { id: string; type: string }>
      const client = sim.clients[2] as SeededClient
      const flow = example.map((node) => {
        if (node.type === "tangoe-credentials")
          return {
            ...node,
            environment: "custom",
            tokenUrl: sim.tokenUrl,
            credentials: {
              clientId: client.clientId,
              clientSecret: client.clientSecret,
              refreshToken: client.refreshToken,
            },
          }
        if (node.type === "http request") return { ...node, url: sim.apiUrl }
        // Debug output to the console, where this test reads it: the status, or the token node's error.
        if (node.type === "debug" && node.name === "API response")
          return {
            ...node,
            console: true,
            complete: '"api-status=" & $string(statusCode)',
            targetType: "jsonata",
          }
        if (node.type === "debug") return { ...node, console: true }
        return node
      })
      const caller = flow.find(
        (node) =>
          node.type === "inject" &&
          !((node.props as Array<{ p: string }> | undefined) ?? []).some((prop) => prop.p === "refresh"),
      )
      expect(caller).toBeDefined()
      const before = sim.stats()
      // POST /flows answers before Node-RED has started the new flows: wait for its "Started flows" line.
      const started = nodeRed.process.waitForLine((line) => /Started flows/.test(line), 120_000)
      started.catch(() => {}) // awaited below; this only keeps an early failure from going unhandled
      await nodeRed.deploy(flow)
      await started
      const answered = nodeRed.process.waitForLine((line) => /api-status=\d+/.test(line), 30_000)
      answered.catch(() => {}) // awaited below; this only keeps an early failure from going unhandled
      await nodeRed.inject(caller?.id ?? "")
      expect(/api-status=(\d+)/.exec(await answered)?.[1]).toBe("200")
      const after = sim.stats()
      expect(after.refreshes - before.refreshes).toBe(1)
      expect(sim.isLive(client.refreshToken)).toBe(false)
      expect(nodeRed.process.output()).not.toContain(client.clientSecret)
    } finally {
      await nodeRed.process.stop()
    }
  })

  it("n8n: zero dependencies; n8n loads the credential and node from the tarball and runs a workflow", async () => {
    const item = latest.get("@tangoe-token/n8n-nodes-tangoe")
    if (item === undefined) throw new Error("the n8n package was not downloaded")
    const manifest = JSON.parse(
      item.contents.files.find((f) => f.path === "package.json")?.content.toString() ?? "{}",
    ) as {
      dependencies?: Record<string, string>
      peerDependencies?: Record<string, string>
      n8n?: { credentials: string[]; nodes: string[] }
    }
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(manifest.peerDependencies).toEqual({ "n8n-workflow": "*" })
    const paths = item.contents.files.map((f) => f.path)
    expect(paths).toEqual(
      expect.arrayContaining([...(manifest.n8n?.credentials ?? []), ...(manifest.n8n?.nodes ?? [])]),
    )

    const install = await timed("n8n install (cached)", ensureN8nInstalled)
    // Installed by hand exactly as the README says (its npm line, run in the nodes folder): only our package.
    const commands = markedProgram(publishedReadme("@tangoe-token/n8n-nodes-tangoe"), "n8n-manual-install")
      .split("\n")
      .filter((line) => line.startsWith("npm "))
    expect(commands).toEqual(["npm install --omit=peer @tangoe-token/n8n-nodes-tangoe"])
    let installed: ReadonlyArray<string> = []
    const n8n = await N8n.createWith(install.dir, async (nodesDir) => {
      const [npm, ...args] = (commands[0] ?? "").split(" ")
      await timed("npm install (README's manual n8n command)", () =>
        mustRun(npm ?? "npm", args, { cwd: nodesDir, env: npmEnv(scopeRc), timeout: 300_000 }),
      )
      installed = (await installedCopies(nodesDir, "n8n-workflow")).map((c) => c.path)
      const top = await readdir(join(nodesDir, "node_modules"))
      installed = [
        ...installed,
        ...top.filter((entry) => !entry.startsWith(".") && entry !== "@tangoe-token"),
      ]
      const scoped = await readdir(join(nodesDir, "node_modules", "@tangoe-token"))
      expect(scoped).toEqual(["n8n-nodes-tangoe"])
      const manifest = JSON.parse(
        await readFile(
          join(nodesDir, "node_modules", "@tangoe-token", "n8n-nodes-tangoe", "package.json"),
          "utf8",
        ),
      ) as { version: string }
      expect(manifest.version).toBe(item.version)
    })
    expect(installed, "the manual install brought packages besides ours").toEqual([])
    try {
      const client = sim.clients[3] as SeededClient
      const credential = { id: "ReleaseCheckCred", name: "Tangoe (release check)" }
      await timed("n8n import", async () => {
        await n8n.importCredentials([simulatorCredential(credential, sim, client)])
        await n8n.importWorkflows([
          workflow("ReleaseCheckWf01", "Release check", [tangoeApiRequest(credential, sim.apiUrl)]),
        ])
      })
      const result = await timed("n8n execute", () => n8n.execute("ReleaseCheckWf01"))
      expect(result.ok, `${result.stdout}\n${result.stderr}`).toBe(true)
      expect(nodeOutput(result.json, "Tangoe")).toEqual([
        { ok: true, client_id: client.clientId, scope: client.scope },
      ])
      expect(sim.isLive(client.refreshToken)).toBe(false)
    } finally {
      await n8n.dispose()
    }
    // n8n's start and a workflow run: about a minute alone, over four minutes beside another CI run.
  }, 600_000)
})
