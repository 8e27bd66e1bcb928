/**
 * Settings and their precedence: command-line flags > environment variables > the settings file >
 * defaults. Secrets become `Redacted` here, at the edge, and stay so.
 *
 * | setting        | flag               | environment            | settings file  | default              |
 * | -------------- | ------------------ | ---------------------- | -------------- | -------------------- |
 * | environment    | --token-url, --env | TANGOE_TOKEN_URL, TANGOE_ENV | environment | production           |
 * | client id      | --client-id        | TANGOE_CLIENT_ID       | clientId       | (required)           |
 * | client secret  | --client-secret ⚠  | TANGOE_CLIENT_SECRET   | clientSecret   | (required)           |
 * | scope          | --scope            | TANGOE_SCOPE           | scope          | none                 |
 * | tenant         | --tenant           | TANGOE_TENANT          | tenant         | none                 |
 * | refresh token  | --refresh-token ⚠  | TANGOE_REFRESH_TOKEN   | (token store)  | the stored one       |
 * | service account| --username         | TANGOE_USERNAME        | username       | none                 |
 * | its password   | never argv         | TANGOE_PASSWORD        | password ¹     | none                 |
 * | token store    | --store            | TANGOE_STORE           | store          | XDG state folder     |
 * | Redis password | —                  | TANGOE_REDIS_PASSWORD  | (in the URL)   | the URL's            |
 * | settings file  | --config           | TANGOE_CONFIG          | —              | XDG config folder    |
 *
 * ¹ only with `init --self-heal`, which also sets `selfHeal: true`. A service account (username and
 * password) makes every command take the first grant itself when nothing is stored, and heal a dead
 * chain (core's `serviceAccount`, self-heal on).
 *
 * Within one level a token URL wins over an environment name. A token store given as a
 * `redis://` or `rediss://` URL selects the shared Redis store (@tangoe-token/store-redis); the URL
 * may carry a password, so it is kept `Redacted` and shown without it.
 *
 * @internal
 */
import {
  type ClientAuth,
  type Environment,
  MAX_TIMEOUT,
  MIN_TIMEOUT,
  type Placement,
} from "@tangoe-token/core"
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type { ConfigFile } from "./configFile.ts"
import { UsageError } from "./errors.ts"
import { defaultConfigPath, defaultStorePath, type PathEnv } from "./paths.ts"

/** The settings flags every command accepts (all optional). */
export interface SettingFlags {
  readonly env?: string | undefined
  readonly tokenUrl?: string | undefined
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  readonly scope?: string | undefined
  /** The customer's tenant code, sent as `X-TNGO-TENANT` by `request`. */
  readonly tenant?: string | undefined
  readonly refreshToken?: string | undefined
  readonly store?: string | undefined
  readonly config?: string | undefined
  readonly placement?: string | undefined
  readonly clientAuth?: string | undefined
  /** Seconds. */
  readonly timeout?: number | undefined
  /** One token request, no retry. */
  readonly noRetry?: boolean | undefined
  /** The service account's username (`command://name`, `rivermine://name` or a bare name). */
  readonly username?: string | undefined
}

/** Where a setting's value came from. */
export type Source = "flag" | "env" | "config" | "stdin" | "default" | "none"

/** The resolved settings. */
export interface Settings {
  readonly environment: Environment
  /** `production`, `qa` or the token URL: printable. */
  readonly environmentLabel: string
  readonly clientId: string | undefined
  readonly clientSecret: Redacted.Redacted<string> | undefined
  readonly scope: string | undefined
  /** The customer's tenant code (`X-TNGO-TENANT`). */
  readonly tenant: string | undefined
  /** A provisioned refresh token (flag, environment, stdin): it seeds or replaces the stored one. */
  readonly refreshToken: Redacted.Redacted<string> | undefined
  readonly placement: string | undefined
  readonly clientAuth: string | undefined
  readonly timeoutSeconds: number | undefined
  /** `--no-retry`: one token request per refresh. */
  readonly noRetry: boolean
  /** The token store as shown: the file path, or the Redis URL without its password. */
  readonly storePath: string
  /** The Redis URL when the store is a `redis://` / `rediss://` URL (it may hold a password). */
  readonly storeUrl: Redacted.Redacted<string> | undefined
  /** `TANGOE_REDIS_PASSWORD`: the Redis password (overrides the URL's). */
  readonly redisPassword: Redacted.Redacted<string> | undefined
  readonly configPath: string
  /** `TANGOE_STORE_KEY`: a passphrase that encrypts the token store (AES-256-GCM). */
  readonly storeKey: Redacted.Redacted<string> | undefined
  /** The service account's username (flag, environment, settings file). Kept `Redacted`: never shown. */
  readonly username: Redacted.Redacted<string> | undefined
  /** The service account's password (stdin, `TANGOE_PASSWORD`, settings file): never from argv. */
  readonly password: Redacted.Redacted<string> | undefined
  /** The settings file says to heal a dead chain with the service account (`init --self-heal`). */
  readonly selfHeal: boolean
  readonly sources: {
    readonly environment: Source
    readonly clientId: Source
    readonly clientSecret: Source
    readonly scope: Source
    readonly tenant: Source
    readonly refreshToken: Source
    readonly store: Source
    readonly config: Source
    readonly username: Source
    readonly password: Source
  }
}

