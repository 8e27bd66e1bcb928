/**
 * Runs the built `tangoe-token` in a child process with HOME and the XDG folders pointed into a
 * temporary folder, records every output so a final test can scan them for secrets, and gives a test
 * file its simulator.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type SeededClient, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { useFileResource } from "@tangoe-token/test-support/fileResource"
import { runProcess } from "@tangoe-token/test-support/processes"
import { afterAll } from "vitest"

/** The built command. */
export const CLI = join(import.meta.dirname, "..", "..", "dist", "cli.mjs")

/** The result of one run. */
export interface Run {
  readonly args: ReadonlyArray<string>
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Every run of the test file, with whether its job is to print the access token. */
export const runs: Array<Run & { readonly printsToken: boolean }> = []

/** A temporary HOME with XDG config and state folders inside it. */
export interface Home {
  readonly dir: string
  readonly env: Record<string, string>
  readonly configPath: string
  readonly storePath: string
}

/** Every temporary HOME made, for `removeHomes`. */
const homes: Array<string> = []

/** Removes the temporary HOMEs. */
export const removeHomes = (): void => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/**
 * One simulator (environment "qa") for the test file: started before its first test (`use` then
 * receives it); after its last, closed and the temporary HOMEs removed.
 */
export const useSimulator = (use: (sim: Simulator) => void): void => {
  useFileResource(() => startSimulator({ environment: "qa" }), use)
  afterAll(removeHomes)
}

/** Makes a temporary HOME. */
export const makeHome = (): Home => {
  const dir = mkdtempSync(join(tmpdir(), "tangoe-cli-"))
  homes.push(dir)
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, "config"),
    XDG_STATE_HOME: join(dir, "state"),
    PATH: process.env.PATH ?? "",
  }
  return {
    dir,
    env,
    configPath: join(dir, "config", "tangoe-token", "config.json"),
    storePath: join(dir, "state", "tangoe-token", "token.json"),
  }
}

/** Runs the command; `stdin` is written and closed (an empty stdin when absent). */
export const run = async (
  home: Home,
  args: ReadonlyArray<string>,
  options: {
    readonly env?: Record<string, string>
    readonly stdin?: string
    readonly command?: ReadonlyArray<string>
  } = {},
): Promise<Run> => {
  const [file, ...prefix] = options.command ?? [process.execPath, CLI]
  const { code, stdout, stderr } = await runProcess(file as string, [...prefix, ...args], {
    cwd: home.dir,
    env: { ...home.env, ...options.env },
    input: options.stdin ?? "",
  })
  const result = { args, code, stdout, stderr }
  const command = args.find((a) => !a.startsWith("-"))
  runs.push({ ...result, printsToken: command === "token" || command === "header" })
  return result
}

/** The stored record, read from the plain token file. */
export const readStore = (path: string): { refreshToken: string; accessToken?: string; generation: number } =>
  JSON.parse(readFileSync(path, "utf8")).token

/** Parses a run's stdout as one JSON document. */
export const json = (r: Run): Record<string, unknown> => JSON.parse(r.stdout)

/** The simulator clients a test file made, with their secrets, for its final scan of every output. */
export interface Ledger {
  /** Client secrets, refresh tokens (and any other value no output may show). */
  readonly secrets: Set<string>
  readonly clients: Array<{ readonly sim: Simulator; readonly client: SeededClient }>
}

/** A new client (scope MOBPROC) on `on`, its secret and refresh token recorded in `ledger`. */
export const addClient = (ledger: Ledger, on: Simulator): SeededClient => {
  const client = on.addClient({ scopes: ["MOBPROC"] })
  ledger.clients.push({ sim: on, client })
  ledger.secrets.add(client.clientSecret)
  ledger.secrets.add(client.refreshToken)
  return client
}

/** Adds every refresh token still live for the ledger's clients to its secrets. */
export const addLiveTokens = (ledger: Ledger): void => {
  for (const { sim, client } of ledger.clients) {
    for (const token of sim.liveRefreshTokens(client.clientId)) ledger.secrets.add(token)
  }
}
