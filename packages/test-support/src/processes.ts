/**
 * Child processes for tests and tools:
 * - `runProcess` spawns a command, collects its stdout and stderr, and resolves with how it ended
 *   (exit code or signal) once it has, bounded by a time limit that is reported as such
 *   (`timedOut`), not mistaken for a crash. It never rejects for a non-zero exit; it rejects only
 *   when the command cannot be started at all (ENOENT…).
 * - `startProcess` starts a long-running child (a worker, a second process of a race) whose stdout
 *   lines a test waits for, one event at a time, and which it can write to and kill.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process"

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

/** How a long-running child ended. */
export interface ProcessExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A child started by {@link startProcess}. */
export interface RunningProcess {
  readonly child: ChildProcess
  /** The child's process id (undefined when it could not be started). */
  readonly pid: number | undefined
  /** Every complete stdout line so far. */
  readonly lines: ReadonlyArray<string>
  /** Everything printed so far, stdout lines and stderr, in arrival order. */
  readonly output: () => string
  /** Everything printed on stderr so far. */
  readonly stderr: () => string
  /**
   * The first stdout line, already printed or to come, that matches; rejects when the child exits
   * first, or after `timeoutMs` (default 20 s) with what it printed.
   */
  readonly line: (predicate?: (line: string) => boolean, timeoutMs?: number) => Promise<string>
  /** Like `line`, but only among the lines after the one `nextLine` returned last. */
  readonly nextLine: (predicate?: (line: string) => boolean, timeoutMs?: number) => Promise<string>
  /** Writes `text` and a newline to the child's stdin. */
  readonly send: (text: string) => void
  /** Resolves once the child has exited. */
  readonly exited: Promise<ProcessExit>
  /** SIGKILL (when still running), then waits for the exit. */
  readonly kill: () => Promise<void>
}

/** Starts `command args` with piped stdio (see {@link RunningProcess}). */
export const startProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: Pick<SpawnOptions, "cwd" | "env" | "uid" | "gid"> = {},
): RunningProcess => {
  const child = spawn(command, [...args], { ...options, stdio: ["pipe", "pipe", "pipe"] })
  const lines: Array<string> = []
  let output = ""
  let stderr = ""
  let partial = ""
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const check of [...waiters]) check()
  }
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n")
    partial = parts.pop() ?? ""
    for (const line of parts) {
      const text = line.replace(/\r$/, "")
      lines.push(text)
      output += `${text}\n`
    }
    wake()
  })
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk
    output += chunk
  })
  child.stdin?.on("error", () => {})
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve({ code, signal })
      wake()
    })
  })
  const running = () => child.exitCode === null && child.signalCode === null

  const waitFor =
    (from: () => number, found: (index: number) => void) =>
    (predicate: (line: string) => boolean = () => true, timeoutMs = 20_000) =>
      new Promise<string>((resolve, reject) => {
        let index = from()
        const finish = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        const check = () => {
          for (; index < lines.length; index++) {
            const candidate = lines[index] as string
            if (predicate(candidate)) {
              finish()
              found(index)
              resolve(candidate)
              return
            }
          }
          if (!running()) {
            finish()
            reject(
              new Error(
                `the child exited (${child.exitCode ?? child.signalCode}) before a matching line; output:\n${tail(output)}`,
              ),
            )
          }
        }
        const timer = setTimeout(() => {
          finish()
          reject(new Error(`no matching line within ${timeoutMs} ms; output:\n${tail(output)}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })

  let cursor = 0
  return {
    child,
    pid: child.pid,
    lines,
    output: () => output,
    stderr: () => stderr,
    line: waitFor(
      () => 0,
      () => {},
    ),
    nextLine: waitFor(
      () => cursor,
      (index) => {
        cursor = index + 1
      },
    ),
    send: (text) => {
      child.stdin?.write(`${text}\n`)
    },
    exited,
    kill: async () => {
      if (running()) child.kill("SIGKILL")
      await exited
    },
  }
}
