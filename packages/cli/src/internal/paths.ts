/**
 * Where the CLI keeps its files by default, following the XDG base directory convention:
 * settings in `$XDG_CONFIG_HOME/tangoe-token/config.json` (else `~/.config/…`) and the token
 * store in `$XDG_STATE_HOME/tangoe-token/token.json` (else `~/.local/state/…`).
 *
 * @internal
 */
import { homedir } from "node:os"
import { isAbsolute, join } from "node:path"

/** The environment variables the default locations depend on. */
export type PathEnv = Readonly<Record<string, string | undefined>>

/** The folder name under the XDG base folders. */
const APP = "tangoe-token"

/** An XDG base folder: the variable when it holds an absolute path (the spec ignores relative ones), else `~/<fallback>`. */
const xdgBase = (env: PathEnv, variable: string, fallback: string): string => {
  const value = env[variable]
  return value !== undefined && isAbsolute(value) ? value : join(env.HOME || homedir(), fallback)
}

/** The default settings file: `$XDG_CONFIG_HOME/tangoe-token/config.json`. */
export const defaultConfigPath = (env: PathEnv): string =>
  join(xdgBase(env, "XDG_CONFIG_HOME", ".config"), APP, "config.json")

/** The default token store file: `$XDG_STATE_HOME/tangoe-token/token.json`. */
export const defaultStorePath = (env: PathEnv): string =>
  join(xdgBase(env, "XDG_STATE_HOME", join(".local", "state")), APP, "token.json")
