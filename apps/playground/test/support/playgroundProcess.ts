/**
 * The playground as the user runs it, in a child process of the test: `pnpm start` in the
 * package (the real start script) or `node src/start.ts`, in its own process group (so a test can
 * send SIGINT to the whole group, as Ctrl-C in a terminal does), with ports, user dir and timings
 * given through the PLAYGROUND_* environment variables. Output is collected for assertions.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createDecipheriv, createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { join } from "node:path"
import { READY_LINE } from "../../src/internal/banner.ts"
import { descendants, freePorts } from "./processes.ts"

/** The playground package folder. */
export const PLAYGROUND_DIR = join(import.meta.dirname, "..", "..")

/**
 * How the test launches it: the package's start script through pnpm, `node src/start.ts`
 * directly, or `node src/start.ts` under a shell (`sh`) that the test can kill to orphan it.
 */
export type Launcher = "pnpm start" | "node" | "sh"

/** The simulator's admin state (the parts the tests read). */
export interface AdminState {
  readonly stats: {
    readonly tokenRequests: number
    readonly refreshes: number
    readonly failures: number
    readonly errors: Record<string, number>
    readonly apiRequests: number
    readonly apiUnauthorized: number
  }
  readonly requests: ReadonlyArray<{
    readonly method: string
    readonly path: string
    readonly status: number
  }>
}

/** One request the simulator's Tangoe-style API received (`GET /__admin/api-requests`). */
export interface ApiRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly status: number
}

/** A playground process started by a test. */
export class PlaygroundProcess {
  private out = ""
  /** Resolves when stdout and stderr are closed (every process holding them has exited). */
  readonly closed: Promise<void>
  /** Resolves with the launched process's exit code (or signal). */
  readonly exited: Promise<number | string>

  readonly child: ChildProcess
  readonly simPort: number
  readonly nodeRedPort: number
  readonly userDir: string

  private constructor(child: ChildProcess, simPort: number, nodeRedPort: number, userDir: string) {
    this.child = child
    this.simPort = simPort
    this.nodeRedPort = nodeRedPort
    this.userDir = userDir
    const streams = [child.stdout, child.stderr]
    for (const s of streams) s?.on("data", (chunk: Buffer) => (this.out += chunk.toString("utf8")))
    this.closed = Promise.all(streams.map((s) => new Promise<void>((r) => s?.once("close", () => r())))).then(
      () => undefined,
    )
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
    )
  }

  /** Everything printed so far (stdout and stderr). */
  get output(): string {
    return this.out
  }
  get pid(): number {
    return this.child.pid ?? -1
  }
  get simUrl(): string {
    return `http://127.0.0.1:${this.simPort}`
  }
  get editorUrl(): string {
    return `http://127.0.0.1:${this.nodeRedPort}/`
  }

  /** Launches the playground on two free ports with `env` added (PLAYGROUND_USER_DIR is required). */
  static launch(launcher: Launcher, env: Record<string, string> & { PLAYGROUND_USER_DIR: string }) {
    return freePorts().then(([simPort, nodeRedPort]) => {
      const [command, args] =
        launcher === "pnpm start"
          ? ["pnpm", ["start"]]
          : launcher === "sh"
            ? ["sh", ["-c", `"${process.execPath}" src/start.ts & wait $!`]]
            : [process.execPath, ["src/start.ts"]]
      const child = spawn(command, args, {
        cwd: PLAYGROUND_DIR,
        detached: true, // its own process group: the test can signal the group like a terminal does
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          PLAYGROUND_SIM_PORT: String(simPort),
          PLAYGROUND_NODE_RED_PORT: String(nodeRedPort),
          ...env,
        },
      })
      return new PlaygroundProcess(child, simPort, nodeRedPort, env.PLAYGROUND_USER_DIR)
    })
  }

  /** Waits for the ready banner; throws with the output if the process ends or `timeoutMs` passes. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs
    let ended = false
    void this.exited.then(() => {
      ended = true
    })
    while (!this.out.includes(READY_LINE)) {
      if (ended || Date.now() > until) {
        throw new Error(`The playground did not get ready (${ended ? "it exited" : "timeout"}):\n${this.out}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** Every live process below the launched one. */
  descendants(): Array<number> {
    return descendants(this.pid)
  }

  /** The simulator's admin state. */
  async adminState(): Promise<AdminState> {
    const response = await fetch(`${this.simUrl}/__admin/state`)
    return (await response.json()) as AdminState
  }

  /** What the simulator's Tangoe-style API received: path, query, headers (secrets masked), status. */
  async apiRequests(): Promise<ReadonlyArray<ApiRequest>> {
    const response = await fetch(`${this.simUrl}/__admin/api-requests`)
    return ((await response.json()) as { requests: ReadonlyArray<ApiRequest> }).requests
  }

  /** Polls the admin state until `done` holds for it, or throws after `timeoutMs`. */
  async waitForState(done: (state: AdminState) => boolean, timeoutMs: number): Promise<AdminState> {
    const until = Date.now() + timeoutMs
    for (;;) {
      const state = await this.adminState()
      if (done(state)) return state
      if (Date.now() > until) throw new Error(`Timed out; last stats: ${JSON.stringify(state.stats)}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  /** Node-RED's flows_cred.json, decrypted with the credential secret the playground kept in the user dir. */
  async flowCredentials(): Promise<Record<string, Record<string, string>>> {
    const secret = (await readFile(join(this.userDir, ".credential-secret"), "utf8")).trim()
    const file = JSON.parse(await readFile(join(this.userDir, "flows_cred.json"), "utf8")) as { $: string }
    const key = createHash("sha256").update(secret).digest()
    const decipher = createDecipheriv("aes-256-ctr", key, Buffer.from(file.$.slice(0, 32), "hex"))
    return JSON.parse(decipher.update(file.$.slice(32), "base64", "utf8") + decipher.final("utf8")) as Record<
      string,
      Record<string, string>
    >
  }

  /** Sends `signal` to the whole process group (what Ctrl-C in a terminal does). */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pid, signal)
  }

  /** Last resort for cleanup: SIGKILL the group, every descendant still alive and `known` pids. */
  kill(known: ReadonlyArray<number> = []): void {
    for (const pid of [-this.pid, ...this.descendants(), ...known]) {
      try {
        process.kill(pid, "SIGKILL")
      } catch {
        // gone
      }
    }
  }
}
