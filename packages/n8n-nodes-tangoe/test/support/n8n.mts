/**
 * A real n8n for end-to-end tests: installed once into a cache folder outside the repository (by
 * scripts/install-n8n.sh), run headless with SQLite in a fresh user folder, with this package PACKED
 * (`pnpm pack`) and unpacked where n8n loads community packages from. Every n8n command is a child
 * process with a bounded run time; the task-runner broker listens on 127.0.0.1 only.
 */
import { execFile, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { delimiter, dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { freePort } from "@tangoe-token/test-support/ports"
import { type ProcessResult, runProcess, tail as tailOf } from "@tangoe-token/test-support/processes"

const run = promisify(execFile)

/** This package's folder. */
export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..")

/** The package's name, as n8n prefixes its node types. */
export const PACKAGE_NAME = "@tangoe-token/n8n-nodes-tangoe"

/** Runs scripts/install-n8n.sh (a no-op once installed) and returns the n8n install folder. */
export async function ensureN8nInstalled(): Promise<{ readonly dir: string; readonly seconds: number }> {
  const started = Date.now()
  const { stdout } = await run("bash", [join(PACKAGE_DIR, "scripts/install-n8n.sh")], {
    env: { ...process.env, PATH: nodeFirstPath() },
    timeout: 25 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  const dir = stdout.trim().split("\n").at(-1) ?? ""
  return { dir, seconds: Math.round((Date.now() - started) / 1000) }
}

/** PATH with the Node that runs the tests first (n8n 2.41 needs Node >= 24 on PATH). */
export function nodeFirstPath(): string {
  return [dirname(process.execPath), process.env.PATH ?? ""].join(delimiter)
}

/** Packs this package with `pnpm pack` (dist must be built) and returns the tarball's path. */
export async function packPackage(destination: string): Promise<string> {
  const { stdout } = await run("pnpm", ["pack", "--pack-destination", destination], {
    cwd: PACKAGE_DIR,
    timeout: 120_000,
  })
  const tarball = stdout
    .trim()
    .split("\n")
    .map((line) => line.trim())
    .find((line) => line.endsWith(".tgz"))
  if (tarball === undefined) throw new Error(`pnpm pack printed no tarball path:\n${stdout}`)
  return resolve(destination, tarball)
}

/** What one n8n command did (`timedOut` when its time limit killed it). */
export type CommandResult = ProcessResult

/** n8n's message when a port it must listen on is taken. */
const PORT_IN_USE = /port \d+ is already in use/

/** n8n exited at start because a port it was given had been taken meanwhile. */
class PortInUse extends Error {}

/** How a command ended, for messages: a timeout is said to be one. */
export function howItEnded(result: CommandResult): string {
  return result.timedOut
    ? `timed out after ${Math.round(result.millis / 1000)} s and was killed`
    : `exited ${result.code ?? result.signal} after ${result.millis} ms`
}

/** What `n8n execute` did: the process's result, the execution JSON it printed, and whether it ran. */
export interface ExecuteResult extends CommandResult {
  readonly json: unknown
  /** The workflow ran to success: exit code 0, or a crash during shutdown after a successful run. */
  readonly ok: boolean
  /** The process died by a signal after printing a finished, successful execution. */
  readonly shutdownCrash: boolean
}

/** Whether `n8n execute --rawOutput` printed an execution that finished with status success. */
const finishedWithSuccess = (json: unknown): boolean =>
  typeof json === "object" &&
  json !== null &&
  (json as { finished?: unknown }).finished === true &&
  (json as { status?: unknown }).status === "success"

/** One n8n instance: a user folder with its SQLite database and the packed package installed. */
export class N8n {
  readonly encryptionKey = randomBytes(24).toString("hex")

  private constructor(
    readonly installDir: string,
    readonly userFolder: string,
  ) {}

  /** A fresh user folder with the package tarball unpacked into `.n8n/nodes/node_modules/<name>`. */
  static async create(installDir: string, tarball: string): Promise<N8n> {
    return N8n.createWith(installDir, async (nodesDir) => {
      const target = join(nodesDir, "node_modules", ...PACKAGE_NAME.split("/"))
      const unpack = join(nodesDir, "..", "..", "unpack")
      await mkdir(unpack, { recursive: true })
      await run("tar", ["-xzf", tarball, "-C", unpack], { timeout: 60_000 })
      await mkdir(dirname(target), { recursive: true })
      await rename(join(unpack, "package"), target)
    })
  }

  /**
   * A fresh user folder whose nodes folder (`.n8n/nodes`, with n8n's own `package.json`) `install`
   * fills, as a user would (e.g. with the README's npm command).
   */
  static async createWith(installDir: string, install: (nodesDir: string) => Promise<void>): Promise<N8n> {
    const userFolder = await mkdtemp(join(tmpdir(), "tangoe-n8n-e2e-"))
    const nodesDir = join(userFolder, ".n8n", "nodes")
    await mkdir(nodesDir, { recursive: true })
    await writeFile(
      join(nodesDir, "package.json"),
      `${JSON.stringify({ name: "installed-nodes", private: true, dependencies: {} }, null, 2)}\n`,
    )
    await install(nodesDir)
    return new N8n(installDir, userFolder)
  }

  /** The environment of every n8n command: headless, SQLite, no telemetry, loopback only. */
  env(brokerPort: number): NodeJS.ProcessEnv {
    return {
      PATH: nodeFirstPath(),
      HOME: this.userFolder,
      TMPDIR: tmpdir(),
      N8N_USER_FOLDER: this.userFolder,
      N8N_ENCRYPTION_KEY: this.encryptionKey,
      DB_TYPE: "sqlite",
      N8N_DIAGNOSTICS_ENABLED: "false",
      N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
      N8N_TEMPLATES_ENABLED: "false",
      N8N_PERSONALIZATION_ENABLED: "false",
      N8N_HIRING_BANNER_ENABLED: "false",
      N8N_RUNNERS_BROKER_PORT: String(brokerPort),
      N8N_RUNNERS_BROKER_LISTEN_ADDRESS: "127.0.0.1",
      N8N_LISTEN_ADDRESS: "127.0.0.1",
      N8N_LOG_LEVEL: "info",
      N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: "true",
      NODE_ENV: "production",
    }
  }

  /**
   * Runs `n8n <args>` to its end (bounded by `timeoutMillis`). The task broker's port is picked free
   * just before the start, so another program can take it first (seen when other suites run beside
   * this one): n8n then exits at once, before doing anything, saying the port is in use, and the
   * command is started again on another port.
   */
  // 10 minutes: a first command migrates a new database (about 11 s alone), and on a 2-core machine
  // shared with another CI run that was seen to take over 2 minutes.
  async command(args: readonly string[], timeoutMillis = 600_000): Promise<CommandResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.commandOnce(args, timeoutMillis)
      if (result.code === 0 || attempt >= 5 || !PORT_IN_USE.test(result.stdout + result.stderr)) return result
    }
  }

  private async commandOnce(args: readonly string[], timeoutMillis: number): Promise<CommandResult> {
    const brokerPort = await freePort()
    const bin = join(this.installDir, "node_modules", "n8n", "bin", "n8n")
    return await runProcess(process.execPath, [bin, ...args], {
      cwd: this.userFolder,
      env: this.env(brokerPort),
      timeoutMs: timeoutMillis,
    })
  }

  /** Runs a command that must succeed. */
  async mustRun(args: readonly string[], timeoutMillis?: number): Promise<CommandResult> {
    const result = await this.command(args, timeoutMillis)
    if (result.code !== 0) {
      throw new Error(`n8n ${args[0]} ${howItEnded(result)}:\n${tail(result.stdout)}\n${tail(result.stderr)}`)
    }
    return result
  }

  /** `n8n import:credentials` of plain credential data (n8n encrypts it on import). */
  async importCredentials(credentials: readonly object[]): Promise<void> {
    await this.importFile("credentials", credentials)
  }

  /** `n8n import:workflow` of several workflows at once. */
  async importWorkflows(workflows: readonly object[]): Promise<void> {
    await this.importFile("workflow", workflows)
  }

  private async importFile(kind: "credentials" | "workflow", content: readonly object[]): Promise<void> {
    const file = join(this.userFolder, `import-${kind}-${Date.now()}.json`)
    await writeFile(file, JSON.stringify(content))
    try {
      await this.mustRun([`import:${kind}`, `--input=${file}`])
    } finally {
      await rm(file, { force: true })
    }
  }

  /** `n8n execute --id=<id> --rawOutput`: the exit code, the output and the JSON it printed. */
  async execute(workflowId: string): Promise<ExecuteResult> {
    const result = await this.command(["execute", `--id=${workflowId}`, "--rawOutput"], 180_000)
    const json = lastJson(result.stdout)
    // n8n 2.41.1 sometimes dies with SIGSEGV while shutting down AFTER it printed a finished,
    // successful execution (seen on loaded machines, on the first execute of a fresh database; a
    // native module at exit, not this package). The run itself is complete: accept it, and say so.
    const shutdownCrash = result.code === null && result.signal !== null && finishedWithSuccess(json)
    if (shutdownCrash) {
      console.warn(
        `[n8n] execute ${workflowId}: the workflow finished with status success, then the n8n process died with ${result.signal} during shutdown`,
      )
    }
    return { ...result, json, ok: result.code === 0 || shutdownCrash, shutdownCrash }
  }

  /** The credential's data as n8n stored it (`export:credentials --decrypted`). */
  async storedCredential(id: string): Promise<Record<string, unknown>> {
    const file = join(this.userFolder, `export-${Date.now()}.json`)
    try {
      await this.mustRun(["export:credentials", `--id=${id}`, "--decrypted", `--output=${file}`])
      const exported = JSON.parse(await readFile(file, "utf8")) as Array<{ data: Record<string, unknown> }>
      const data = exported[0]?.data
      if (data === undefined) throw new Error(`credential ${id} was not exported`)
      return data
    } finally {
      await rm(file, { force: true })
    }
  }

  /**
   * Starts `n8n start` on 127.0.0.1 (a free port), waits until it answers, and sets up the owner
   * account, as a person would on first start. Returns a client for its REST API.
   */
  async startServer(): Promise<N8nServer> {
    // Its ports are picked free just before the start; if another program took one first, n8n exits
    // at once saying so, and it is started again on other ports.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startServerOnce()
      } catch (error) {
        if (attempt >= 5 || !(error instanceof PortInUse)) throw error
      }
    }
  }

  private async startServerOnce(): Promise<N8nServer> {
    const port = await freePort()
    const brokerPort = await freePort()
    const bin = join(this.installDir, "node_modules", "n8n", "bin", "n8n")
    const child = spawn(process.execPath, [bin, "start"], {
      cwd: this.userFolder,
      env: {
        ...this.env(brokerPort),
        N8N_PORT: String(port),
        N8N_HOST: "127.0.0.1",
        N8N_PROTOCOL: "http",
        N8N_SECURE_COOKIE: "false",
      },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk
    })
    const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()))
    const server = new N8nServer(`http://127.0.0.1:${port}`, async () => {
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
      await exited
      clearTimeout(timer)
      return output
    })
    try {
      const started = Date.now()
      for (;;) {
        if (child.exitCode !== null) {
          const message = `n8n start exited with ${child.exitCode}:\n${tail(output)}`
          throw PORT_IN_USE.test(output) ? new PortInUse(message) : new Error(message)
        }
        if (await server.healthy()) break
        if (Date.now() - started > 180_000)
          throw new Error(`timed out after 180 s waiting for n8n start to be ready:\n${tail(output)}`)
        await new Promise((resolveWait) => setTimeout(resolveWait, 500))
      }
      await server.setUpOwner()
      return server
    } catch (error) {
      await server.stop()
      throw error
    }
  }

  /** Removes the user folder. */
  async dispose(): Promise<void> {
    await rm(this.userFolder, { recursive: true, force: true })
  }
}

