/**
 * Child processes for tests and tools: `runProcess` spawns a command, collects its stdout and
 * stderr, and resolves with how it ended (exit code or signal) once it has, bounded by a time
 * limit that is reported as such (`timedOut`), not mistaken for a crash. It never rejects for a
 * non-zero exit; it rejects only when the command cannot be started at all (ENOENT…).
 */
import { spawn } from "node:child_process"

/** How a finished command ended, and what it printed. */
export interface ProcessResult {
  readonly code: number | null
  /** The signal that ended the process, when it did not exit by itself. */
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** Wall-clock milliseconds from spawn to close. */
  readonly millis: number
  /** The process was killed (SIGKILL) because it ran past `timeoutMs`. */
  readonly timedOut: boolean
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  readonly cwd?: string | undefined
  /** The whole environment of the child; default: this process's. */
  readonly env?: NodeJS.ProcessEnv | undefined
  /** Written to standard input, which is then closed. Without it, stdin is not connected. */
  readonly input?: string | undefined
  /** Milliseconds before the child is killed with SIGKILL; default 120,000. */
  readonly timeoutMs?: number | undefined
  /**
   * Start the child in its own process group and kill the whole group at the time limit (for
   * `npx`, `sh -c` and the like, whose real process is a grandchild).
   */
  readonly group?: boolean | undefined
}

/** Sends `signal` to a child started with `group: true` and to everything it started. */
export const killGroup = (pid: number | undefined, signal: NodeJS.Signals): void => {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

/** Runs `command args` to its end (see the module comment). */
export const runProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: RunProcessOptions = {},
): Promise<ProcessResult> =>
  new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: options.group === true,
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    if (child.stdin !== null) {
      // A command that exits before reading its input closes the pipe: that is not an error here.
      child.stdin.on("error", () => {})
      child.stdin.end(options.input)
    }
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      if (options.group === true) killGroup(child.pid, "SIGKILL")
      else child.kill("SIGKILL")
    }, options.timeoutMs ?? 120_000)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, millis: Date.now() - started, timedOut })
    })
  })

/** How a result ended, in words: `exited with 1`, `was killed by SIGSEGV`, `was killed at its time limit`. */
export const describeEnd = (result: ProcessResult): string =>
  result.timedOut
    ? "was killed at its time limit"
    : result.signal === null
      ? `exited with ${result.code}`
      : `was killed by ${result.signal}`

/** The last `max` characters of some output (default 4,000), for failure messages. */
export const tail = (text: string, max = 4000): string => (text.length > max ? `…${text.slice(-max)}` : text)