/** The first defined, non-empty value and its source, in precedence order. */
const pick = <A>(
  ...candidates: ReadonlyArray<readonly [A | undefined, Source]>
): readonly [A | undefined, Source] => {
  for (const [value, source] of candidates) {
    if (value !== undefined && value !== "") return [value, source]
  }
  return [undefined, "none"]
}

/** The settings file path: --config > TANGOE_CONFIG > `$XDG_CONFIG_HOME/tangoe-token/config.json`. */
export const resolveConfigPath = (flags: SettingFlags, env: PathEnv): readonly [string, Source] => {
  const [path, source] = pick([flags.config, "flag"], [env.TANGOE_CONFIG, "env"])
  return path === undefined ? [defaultConfigPath(env), "default"] : [path, source]
}

/** `"production"`, `"qa"`, or `{ tokenUrl }` for anything that looks like a URL. */
const toEnvironment = (value: string): Environment =>
  value === "production" || value === "qa"
    ? value
    : /^[a-z][a-z0-9+.-]*:/i.test(value)
      ? { tokenUrl: value }
      : (value as "qa")

/** Shows a token URL without its query string (it should have none, but never print one). */
const labelOf = (value: string): string => value.replace(/[?#].*$/, "")

/** Whether a token store setting names a Redis server rather than a file. */
export const isRedisUrl = (store: string): boolean => /^rediss?:\/\//i.test(store)

/** A Redis URL as it may be shown: without its password (and without query or fragment). Never throws. */
export const redisUrlLabel = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.password = ""
    parsed.search = ""
    parsed.hash = ""
    return parsed.href
  } catch {
    return `${url.slice(0, url.indexOf(":"))}://(an invalid URL)`
  }
}

/** A non-empty secret as `Redacted`, else `undefined`. */
const secret = (value: string | undefined): Redacted.Redacted<string> | undefined =>
  value === undefined || value === "" ? undefined : Redacted.make(value)

/** Resolves every setting from flags, environment variables and the settings file. */
export const resolveSettings = (input: {
  readonly flags: SettingFlags
  readonly env: PathEnv
  readonly file: ConfigFile | undefined
  /** Secrets read from standard input by `init --stdin`: they rank with flags. */
  readonly stdin?:
    | {
        readonly clientSecret?: string | undefined
        readonly refreshToken?: string | undefined
        readonly password?: string | undefined
      }
    | undefined
}): Settings => {
  const { flags, env, file = {} } = input
  const stdin = input.stdin ?? {}
  const [configPath, configSource] = resolveConfigPath(flags, env)
  const [environmentValue, environmentSource] = pick(
    [flags.tokenUrl ?? flags.env, "flag"],
    [env.TANGOE_TOKEN_URL || env.TANGOE_ENV, "env"],
    [file.environment, "config"],
    ["production", "default"],
  )
  const environment = environmentValue ?? "production"
  const [clientId, clientIdSource] = pick(
    [flags.clientId, "flag"],
    [env.TANGOE_CLIENT_ID, "env"],
    [file.clientId, "config"],
  )
  const [clientSecret, clientSecretSource] = pick(
    [flags.clientSecret, "flag"],
    [stdin.clientSecret, "stdin"],
    [env.TANGOE_CLIENT_SECRET, "env"],
    [file.clientSecret, "config"],
  )
  const [scope, scopeSource] = pick([flags.scope, "flag"], [env.TANGOE_SCOPE, "env"], [file.scope, "config"])
  const [tenant, tenantSource] = pick(
    [flags.tenant, "flag"],
    [env.TANGOE_TENANT, "env"],
    [file.tenant, "config"],
  )
  const [refreshToken, refreshTokenSource] = pick(
    [flags.refreshToken, "flag"],
    [stdin.refreshToken, "stdin"],
    [env.TANGOE_REFRESH_TOKEN, "env"],
  )
  const [store, storeSource] = pick([flags.store, "flag"], [env.TANGOE_STORE, "env"], [file.store, "config"])
  const [username, usernameSource] = pick(
    [flags.username, "flag"],
    [env.TANGOE_USERNAME, "env"],
    [file.username, "config"],
  )
  const [password, passwordSource] = pick(
    [stdin.password, "stdin"],
    [env.TANGOE_PASSWORD, "env"],
    [file.password, "config"],
  )
  const redis = store !== undefined && isRedisUrl(store)
  return {
    environment: toEnvironment(environment),
    environmentLabel: labelOf(environment),
    clientId,
    clientSecret: secret(clientSecret),
    scope,
    tenant,
    refreshToken: secret(refreshToken),
    placement: flags.placement ?? file.placement,
    clientAuth: flags.clientAuth ?? file.clientAuth,
    timeoutSeconds: flags.timeout ?? file.timeout,
    noRetry: flags.noRetry === true,
    storePath: store === undefined ? defaultStorePath(env) : redis ? redisUrlLabel(store) : store,
    storeUrl: redis ? Redacted.make(store) : undefined,
    redisPassword: secret(env.TANGOE_REDIS_PASSWORD),
    configPath,
    storeKey: secret(env.TANGOE_STORE_KEY),
    username: secret(username),
    password: secret(password),
    selfHeal: file.selfHeal === true,
    sources: {
      environment: environmentSource,
      clientId: clientIdSource,
      clientSecret: clientSecretSource,
      scope: scopeSource,
      tenant: tenantSource,
      refreshToken: refreshTokenSource,
      store: store === undefined ? "default" : storeSource,
      config: configSource,
      username: usernameSource,
      password: passwordSource,
    },
  }
}

