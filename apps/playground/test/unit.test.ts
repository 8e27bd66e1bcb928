/**
 * The pieces of the playground that need no process: options from flags and environment, the
 * example flow aimed at a simulator, and the user dir (package link, settings, flows.json clean-up).
 */
import { existsSync } from "node:fs"
import { lstat, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { readyBanner, rotationPeriod } from "../src/internal/banner.ts"
import { DEBUG_OUTPUT, exampleIds, playgroundFlow, readExampleFlow } from "../src/internal/exampleFlow.ts"
import { DEFAULTS, OptionsError, parseCommand } from "../src/internal/options.ts"
import { NODE_PACKAGE, nodePackageDir, prepareUserDir } from "../src/internal/userDir.ts"

const run = (argv: Array<string>, env: NodeJS.ProcessEnv = {}) => {
  const command = parseCommand(argv, env)
  if (command.kind !== "run") throw new Error("expected run")
  return command.options
}

describe("parseCommand", () => {
  it("uses the defaults, then the environment, then the flags", () => {
    expect(run([])).toEqual({ ...DEFAULTS, fresh: false })
    const env = { PLAYGROUND_SIM_PORT: "9100", PLAYGROUND_NODE_RED_PORT: "9101", PLAYGROUND_FRESH: "1" }
    expect(run([], env)).toMatchObject({ simPort: 9100, nodeRedPort: 9101, fresh: true })
    expect(
      run(["--sim-port", "9200", "--interval", "0.5", "--access-token-lifetime", "3"], env),
    ).toMatchObject({
      simPort: 9200,
      nodeRedPort: 9101,
      interval: 0.5,
      accessTokenLifetime: 3,
    })
    expect(run(["--user-dir", "rel/dir"], { INIT_CWD: "/home/me" }).userDir).toBe("/home/me/rel/dir")
    expect(parseCommand(["-h"], {})).toEqual({ kind: "help" })
    expect(run(["--", "--fresh"]).fresh).toBe(true) // pnpm start -- --fresh
  })

  it("names the flag, the variable and what it expected for a bad value", () => {
    expect(() => run(["--sim-port", "99999"])).toThrow(
      new OptionsError('--sim-port (PLAYGROUND_SIM_PORT): expected a port from 1 to 65535, got "99999"'),
    )
    expect(() => run([], { PLAYGROUND_INTERVAL: "soon" })).toThrow(
      /--interval \(PLAYGROUND_INTERVAL\): expected a number/,
    )
    expect(() => run(["--node-red-port", "9031"])).toThrow(/expected two different ports, got 9031 for both/)
    expect(() => run(["--bogus"])).toThrow(OptionsError)
  })
})

describe("playgroundFlow", () => {
  it("aims the package's example flow at the simulator, with its credentials and a repeating inject", async () => {
    const example = await readExampleFlow(await nodePackageDir())
    const target = {
      tokenUrl: "http://127.0.0.1:1/as/token.oauth2",
      apiBaseUrl: "http://127.0.0.1:1/mobileprocurement/v1",
      tenant: "ACME",
      clientId: "id",
      clientSecret: "s3cr3t-value",
      refreshToken: "rt",
      interval: 2,
    }
    const flow = playgroundFlow(example, target)
    expect(new Set(flow.map((n) => n.id))).toEqual(exampleIds(example))
    const byType = (type: string) => flow.filter((n) => n.type === type)
    expect(byType("tangoe-credentials")[0]).toMatchObject({
      environment: "custom",
      tokenUrl: target.tokenUrl,
      tenant: "ACME",
      apiBase: target.apiBaseUrl,
      credentials: { clientId: "id", clientSecret: "s3cr3t-value", refreshToken: "rt" },
    })
    // Tangoe's documented paged collection, first page, under this simulator's API base.
    expect(byType("http request")[0]).toMatchObject({
      method: "GET",
      url: "http://127.0.0.1:1/mobileprocurement/v1/orders?limit=10&offset=0",
    })
    // The tangoe api node calls the same collection under the credentials' API base, page by page.
    expect(byType("tangoe api")).toHaveLength(1)
    expect(byType("tangoe api")[0]).toMatchObject({
      method: "GET",
      url: "orders",
      paging: "pages",
      limit: "10",
    })
    const [caller, refresher] = byType("inject")
    expect(caller).toMatchObject({ repeat: "2", once: true })
    // One inject fires both ways of calling, so they run at the same pace.
    expect(caller?.wires).toEqual([[byType("tangoe token")[0]?.id, byType("tangoe api")[0]?.id]])
    expect(refresher).toMatchObject({ repeat: "" })
    expect(flow.find((n) => n.name === "API response")).toMatchObject({
      complete: DEBUG_OUTPUT,
      targetType: "jsonata",
    })
    // The example itself is not changed.
    expect(JSON.stringify(example)).not.toContain("s3cr3t-value")
  })

  it("says what the user sees: the tab's text asks for nothing to paste; the error debug node shows the message", async () => {
    const example = await readExampleFlow(await nodePackageDir())
    const target = {
      tokenUrl: "http://127.0.0.1:9031/as/token.oauth2",
      apiBaseUrl: "http://127.0.0.1:9031/mobileprocurement/v1",
      tenant: "ACME",
      clientId: "id",
      clientSecret: "s3cr3t-value",
      refreshToken: "rt",
      interval: 5,
    }
    const flow = playgroundFlow(example, target)
    const info = String(flow.find((n) => n.type === "tab")?.info)
    expect(info).not.toMatch(/paste the client ID/i)
    expect(info).toContain("Nothing to fill in")
    expect(info).toContain("every 5 s")
    expect(info).toContain("bug icon, bottom right")
    expect(info).toContain("GET /mobileprocurement/v1/orders")
    expect(info).toContain("X-TNGO-TENANT: ACME")
    expect(info).not.toContain("/api/v1/ping")
    expect(info).not.toContain("s3cr3t-value")
    // A catch node's msg.error is { message, source }: the sidebar shows the advice, not a collapsed object.
    expect(flow.find((n) => n.name === "what to do")).toMatchObject({
      complete: "error.message",
      targetType: "msg",
    })
  })

  it("the banner's rotation period is the first call after half the token's life", () => {
    // 20 s tokens, a call every 5 s: due at 10 s, a hair after the 2nd call, so the 3rd one refreshes.
    expect(rotationPeriod(20, 5)).toBe(15)
    expect(rotationPeriod(20, 3)).toBe(12)
    expect(rotationPeriod(3, 0.5)).toBe(2)
    const banner = readyBanner({
      editorUrl: "http://127.0.0.1:1880/",
      simUrl: "http://127.0.0.1:9031",
      adminUrl: "http://127.0.0.1:9031/__admin",
      accessTokenLifetime: 20,
      interval: 5,
      userDir: "/tmp/x",
      userDirCreated: true,
      tabLabel: "Tangoe token (playground)",
      tenant: "ACME",
    })
    expect(banner).toContain("rotates about every 15 s")
    expect(banner).toContain("GET /mobileprocurement/v1/orders with X-TNGO-TENANT: ACME")
    expect(banner).toContain("24 items, 3 pages")
    expect(banner).not.toContain("/api/v1/ping")
    expect(banner).toContain("bottom right")
    expect(banner).not.toContain("top right")
  })

  it("says what the example lacks when its shape changes", () => {
    expect(() => playgroundFlow([{ id: "t", type: "tab" }], {} as never)).toThrow(
      "The node package's example flow should have exactly one tangoe-credentials config node; it has 0.",
    )
  })
})

describe("prepareUserDir", () => {
  const dirs: Array<string> = []
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })

  it("links the package in, writes settings, keeps the credential secret and drops the example's nodes from flows.json", async () => {
    const root = await mkdtemp(join(tmpdir(), "tangoe-playground-unit-"))
    dirs.push(root)
    const userDir = join(root, "user")
    const packageDir = await nodePackageDir()
    const options = { userDir, fresh: false, port: 18080, packageDir, exampleIds: new Set(["tab1", "cfg"]) }
    const first = await prepareUserDir(options)
    expect(first.created).toBe(true)
    const link = join(userDir, "node_modules", NODE_PACKAGE)
    expect((await lstat(link)).isSymbolicLink()).toBe(true)
    expect(await realpath(link)).toBe(packageDir)
    const settings = await readFile(first.settingsFile, "utf8")
    expect(settings).toContain('"uiHost": "127.0.0.1"')
    expect(settings).toContain('"uiPort": 18080')
    const secret = await readFile(join(userDir, ".credential-secret"), "utf8")

    await writeFile(
      join(userDir, "flows.json"),
      JSON.stringify([
        { id: "tab1", type: "tab" },
        { id: "n1", z: "tab1", type: "inject" },
        { id: "cfg", type: "tangoe-credentials" },
        { id: "mine", type: "tab" },
        { id: "n2", z: "mine", type: "debug" },
      ]),
    )
    const again = await prepareUserDir(options)
    expect(again.created).toBe(false)
    expect(await readFile(join(userDir, ".credential-secret"), "utf8")).toBe(secret)
    const kept = JSON.parse(await readFile(join(userDir, "flows.json"), "utf8")) as Array<{ id: string }>
    expect(kept.map((n) => n.id)).toEqual(["mine", "n2"])

    const fresh = await prepareUserDir({ ...options, fresh: true })
    expect(fresh.created).toBe(true)
    expect(existsSync(join(userDir, "flows.json"))).toBe(false)
  })

  it("--fresh refuses to delete a folder the playground did not make", async () => {
    const root = await mkdtemp(join(tmpdir(), "tangoe-playground-unit-"))
    dirs.push(root)
    await mkdir(join(root, "precious"))
    await writeFile(join(root, "precious", "keep.txt"), "data")
    await expect(
      prepareUserDir({
        userDir: join(root, "precious"),
        fresh: true,
        port: 18080,
        packageDir: await nodePackageDir(),
        exampleIds: new Set(),
      }),
    ).rejects.toThrow(/is not a playground user dir .* so it was not deleted/)
    expect(await readFile(join(root, "precious", "keep.txt"), "utf8")).toBe("data")
  })
})
