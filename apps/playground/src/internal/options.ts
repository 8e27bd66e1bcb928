/**
 * The playground's settings, from command-line flags first, then `PLAYGROUND_*` environment
 * variables, then defaults. A bad value is an `OptionsError` that names the flag, the variable
 * and what was expected.
 *
 * @internal
 */
import { isAbsolute, join, resolve } from "node:path"
import { parseArgs } from "node:util"

/** What `pnpm start` runs with. */
export interface PlaygroundOptions {
  /** The simulator's port on 127.0.0.1 (default 9031, like PingFederate). */
  readonly simPort: number
  /** Node-RED's port on 127.0.0.1 (default 1880). */
  readonly nodeRedPort: number
  /** The Node-RED user dir (default `apps/playground/.playground`), reused across starts. */
  readonly userDir: string
  /** Wipe the user dir before starting. */
  readonly fresh: boolean
  /** The simulator's access token lifetime in seconds (default 20: with a call every 5 s, a rotation about every 15 s). */
  readonly accessTokenLifetime: number
  /** Seconds between the example flow's API calls (default 5). */
  readonly interval: number
}

/** A flag or variable with a value the playground cannot use. */
export class OptionsError extends Error {
  override readonly name = "OptionsError"
}

/** The playground package's folder (where package.json is). */
export const PLAYGROUND_DIR = join(import.meta.dirname, "..", "..")

/** The defaults, documented in the README and the usage text. */
export const DEFAULTS = {
  simPort: 9031,
  nodeRedPort: 1880,
  userDir: join(PLAYGROUND_DIR, ".playground"),
  accessTokenLifetime: 20,
  interval: 5,
} as const

/** The usage text of `pnpm start -- --help`. */
export const USAGE = `Usage: pnpm start [-- <flags>]   (or: node apps/playground/src/start.ts <flags>)

Starts, on 127.0.0.1 only, the PingFederate simulator and a Node-RED 5 runtime with
@tangoe-token/node-red-tangoe installed and its example flow deployed. Ctrl-C stops both.

Flags (each also read from the environment variable shown):
  --sim-port <n>                 simulator port (PLAYGROUND_SIM_PORT, default ${DEFAULTS.simPort})
  --node-red-port <n>            Node-RED editor port (PLAYGROUND_NODE_RED_PORT, default ${DEFAULTS.nodeRedPort})
  --user-dir <path>              Node-RED user dir (PLAYGROUND_USER_DIR, default apps/playground/.playground)
  --fresh                        delete the user dir first (PLAYGROUND_FRESH=1)
  --access-token-lifetime <s>    access token lifetime in seconds (PLAYGROUND_ACCESS_TOKEN_LIFETIME, default ${DEFAULTS.accessTokenLifetime})
  --interval <s>                 seconds between API calls (PLAYGROUND_INTERVAL, default ${DEFAULTS.interval})
  -h, --help                     print this text
`

/** What the command line asks for: run, or print the usage. */
export type Command =
  | { readonly kind: "help" }
  | { readonly kind: "run"; readonly options: PlaygroundOptions }

const portOf = (value: string, flag: string, variable: string): number => {
  const n = Number(value)
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) {
    throw new OptionsError(
      `${flag} (${variable}): expected a port from 1 to 65535, got ${JSON.stringify(value)}`,
    )
  }
  return n
}

const secondsOf = (value: string, flag: string, variable: string, min: number, max: number): number => {
  const n = Number(value)
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    throw new OptionsError(
      `${flag} (${variable}): expected a number of seconds from ${min} to ${max}, got ${JSON.stringify(value)}`,
    )
  }
  return n
}

const flagOf = (value: string, flag: string, variable: string): boolean => {
  if (/^(1|true|yes)$/i.test(value)) return true
  if (/^(0|false|no|)$/i.test(value)) return false
  throw new OptionsError(`${flag} (${variable}): expected 1/true or 0/false, got ${JSON.stringify(value)}`)
}

/**
 * Reads the options from `argv` (without node and the script) and `env`.
 *
 * @throws OptionsError for an unknown flag or a bad value
 */
export const parseCommand = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Command => {
  let values: Record<string, string | boolean | undefined>
  try {
    ;({ values } = parseArgs({
      // `pnpm start -- --fresh` passes the `--` on: a leading one is not the end of the flags here.
      args: argv[0] === "--" ? argv.slice(1) : [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        "sim-port": { type: "string" },
        "node-red-port": { type: "string" },
        "user-dir": { type: "string" },
        fresh: { type: "boolean" },
        "access-token-lifetime": { type: "string" },
        interval: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }))
  } catch (error) {
    throw new OptionsError(`${(error as Error).message}. Run with --help for the flags.`)
  }
  if (values.help === true) return { kind: "help" }
  const pick = (flag: string, variable: string): string | undefined => {
    const fromFlag = values[flag]
    return typeof fromFlag === "string" ? fromFlag : env[variable]
  }
  const given = (flag: string, variable: string) => {
    const value = pick(flag, variable)
    return value === undefined ? undefined : ([value, `--${flag}`, variable] as const)
  }
  const simPort = given("sim-port", "PLAYGROUND_SIM_PORT")
  const nodeRedPort = given("node-red-port", "PLAYGROUND_NODE_RED_PORT")
  const lifetime = given("access-token-lifetime", "PLAYGROUND_ACCESS_TOKEN_LIFETIME")
  const interval = given("interval", "PLAYGROUND_INTERVAL")
  const userDir = pick("user-dir", "PLAYGROUND_USER_DIR")
  const fresh =
    values.fresh === true ||
    (env.PLAYGROUND_FRESH !== undefined && flagOf(env.PLAYGROUND_FRESH, "--fresh", "PLAYGROUND_FRESH"))
  const options: PlaygroundOptions = {
    simPort: simPort ? portOf(...simPort) : DEFAULTS.simPort,
    nodeRedPort: nodeRedPort ? portOf(...nodeRedPort) : DEFAULTS.nodeRedPort,
    userDir:
      userDir === undefined || userDir.trim() === ""
        ? DEFAULTS.userDir
        : isAbsolute(userDir)
          ? userDir
          : // Relative to where the user typed the command (pnpm runs scripts in the package folder).
            resolve(env.INIT_CWD ?? process.cwd(), userDir),
    fresh,
    accessTokenLifetime: lifetime ? secondsOf(...lifetime, 1, 86_400) : DEFAULTS.accessTokenLifetime,
    interval: interval ? secondsOf(...interval, 0.5, 3_600) : DEFAULTS.interval,
  }
  if (options.simPort === options.nodeRedPort) {
    throw new OptionsError(
      `--sim-port and --node-red-port (PLAYGROUND_SIM_PORT, PLAYGROUND_NODE_RED_PORT): expected two different ports, got ${options.simPort} for both`,
    )
  }
  return { kind: "run", options }
}
