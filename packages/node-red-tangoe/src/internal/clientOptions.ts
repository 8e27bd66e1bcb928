/**
 * Turns a `tangoe-credentials` node's settings and credentials into core token-client options,
 * or a `NotConfigured` problem naming the field to fix. This check catches what is missing; then
 * core's own validation of the request (URL scheme, loopback-only http, scope syntax, control
 * characters…) runs at once, on deploy, so that its failure names the field too, before any call.
 *
 * @internal
 */
import * as Result from "effect/Result"
import {
  type Environment,
  type InvalidConfig,
  resolvePasswordGrantRequest,
  resolveRefreshRequest,
} from "./core.ts"
import type { TokenProblem } from "./problem.ts"
import { isRedisUrl } from "./redisUrl.ts"

/** The editor settings of a `tangoe-credentials` node (flows.json). */
export interface CredentialsConfig {
  readonly id: string
  readonly name?: string
  readonly environment?: string
  readonly tokenUrl?: string
  readonly scope?: string
  readonly placement?: string
  readonly clientAuth?: string
  readonly refreshAhead?: string | number
  /** Optional: the customer's tenant code, sent as `X-TNGO-TENANT` by the token node. */
  readonly tenant?: string
  /**
   * How the node gets its tokens: `refreshToken` (default: the one pasted in the editor) or
   * `serviceAccount` (the username and password credentials: the first grant, and a new one when the
   * chain dies).
   */
  readonly authentication?: string
  /**
   * Optional: the API base URL the `tangoe api` node calls paths under (default: core's production
   * preset for the production environment; required for the others).
   */
  readonly apiBase?: string
}

/** The credentials of a `tangoe-credentials` node (flows_cred.json). */
export interface CredentialsSecrets {
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  /** The refresh token the user pasted in the editor (the provisioned one). */
  readonly refreshToken?: string | undefined
  /** The latest rotated refresh token, mirrored here by the runtime so a deploy saves it. */
  readonly rotatedRefreshToken?: string | undefined
  /** Core's origin fingerprint of the provisioned token `rotatedRefreshToken` descends from. */
  readonly rotatedOrigin?: string | undefined
  /**
   * Optional: a `redis://` / `rediss://` URL (it may carry a password, hence a credential). When
   * set, the token lives in Redis, shared by every runtime deployed with these credentials.
   */
  readonly redisUrl?: string | undefined
  /** The Tangoe service account (`command://name`, `rivermine://name`, or a bare name). */
  readonly username?: string | undefined
  /** The service account's password. */
  readonly password?: string | undefined
}

/** Credential fields and their kinds, as registered with the runtime. */
export const CREDENTIAL_FIELDS = {
  clientId: { type: "text" },
  clientSecret: { type: "password" },
  refreshToken: { type: "password" },
  rotatedRefreshToken: { type: "password" },
  rotatedOrigin: { type: "password" },
  redisUrl: { type: "password" },
  username: { type: "text" },
  password: { type: "password" },
} as const

/** What `createTokenClient` needs from a config node (store and key come from elsewhere). */
export interface ResolvedClientOptions {
  readonly environment: Environment
  readonly clientId: string
  readonly clientSecret: string
  /** Empty with a service account until one is pasted (the first grant then starts the chain). */
  readonly refreshToken: string
  /** The service account (with `authentication: "serviceAccount"`): it bootstraps and heals the chain. */
  readonly serviceAccount?: { readonly username: string; readonly password: string }
  readonly scope?: string
  readonly placement: "query" | "body"
  readonly clientAuth: "params" | "basic"
  /** In milliseconds. */
  readonly refreshAhead: number
  /** The shared Redis store's URL, when one is set (not a token-client option: the store's). */
  readonly redisUrl?: string
}

const notConfigured = (field: string, message: string): TokenProblem => ({
  _tag: "NotConfigured",
  field,
  message: `The Tangoe credentials are incomplete: ${message}`,
})

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== ""

