/**
 * A real Node-RED process for end-to-end tests, set up the way a user would: a user dir in a temp
 * folder, the packed package installed into it with npm, a settings.js bound to 127.0.0.1 with a
 * credential secret, flows and credentials deployed through the admin API, injects fired through
 * it. Start, stop (SIGTERM) and kill -9 are explicit, so a test can restart or crash the runtime.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { freePort } from "@tangoe-token/test-support/ports"
import { describeEnd, type ProcessResult, runProcess, tail } from "@tangoe-token/test-support/processes"

const require = createRequire(import.meta.url)

/** The package directory (where package.json and dist/ are). */
export const PACKAGE_DIR = join(import.meta.dirname, "..", "..")

/** Runs `npm args` in `cwd`; rejects, with the end of its output, unless it exits with 0. */
const npm = async (args: ReadonlyArray<string>, cwd: string): Promise<ProcessResult> => {
  const result = await runProcess("npm", args, {
    cwd,
    env: { ...process.env, npm_config_loglevel: "error", npm_config_update_notifier: "false" },
    timeoutMs: 300_000,
  })
  if (result.code !== 0) throw new Error(`npm ${args[0]} ${describeEnd(result)}:\n${tail(result.stderr)}`)
  return result
}

/** What `npm pack` made. */
export interface PackedPackage {
  readonly tarball: string
  /** Bytes of the .tgz. */
  readonly size: number
  readonly unpackedSize: number
  readonly files: ReadonlyArray<string>
}

/** Packs the package (dist must be built) into a temp folder, as `npm publish` would. */
export const packPackage = async (): Promise<PackedPackage> => {
  const dest = await mkdtemp(join(tmpdir(), "tangoe-nr-pack-"))
  const { stdout } = await npm(["pack", "--json", "--pack-destination", dest], PACKAGE_DIR)
  const [info] = JSON.parse(stdout) as Array<{
    filename: string
    size: number
    unpackedSize: number
    files: Array<{ path: string }>
  }>
  if (info === undefined) throw new Error("npm pack printed no result")
  return {
    tarball: join(dest, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files.map((f) => f.path),
  }
}

/** A Node-RED 5 runtime in a child process. */
export class NodeRedProcess {
  private child: ChildProcess | undefined
  private output = ""
  /** Every line the runtime printed, across all its starts. */
  get log(): string {
    return this.output
  }
  /** How many times the process was started. */
  starts = 0

  private constructor(
    readonly userDir: string,
    readonly port: number,
    private readonly settingsFile: string,
    private readonly settings: Record<string, unknown>,
  ) {}

  /** The admin API's base URL. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /**
   * Creates the user dir, installs the packed package into it and writes settings.js.
   * `credentialSecret` undefined: none in settings.js (Node-RED generates one).
   */
  static async create(tarball: string, credentialSecret: string | undefined): Promise<NodeRedProcess> {
    const userDir = await mkdtemp(join(tmpdir(), "tangoe-nr-user-"))
    await writeFile(
      join(userDir, "package.json"),
      JSON.stringify({ name: "node-red-project", private: true }),
    )
    await npm(["install", "--offline", "--no-audit", "--no-fund", "--no-save", tarball], userDir)
    const port = await freePort()
    const settingsFile = join(userDir, "settings.js")
    const settings = {
      uiHost: "127.0.0.1",
      uiPort: port,
      userDir,
      flowFile: "flows.json",
      credentialSecret,
      logging: { console: { level: "info", metrics: false, audit: false } },
      externalModules: { palette: { allowInstall: false }, modules: { allowInstall: false } },
      diagnostics: { enabled: false, ui: false },
      telemetry: { enabled: false },
      editorTheme: { tours: false, palette: { catalogues: [] } },
    }
    await writeFile(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)}\n`)
    return new NodeRedProcess(userDir, port, settingsFile, settings)
  }

  /** Sets (or, with undefined, removes) settings.js's `credentialSecret`, for the next start. */
  async setCredentialSecret(credentialSecret: string | undefined): Promise<void> {
    if (this.child) throw new Error("stop Node-RED before changing its settings")
    const settings = { ...this.settings, credentialSecret }
    await writeFile(this.settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)}\n`)
  }

  /** Starts the runtime and waits for its admin API (and flows) to answer. */
  async start(): Promise<void> {
    if (this.child) throw new Error("Node-RED is already running")
    const redJs = join(dirname(require.resolve("node-red/package.json")), "red.js")
    // TANGOE_E2E_NODE runs the runtime on another Node binary (e.g. the oldest one supported).
    const nodeBinary = process.env.TANGOE_E2E_NODE ?? process.execPath
    const child = spawn(nodeBinary, [redJs, "--userDir", this.userDir, "--settings", this.settingsFile], {
      cwd: this.userDir,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_RED_ENABLE_TOURS: "false" },
    })
    this.child = child
    this.starts++
    const append = (chunk: Buffer) => {
      this.output += chunk.toString("utf8")
    }
    child.stdout?.on("data", append)
    child.stderr?.on("data", append)
    child.once("exit", () => {
      if (this.child === child) this.child = undefined
    })
    const until = Date.now() + 120_000
    for (;;) {
      if (this.child !== child) throw new Error(`Node-RED exited during start:\n${this.output.slice(-2000)}`)
      try {
        const response = await fetch(`${this.url}/flows/state`, { signal: AbortSignal.timeout(2000) })
        if (response.ok && /"state":"start"/.test(await response.text())) return
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`Node-RED did not start in 120 s:\n${this.output.slice(-2000)}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** Stops the runtime: SIGTERM (a clean stop) or SIGKILL (kill -9, a crash). */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const child = this.child
    if (!child) return
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    child.kill(signal)
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
    await exited
    clearTimeout(timer)
  }

  /** Deploys flows (credentials may be embedded in nodes) with the given deployment type. */
  async deploy(flows: ReadonlyArray<object>, type: "full" | "nodes" | "flows" | "reload"): Promise<void> {
    const response = await fetch(`${this.url}/flows`, {
      method: "POST",
      headers: { "content-type": "application/json", "Node-RED-Deployment-Type": type },
      body: JSON.stringify(flows),
    })
    if (!response.ok) throw new Error(`deploy (${type}) failed: ${response.status} ${await response.text()}`)
  }

  /** Fires an inject node through the admin API (waiting, up to 2 min, for flows still starting). */
  async inject(id: string): Promise<void> {
    const until = Date.now() + 120_000
    for (;;) {
      const response = await fetch(`${this.url}/inject/${id}`, { method: "POST" })
      if (response.ok) return
      if (response.status !== 404 || Date.now() > until)
        throw new Error(`inject ${id} failed: ${response.status}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}
