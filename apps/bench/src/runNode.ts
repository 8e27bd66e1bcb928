/**
 * Runs a Node child process to its end with a bound on its run time, and says what went wrong in a
 * way a person can act on: a timeout is reported as a timeout (after how long, with the output so
 * far), a failure with its exit code or signal and its output. `execFile`'s own `Command failed`
 * gives neither.
 */
import { spawn } from "node:child_process"

/** What a child process did before it failed. */
export interface ChildProcessFailure {
  /** `timeout`: killed at the bound; `exit`: ended by itself (or by a signal) without success. */
  readonly reason: "timeout" | "exit"
  /** What the process is, for the message. */
  readonly what: string
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly boundMillis: number
}

/** How a child process ended when it did not succeed; the message says which and shows the output. */
export class ChildProcessError extends Error {
  override readonly name = "ChildProcessError"

  /** What the process did: why it ended, its output, its exit code or signal. */
  readonly failure: ChildProcessFailure

  constructor(failure: ChildProcessFailure) {
    const how =
      failure.reason === "timeout"
        ? `${failure.what} timed out after ${failure.boundMillis / 1000} s and was killed`
        : `${failure.what} exited with ${failure.code ?? failure.signal}`
    super(`${how}; output so far:\n${tail(failure.stdout)}\n${tail(failure.stderr)}`)
    this.failure = failure
  }
}

/** The last 4,000 characters of `text`. */
const tail = (text: string): string => (text.length > 4000 ? `…${text.slice(-4000)}` : text)

/** Options of {@link runNode}. */
export interface RunNodeOptions {
  /** What the process is, for messages (e.g. "bench --quick"). */
  readonly what: string
  /** Kill it and reject with a timeout after this long. */
  readonly boundMillis: number
  readonly env?: NodeJS.ProcessEnv | undefined
  readonly input?: string | undefined
}

/** Runs `node args…`; resolves with its output when it exits 0. */
export const runNode = (
  args: ReadonlyArray<string>,
  options: RunNodeOptions,
): Promise<{ readonly stdout: string; readonly stderr: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], {
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, options.boundMillis)
    child.once("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      if (!timedOut && code === 0) resolve({ stdout, stderr })
      else {
        reject(
          new ChildProcessError({
            reason: timedOut ? "timeout" : "exit",
            what: options.what,
            stdout,
            stderr,
            code,
            signal,
            boundMillis: options.boundMillis,
          }),
        )
      }
    })
    child.stdin.end(options.input ?? "")
  })