/** What a sealed password in the settings file is bound to (see core's `sealSecret`). */
export const PASSWORD_LABEL = "tangoe-token settings: serviceAccount.password"

/**
 * The service account of the settings, when both its username and password are set. The password may
 * still be sealed (settings file, `TANGOE_STORE_KEY`): `openServiceAccount` opens it.
 */
export const serviceAccountOf = (
  settings: Settings,
):
  | { readonly username: Redacted.Redacted<string>; readonly password: Redacted.Redacted<string> }
  | undefined =>
  settings.username === undefined || settings.password === undefined
    ? undefined
    : { username: settings.username, password: settings.password }

/** What core's token client needs besides the store, or a `UsageError` naming the missing setting. */
export interface ClientRequest {
  readonly environment: Environment
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly scope?: string
  readonly placement?: Placement
  readonly clientAuth?: ClientAuth
  readonly timeout?: number
}

/** Core's range of a token request's time limit, in seconds: 0.1 to 2147483.647. */
export const TIMEOUT_SECONDS = {
  min: Duration.toMillis(MIN_TIMEOUT) / 1000,
  max: Duration.toMillis(MAX_TIMEOUT) / 1000,
} as const

/**
 * Why `seconds` cannot be the time limit of a token request (core's range), in the CLI's words, or
 * `undefined` when it can. A limit under 0.1 s fires after the request left, when the server may
 * already have rolled the refresh token: the rotation would be lost.
 */
export const timeoutProblem = (seconds: unknown): string | undefined =>
  typeof seconds === "number" && seconds >= TIMEOUT_SECONDS.min && seconds <= TIMEOUT_SECONDS.max
    ? undefined
    : `must be a number of seconds from ${TIMEOUT_SECONDS.min} to ${Math.floor(TIMEOUT_SECONDS.max)} (a shorter time limit fires after the request left, and can cost the refresh token)`

/** Checks that the client id and secret are present and builds the request part of the client options. */
export const clientRequest = (settings: Settings): ClientRequest => {
  if (settings.clientId === undefined) {
    throw new UsageError({
      message: "no client id — pass --client-id, set TANGOE_CLIENT_ID, or run tangoe-token init",
    })
  }
  if (settings.clientSecret === undefined) {
    throw new UsageError({
      message:
        "no client secret — set TANGOE_CLIENT_SECRET, or run tangoe-token init (it saves it in the settings file)",
    })
  }
  const timeout = settings.timeoutSeconds === undefined ? undefined : timeoutProblem(settings.timeoutSeconds)
  if (timeout !== undefined) {
    throw new UsageError({ message: `--timeout (or "timeout" in the settings file) ${timeout}` })
  }
  return {
    environment: settings.environment,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    ...(settings.scope === undefined ? {} : { scope: settings.scope }),
    // Core validates these two and names the field when they are wrong.
    ...(settings.placement === undefined ? {} : { placement: settings.placement as Placement }),
    ...(settings.clientAuth === undefined ? {} : { clientAuth: settings.clientAuth as ClientAuth }),
    ...(settings.timeoutSeconds === undefined ? {} : { timeout: settings.timeoutSeconds * 1000 }),
  }
}