/** A running `n8n start`, driven through its REST API like its editor does. */
export class N8nServer {
  private cookie = ""
  private readonly browserId = randomBytes(8).toString("hex")

  constructor(
    readonly url: string,
    private readonly stopper: () => Promise<string>,
  ) {}

  /** Whether n8n says it is ready (`/healthz/readiness` answers 200). */
  async healthy(): Promise<boolean> {
    try {
      // `/healthz/readiness` answers 200 only once the database is connected and migrated and n8n
      // is fully started (`/healthz` answers long before, while REST calls still get 503).
      return (await fetch(`${this.url}/healthz/readiness`, { signal: AbortSignal.timeout(2_000) })).ok
    } catch {
      return false
    }
  }

  /**
   * Creates the owner account and keeps its session cookie. Called once n8n says it is ready; should
   * a REST route still not be there (404, 503, or 200 "n8n is starting up", all seen on a loaded
   * machine before waiting for readiness), the call is repeated, for up to `boundMillis`.
   */
  async setUpOwner(boundMillis = 180_000): Promise<void> {
    const owner = {
      email: "owner@example.com",
      firstName: "E2e",
      lastName: "Owner",
      password: `Pw-${randomBytes(12).toString("hex")}`,
    }
    const started = Date.now()
    for (;;) {
      const response = await this.request("POST", "/rest/owner/setup", owner)
      const text = await response.text()
      const starting = response.status === 404 || response.status === 503 || /is starting up/i.test(text)
      if (!starting) {
        this.cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? ""
        if (!response.ok || this.cookie === "") {
          throw new Error(`owner setup failed: HTTP ${response.status} ${text.slice(0, 500)}`)
        }
        return
      }
      if (Date.now() - started > boundMillis) {
        throw new Error(
          `timed out after ${boundMillis / 1000} s waiting for n8n to be ready for owner setup: HTTP ${response.status} ${text.slice(0, 200)}`,
        )
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 500))
    }
  }

  /** One REST call with the session; the parsed JSON `data` of the answer. */
  async rest(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.request(method, path, body)
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`)
    return (JSON.parse(text) as { data?: unknown }).data
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    return await fetch(`${this.url}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        "browser-id": this.browserId,
        ...(this.cookie === "" ? {} : { cookie: this.cookie }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    })
  }

  /** Stops the server; returns everything it printed. */
  async stop(): Promise<string> {
    return await this.stopper()
  }
}

