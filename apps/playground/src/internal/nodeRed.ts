/**
 * The Node-RED 5 runtime as a child process: started with the parent watch preloaded (it stops
 * itself if the playground dies), its output passed on line by line, flows deployed through
 * its admin API, and stopped with SIGTERM (then SIGKILL after a grace time).
 *
 * @internal
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"
import type { FlowNode } from "./exampleFlow.ts"
import { LOOPBACK } from "./ports.ts"

const require = createRequire(import.meta.url)

/** The preload that stops Node-RED when its parent dies. */
const PARENT_WATCH = join(import.meta.dirname, "parentWatch.cjs")

/** A running Node-RED process. */
export interface NodeRedRuntime {
  /** The editor's (and admin API's) URL, `http://127.0.0.1:PORT/`. */
  readonly url: string
  readonly pid: number
  /** Resolves with the exit code (or signal name) when the process ends, whoever ended it. */
  readonly exited: Promise<number | string>
  /**
   * Replaces the flows with id in `replaceIds` (or on those tabs) by `nodes`: a full deploy.
   * Resolves once Node-RED logs that the flows started (or after 15 s).
   */
  deploy(nodes: ReadonlyArray<FlowNode>, replaceIds: ReadonlySet<string>): Promise<void>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>
}

/** Where the Node-RED launcher script is (node-red is a dependency of the playground). */
const redJs = (): string => join(dirname(require.resolve("node-red/package.json")), "red.js")

const waitForEditor = async (
  url: string,
  child: ChildProcess,
  exited: Promise<unknown>,
  timeoutMs: number,
) => {
  let gone = false
  void exited.then(() => {
    gone = true
  })
  const until = Date.now() + timeoutMs
  while (!gone) {
    try {
      const response = await fetch(`${url}settings`, { signal: AbortSignal.timeout(2_000) })
      if (response.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > until)
      throw new Error(`Node-RED (pid ${child.pid}) did not answer on ${url} within ${timeoutMs / 1000} s`)
    await new Promise((r) => setTimeout(r, 150))
  }
  throw new Error("Node-RED exited while starting (see its output above)")
}

/**
 * Starts Node-RED on `port` with `userDir` and `settingsFile`; each output line goes to `onLine`.
 * Resolves once the editor answers (Node-RED listens only after its flows have started).
 */
export const startNodeRed = async (options: {
  readonly userDir: string
  readonly settingsFile: string
  readonly port: number
  readonly onLine: (line: string) => void
  readonly timeoutMs?: number
}): Promise<NodeRedRuntime> => {
  const child = spawn(
    process.execPath,
    ["--require", PARENT_WATCH, redJs(), "--userDir", options.userDir, "--settings", options.settingsFile],
    {
      cwd: options.userDir,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, NODE_RED_ENABLE_TOURS: "false" },
    },
  )
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"))
    child.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "spawn failed"))
  })
  // A deploy waits for Node-RED's "Updated flows" then "Started flows" lines: its flows run.
  let awaitingStart: { updated: boolean; resolve: () => void } | undefined
  const onLine = (line: string): void => {
    options.onLine(line)
    if (awaitingStart === undefined) return
    if (/\[info\] Updated flows$/.test(line)) awaitingStart.updated = true
    else if (awaitingStart.updated && /\[info\] Started flows$/.test(line)) awaitingStart.resolve()
  }
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", onLine)
  }
  const url = `http://${LOOPBACK}:${options.port}/`
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs)
    await exited
    clearTimeout(timer)
  }
  try {
    await waitForEditor(url, child, exited, options.timeoutMs ?? 60_000)
  } catch (error) {
    await stop(2_000)
    throw error
  }
  const deploy = async (nodes: ReadonlyArray<FlowNode>, replaceIds: ReadonlySet<string>): Promise<void> => {
    const current = await fetch(`${url}flows`, { headers: { "Node-RED-API-Version": "v1" } })
    if (!current.ok) throw new Error(`Node-RED GET /flows answered ${current.status}`)
    const others = ((await current.json()) as Array<FlowNode>).filter(
      (n) => !(replaceIds.has(n.id) || (n.z !== undefined && replaceIds.has(n.z))),
    )
    const started = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 15_000) // the log lines are a nicety: never block on them
      awaitingStart = {
        updated: false,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      }
    })
    const response = await fetch(`${url}flows`, {
      method: "POST",
      headers: { "content-type": "application/json", "Node-RED-Deployment-Type": "full" },
      body: JSON.stringify([...others, ...nodes]),
    })
    // The body of an error could quote the posted flow: report the status only.
    if (!response.ok)
      throw new Error(`Node-RED refused the example flow: POST /flows answered ${response.status}`)
    await started
    awaitingStart = undefined
  }
  return { url, pid: child.pid ?? -1, exited, deploy, stop }
}