/** Resolves the options, or the first problem found. Never puts a secret in a problem. */
export const resolveClientOptions = (
  config: CredentialsConfig,
  secrets: CredentialsSecrets,
): ResolvedClientOptions | TokenProblem => {
  const env = config.environment ?? "production"
  let environment: Environment
  if (env === "production" || env === "qa") environment = env
  else if (env === "custom") {
    if (!present(config.tokenUrl)) {
      return notConfigured(
        "tokenUrl",
        "a custom environment needs a token URL: enter it in the credentials node.",
      )
    }
    environment = { tokenUrl: config.tokenUrl.trim() }
  } else {
    return notConfigured("environment", "the environment must be Production, QA or Custom: pick one.")
  }
  if (!present(secrets.clientId)) return notConfigured("clientId", "enter the client ID Tangoe issued.")
  if (!present(secrets.clientSecret))
    return notConfigured("clientSecret", "enter the client secret Tangoe issued.")
  const authentication = config.authentication ?? "refreshToken"
  if (authentication !== "refreshToken" && authentication !== "serviceAccount") {
    return notConfigured("authentication", "authentication must be Refresh token or Service account.")
  }
  const withAccount = authentication === "serviceAccount"
  if (withAccount && !present(secrets.username))
    return notConfigured(
      "username",
      "enter the service account's username (command://name, rivermine://name, or a bare name).",
    )
  if (withAccount && !present(secrets.password))
    return notConfigured("password", "enter the service account's password.")
  if (!withAccount && !present(secrets.refreshToken))
    return notConfigured("refreshToken", "paste the refresh token Tangoe issued.")
  const placement = config.placement ?? "query"
  if (placement !== "query" && placement !== "body") {
    return notConfigured("placement", "parameter placement must be query or body.")
  }
  const clientAuth = config.clientAuth ?? "params"
  if (clientAuth !== "params" && clientAuth !== "basic") {
    return notConfigured("clientAuth", "client authentication must be params or basic.")
  }
  const minutes =
    config.refreshAhead === undefined || config.refreshAhead === "" ? 5 : Number(config.refreshAhead)
  if (!Number.isFinite(minutes) || minutes < 0 || minutes > 1440) {
    return notConfigured("refreshAhead", "refresh ahead must be a number of minutes between 0 and 1440.")
  }
  const redisUrl = secrets.redisUrl?.trim()
  if (redisUrl && !isRedisUrl(redisUrl)) {
    return notConfigured("redisUrl", "the Redis URL must be a redis:// or rediss:// URL, or empty.")
  }
  const scope = config.scope?.trim()
  const resolved: ResolvedClientOptions = {
    environment,
    clientId: secrets.clientId.trim(),
    clientSecret: secrets.clientSecret,
    refreshToken: secrets.refreshToken?.trim() ?? "",
    ...(withAccount
      ? { serviceAccount: { username: secrets.username?.trim() ?? "", password: secrets.password ?? "" } }
      : {}),
    ...(scope ? { scope } : {}),
    placement,
    clientAuth,
    refreshAhead: Math.round(minutes * 60_000),
    ...(redisUrl ? { redisUrl } : {}),
  }
  // Core's rules, applied now rather than at the first token request: the service account's grant
  // when there is one, the refresh token's when one was pasted (a service account may start without).
  const granted = resolved.serviceAccount === undefined ? undefined : resolvePasswordGrantRequest(resolved)
  const checked: Result.Result<unknown, InvalidConfig> =
    granted !== undefined && (Result.isFailure(granted) || resolved.refreshToken === "")
      ? granted
      : resolveRefreshRequest(resolved)
  if (Result.isFailure(checked)) {
    const { field, message } = checked.failure
    return {
      _tag: "NotConfigured",
      field: field === "environment.tokenUrl" ? "tokenUrl" : field,
      message: `The Tangoe credentials are not usable: ${message}`,
    }
  }
  return resolved
}

/** Whether a resolve result is a problem. */
export const isProblem = (value: ResolvedClientOptions | TokenProblem): value is TokenProblem =>
  "_tag" in value