/** The last 3,000 characters of a command's output (for failure messages). */
export function tail(text: string): string {
  return tailOf(text, 3000)
}

/**
 * The JSON document `n8n execute --rawOutput` printed: pretty-printed, so it starts with a line that is
 * just `{` (or `[`) and ends with a line that is just `}` (or `]`); log lines can come before and after.
 */
export function lastJson(stdout: string): unknown {
  const lines = stdout.split("\n").map((line) => line.replace(/\r$/, ""))
  for (let first = lines.length - 1; first >= 0; first--) {
    const open = lines[first]
    if (open !== "{" && open !== "[") continue
    const close = open === "{" ? "}" : "]"
    for (let last = first + 1; last < lines.length; last++) {
      if (lines[last] !== close) continue
      try {
        return JSON.parse(lines.slice(first, last + 1).join("\n"))
      } catch {
        // a nested closing line: keep going
      }
    }
  }
  return undefined
}

/** The items (their `json`) a node output in the run data that `n8n execute --rawOutput` printed. */
export function nodeOutput(runOutput: unknown, nodeName: string): Array<Record<string, unknown>> {
  const runs = (runOutput as { data?: { resultData?: { runData?: Record<string, unknown> } } } | undefined)
    ?.data?.resultData?.runData?.[nodeName]
  const last = Array.isArray(runs) ? (runs.at(-1) as { data?: { main?: unknown[][] } }) : undefined
  const items = last?.data?.main?.[0] ?? []
  return items.map((item) => (item as { json: Record<string, unknown> }).json)
}

/** Names of the secrets (never their values) that occur in `text`. */
export function leakedSecrets(text: string, secrets: Readonly<Record<string, string>>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value.length >= 6 && text.includes(value))
    .map(([name]) => name)
}
