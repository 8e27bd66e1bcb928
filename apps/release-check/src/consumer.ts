/**
 * A user's side of the release: clean folders outside the workspace where published packages are
 * installed with plain npm, from the local registry for `@tangoe-token/*` (a temporary user config)
 * and from the npm registry for everything else.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { type CommandResult, cleanEnv, killGroup, mustRun } from "./exec.ts"

/** Where and how a user installs: a folder and the npm user config that names the local registry. */
export interface Consumer {
  readonly dir: string
  readonly npmrc: string
}

/** npm's environment for a consumer: its user config, a CI-like shell, optionally another cache. */
export const npmEnv = (npmrc: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
  cleanEnv({ NPM_CONFIG_USERCONFIG: npmrc, CI: "true", ...extra })

/** A new folder with a bare package.json, as `npm init -y` would leave it. */
export const makeConsumer = async (dir: string, npmrc: string): Promise<Consumer> => {
  await mkdir(dir, { recursive: true })
  await writeFile(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "release-check-consumer", version: "1.0.0", private: true }, null, 2)}\n`,
  )
  return { dir, npmrc }
}

/** `npm install <specs>` in the consumer's folder. */
export const npmInstall = (consumer: Consumer, specs: readonly string[]): Promise<CommandResult> =>
  mustRun("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...specs], {
    cwd: consumer.dir,
    env: npmEnv(consumer.npmrc),
    timeout: 300_000,
  })

/** A long-running child process whose output lines can be awaited. */
export interface Running {
  readonly child: ChildProcess
  /** Everything it printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the first output line that `match` accepts; rejects on exit or after `timeout`. */
  waitForLine(match: (line: string) => boolean, timeout: number): Promise<string>
  /** SIGTERM to its process group, SIGKILL after 5 s. */
  stop(): Promise<void>
}

/** Starts `command args` detached (its own process group), its output collected line by line. */
export const start = (
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): Running => {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true })
  let output = ""
  const waiters = new Set<(line: string) => void>()
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      output += `${line}\n`
      for (const waiter of waiters) waiter(line)
    })
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  return {
    child,
    output: () => output,
    waitForLine: (match, timeout) =>
      new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer)
          waiters.delete(waiter)
        }
        const waiter = (line: string) => {
          if (!match(line)) return
          done()
          resolve(line)
        }
        const timer = setTimeout(() => {
          done()
          reject(
            new Error(`no expected line from \`${command} ${args.join(" ")}\` in ${timeout} ms:\n${output}`),
          )
        }, timeout)
        waiters.add(waiter)
        void exited.then(() => {
          if (!waiters.has(waiter)) return
          done()
          reject(new Error(`\`${command} ${args.join(" ")}\` exited (${child.exitCode}):\n${output}`))
        })
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      killGroup(child.pid, "SIGTERM")
      const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}
