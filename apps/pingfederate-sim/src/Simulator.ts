/**
 * `startSimulator`: a local PingFederate token endpoint for one Tangoe environment, on a real
 * loopback HTTP server. It serves `POST /as/token.oauth2` (the refresh_token grant with rolling
 * refresh tokens, the password grant with service accounts, and validate_bearer), a protected sample
 * API at `GET /api/v1/ping`, a Tangoe-style API under `/mobileprocurement/v1` (tenant and client
 * headers, Tangoe error bodies, pagination), and an admin endpoint under `/__admin` on the same port;
 * tests drive the same state through the returned `Simulator`.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https"
import { isIPv4, isIPv6, type Socket } from "node:net"
import { performance } from "node:perf_hooks"
import { setTimeout as sleepFor } from "node:timers/promises"
import type { Fault } from "./Fault.ts"
import { toFault } from "./FaultSpec.ts"
import { ADMIN_PATH, handleAdminRequest } from "./internal/admin.ts"
import { handleApiRequest } from "./internal/api.ts"
import { ApiRequestLog } from "./internal/apiRequestLog.ts"
import { CONFIG_KEYS, DEFAULT_CONFIG, mergeConfig } from "./internal/config.ts"
import { FaultQueue } from "./internal/faults.ts"
import { Holds } from "./internal/holds.ts"
import { type Area, type Outcome, Recorder } from "./internal/recorder.ts"
import { jsonResponse, methodNotAllowedResponse, send } from "./internal/responses.ts"
import { type AccountStatus, type SeededAccount, ServiceAccounts } from "./internal/serviceAccounts.ts"
import { COLLECTION_PATH, handleTangoeApiRequest, TANGOE_API_PATH } from "./internal/tangoeApi.ts"
import { handleTokenRequest } from "./internal/tokenEndpoint.ts"
import { type Clock, type RevokeTarget, TokenRegistry } from "./internal/tokens.ts"
import { fail, integer, onlyKeys, record, seconds, text } from "./internal/validate.ts"
import type { LoggedRequest, ReceivedApiRequest, SimulatorStats } from "./RequestLog.ts"
import { SimulatorOptionsError } from "./SimulatorOptionsError.ts"

/**
 * The token behaviour, all durations in seconds. Change it on a running simulator with `configure`.
 *
 * @category options
 * @since 0.1.0
 */
export interface SimulatorConfig {
  /** Access token lifetime; default 7200. Fractions allowed: the expiry is exact, `expires_in` is rounded up (at least 1). */
  readonly accessTokenLifetime: number
  /** How long a rolled refresh token keeps working after its successor was issued; default 0 (it dies at once). */
  readonly gracePeriod: number
  /** When true, a retired refresh token used after its grace period revokes its whole family; default false. */
  readonly reuseDetection: boolean
  /** A refresh within this long of the token's issue returns the same refresh token; default 0 (always roll). */
  readonly rollingInterval: number
  /** When true, responses carry no `refresh_token` and the current one stays live; default false. */
  readonly omitRefreshToken: boolean
  /**
   * A refresh token unused for this long dies with `invalid_grant` (idle expiry, as a production
   * chain dies when nobody refreshes); default 0 (never). `ageRefreshTokens` moves time for it.
   * @since 0.1.0
   */
  readonly refreshTokenIdleTimeout: number
  /**
   * Wrong passwords in a row that lock a service account (it then gets `invalid_grant` saying it is
   * locked, even with the right password, until `unlockServiceAccount`); default 0 (never locks).
   * @since 0.1.0
   */
  readonly lockoutThreshold: number
  /**
   * The Tangoe-style API's status for a missing, unknown, expired or revoked access token: 403 (the
   * default: Tangoe's docs list no 401) or 401. The ping API always answers 401.
   * @since 0.1.0
   */
  readonly apiRejectionStatus: 401 | 403
  /** How many items the Tangoe-style API's sample collection holds; default 24, 0 for an empty one. @since 0.1.0 */
  readonly apiCollectionSize: number
}

/**
 * A client to register. A missing id or secret is random (32 hex characters, like Tangoe's);
 * `scopes` defaults to `["MOBPROC"]`, `grantTypes` to `["refresh_token"]`.
 *
 * @category options
 * @since 0.1.0
 */
export interface ClientSpec {
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
  /**
   * Default `["refresh_token", "password", "urn:pingidentity.com:oauth2:grant_type:validate_bearer"]`.
   * Leave one out to get `unauthorized_client` for it.
   */
  readonly grantTypes?: ReadonlyArray<string> | undefined
  /**
   * The client's tenant code: `validate_bearer` reports it for the client's tokens, and the Tangoe-style
   * API wants it in `X-TNGO-TENANT`; default `"ACME"`.
   * @since 0.1.0
   */
  readonly tenant?: string | undefined
}

/**
 * A Tangoe service account for the password grant. `username` is `command://name`,
 * `rivermine://name`, or a bare name (a Tangoe-platform user); a missing password is random.
 *
 * @category options
 * @since 0.1.0
 */
export interface ServiceAccountSpec {
  readonly username: string
  readonly password?: string | undefined
}

/**
 * A registered service account with its password (a secret, on purpose: it is how a test gets it).
 *
 * @category state
 * @since 0.1.0
 */
export type SeededServiceAccount = SeededAccount

/**
 * A service account's counts and lock state (no password): successful `passwordGrants`,
 * `failedPasswords` (wrong passwords and attempts while locked), the `consecutiveFailures` the lockout
 * counts, and `locked`.
 *
 * @category state
 * @since 0.1.0
 */
export type ServiceAccountStats = AccountStatus

/**
 * Which token families `revoke` kills: the one a refresh token (current or retired) belongs to, every
 * family of a client, or every family granted to a service account.
 *
 * @category state
 * @since 0.1.0
 */
export type RevokeSpec = RevokeTarget

/**
 * Options of `startSimulator`; every field is optional.
 *
 * @category options
 * @since 0.1.0
 */
export interface SimulatorOptions {
  /** A loopback address: `127.0.0.1` (default), another `127.x.x.x`, `::1` or `localhost`. Anything else is refused. */
  readonly host?: string | undefined
  /** The port; default 0 (an ephemeral port: read `url`). */
  readonly port?: number | undefined
  /** The environment's label, default `"qa"`. One simulator is one environment: clients of others are unknown. */
  readonly environment?: string | undefined
  readonly accessTokenLifetime?: number | undefined
  readonly gracePeriod?: number | undefined
  readonly reuseDetection?: boolean | undefined
  readonly rollingInterval?: number | undefined
  readonly omitRefreshToken?: boolean | undefined
  readonly refreshTokenIdleTimeout?: number | undefined
  readonly lockoutThreshold?: number | undefined
  readonly apiRejectionStatus?: 401 | 403 | undefined
  readonly apiCollectionSize?: number | undefined
  /**
   * Service accounts for the password grant (the CLI's `--service-account`). Without any, the server
   * does not offer the password grant (`unsupported_grant_type`). @since 0.1.0
   */
  readonly serviceAccounts?: ReadonlyArray<ServiceAccountSpec> | undefined
  /** Clients to register, each issued one refresh token; default one random client with scope MOBPROC. */
  readonly clients?: ReadonlyArray<ClientSpec> | undefined
  /** Faults queued from the start (the CLI's `--fault`). */
  readonly faults?: ReadonlyArray<Fault> | undefined
  /** Receives one masked line per request (admin requests included). */
  readonly log?: ((line: string) => void) | undefined
  /** The time source in milliseconds (default `Date.now`): tests can move time instead of sleeping. */
  readonly clock?: (() => number) | undefined
  /**
   * Serve HTTPS with this key and certificate (PEM) instead of HTTP; `url` then starts with
   * `https://`. Clients must trust the certificate (e.g. `NODE_EXTRA_CA_CERTS`). @since 0.1.0
   */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer } | undefined
}

/**
 * A registered client with its credentials and the first refresh token of a new family. These hold
 * secrets on purpose: they are how a test or a user gets credentials. The `refreshToken` is the
 * first one issued; it is retired once used.
 *
 * @category state
 * @since 0.1.0
 */
export interface SeededClient {
  readonly environment: string
  readonly clientId: string
  readonly clientSecret: string
  /** The space-delimited scope the refresh token was granted. */
  readonly scope: string
  readonly refreshToken: string
  /** The client's tenant code (send it as `X-TNGO-TENANT`). @since 0.1.0 */
  readonly tenant: string
}

/**
 * A running simulator.
 *
 * @category simulator
 * @since 0.1.0
 */
export interface Simulator {
  /** `http://127.0.0.1:PORT` (or `http://[::1]:PORT`). */
  readonly url: string
  /** `${url}/as/token.oauth2`. */
  readonly tokenUrl: string
  /** `${url}/api/v1/ping`: GET with `Authorization: Bearer`. */
  readonly apiUrl: string
  /** `${url}/__admin`. */
  readonly adminUrl: string
  /** `${url}/mobileprocurement/v1`: the Tangoe-style API's base. @since 0.1.0 */
  readonly apiBaseUrl: string
  /** `${url}/mobileprocurement/v1/orders`: its paginated sample collection. @since 0.1.0 */
  readonly collectionUrl: string
  readonly environment: string
  /** The clients registered so far, with their first refresh tokens. */
  readonly clients: ReadonlyArray<SeededClient>
  /** The service accounts registered so far, with their passwords. @since 0.1.0 */
  readonly serviceAccounts: ReadonlyArray<SeededServiceAccount>
  /** Registers a service account. Throws `SimulatorOptionsError` for a malformed or taken username. @since 0.1.0 */
  addServiceAccount(spec: ServiceAccountSpec): SeededServiceAccount
  /** Each service account's grant and failure counts and lock state (no password). @since 0.1.0 */
  serviceAccountStats(): Array<ServiceAccountStats>
  /** Unlocks one service account (or every one) and clears its run of failures; returns how many were locked. @since 0.1.0 */
  unlockServiceAccount(username?: string): number
  /** Revokes token families (their refresh and access tokens die at once); returns how many were live. @since 0.1.0 */
  revoke(target: RevokeSpec): number
  /**
   * Makes every refresh token (optionally only a client's) look unused for `seconds` more; with
   * `refreshTokenIdleTimeout` set, those idle past it are now dead. Returns how many live tokens were aged.
   * @since 0.1.0
   */
  ageRefreshTokens(seconds: number, clientId?: string): number
  /** The requests the protected APIs received, with their headers (secrets masked), oldest first. @since 0.1.0 */
  apiRequests(): ReadonlyArray<ReceivedApiRequest>
  /** Registers a client and issues it a refresh token. Throws `SimulatorOptionsError` for a bad spec. */
  addClient(spec?: ClientSpec): SeededClient
  /** Starts a new token family for a registered client; `scope` defaults to all the client's scopes. */
  issueRefreshToken(clientId: string, scope?: string): string
  /** Changes the token behaviour from now on. Throws `SimulatorOptionsError` for a bad value or an unknown key. */
  configure(partial: Partial<SimulatorConfig>): void
  /** The token behaviour in force. */
  config(): SimulatorConfig
  /** Queues faults; each token request takes the next one (FIFO). Throws `SimulatorOptionsError` for a bad fault. */
  injectFaults(...faults: ReadonlyArray<Fault>): void
  /** Drops every queued fault. */
  clearFaults(): void
  /** The faults still queued, first first. */
  pendingFaults(): ReadonlyArray<Fault>
  /** How many token requests `hold` faults are holding right now. */
  heldRequests(): number
  /**
   * Resolves once `count` token requests are held at the same time by `hold` faults: the event a test
   * waits on before it releases them. Rejects if the simulator closes first.
   */
  whenHeld(count: number): Promise<void>
  /** Releases the `count` oldest held token requests (all by default); returns how many it released. */
  releaseHeld(count?: number): number
  /** Whether this refresh token would be accepted right now (current, or retired within the grace period). */
  isLive(refreshToken: string): boolean
  /** Every refresh token that would be accepted now, optionally only a client's. */
  liveRefreshTokens(clientId?: string): Array<string>
  /** Whether this access token is accepted by the protected API right now. */
  isAccessTokenValid(accessToken: string): boolean
  /** Expires every access token issued so far (to provoke a 401 and a replay). */
  expireAccessTokens(): void
  /** Running counts; see `SimulatorStats`. */
  stats(): SimulatorStats
  /** TLS handshakes completed so far (0 without `tls`): fewer than requests means connections are reused. @since 0.1.0 */
  tlsHandshakes(): number
  /** The request log, oldest first (at most 10,000 entries); it holds no secret. */
  requests(): ReadonlyArray<LoggedRequest>
  /** Clears the counts and the request log. */
  resetStats(): void
  /** Closes the server and every open socket (stalled or delayed ones too). Safe to call twice. */
  close(): Promise<void>
}

/** The path of PingFederate's token endpoint. */
const TOKEN_PATH = "/as/token.oauth2"
/** The path of the protected sample API. */
const API_PATH = "/api/v1/ping"

/** Accepts loopback addresses only; returns the address to listen on. */
const loopbackHost = (host: unknown): string => {
  if (host === "localhost") return "127.0.0.1"
  if (typeof host === "string" && isIPv4(host) && host.startsWith("127.")) return host
  if (typeof host === "string" && isIPv6(host) && new URL(`http://[${host}]`).hostname === "[::1]")
    return "::1"
  return fail("host", "a loopback address (127.0.0.1, another 127.x.x.x, ::1 or localhost)", host)
}

const methodNotAllowed = (res: ServerResponse, allow: string): Outcome => {
  send(res, methodNotAllowedResponse(allow))
  return { status: 405, error: "invalid_request", failure: "invalid_request" }
}

const notFound = (res: ServerResponse): Outcome => {
  send(
    res,
    jsonResponse(404, {
      error: "not_found",
      error_description: `No resource at this path; the token endpoint is POST ${TOKEN_PATH}`,
    }),
  )
  return { status: 404, error: "not_found" }
}

/** Checks a revoke target: exactly one of `refreshToken`, `clientId`, `username`. */
const revokeTarget = (input: unknown): RevokeTarget => {
  const target = record("revoke", input)
  onlyKeys("revoke", target, ["refreshToken", "clientId", "username"])
  const keys = Object.keys(target).filter((k) => target[k] !== undefined)
  if (keys.length !== 1) {
    return fail("revoke", "exactly one of refreshToken, clientId, username", `${keys.length} of them`)
  }
  // A refresh token is a secret: an error describes it by its type only.
  if (target.refreshToken !== undefined) {
    return typeof target.refreshToken === "string" && target.refreshToken !== ""
      ? { refreshToken: target.refreshToken }
      : fail("revoke.refreshToken", "a non-empty string", typeof target.refreshToken)
  }
  if (target.clientId !== undefined) return { clientId: text("revoke.clientId", target.clientId) }
  return { username: text("revoke.username", target.username) }
}

/** Listens, or rejects with a `SimulatorOptionsError` naming the port (e.g. already in use). */
const listen = (
  server: ReturnType<typeof createServer> | HttpsServer,
  port: number,
  host: string,
): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new SimulatorOptionsError({
          option: "port",
          expected: `a free port on ${host}`,
          received: `${port} (${error.code ?? error.message})`,
        }),
      )
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      const address = server.address()
      resolve(typeof address === "object" && address !== null ? address.port : port)
    })
  })

/**
 * Starts a simulator on a loopback port and resolves once it listens.
 *
 * @example
 * ```ts
 * const sim = await startSimulator({ gracePeriod: 1 })
 * const [client] = sim.clients
 * const url = `${sim.tokenUrl}?grant_type=refresh_token&client_id=${client.clientId}` +
 *   `&client_secret=${client.clientSecret}&scope=MOBPROC&refresh_token=${client.refreshToken}`
 * const tokens = await (await fetch(url, { method: "POST" })).json()
 * await sim.close()
 * ```
 * @throws SimulatorOptionsError for a bad option (a non-loopback host, a negative lifetime, a port in use…)
 * @category simulator
 * @since 0.1.0
 */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  const host = loopbackHost(options.host ?? "127.0.0.1")
  const requestedPort = integer("port", options.port ?? 0, 0, 65535)
  const environment = text("environment", options.environment ?? "qa")
  let config = mergeConfig(DEFAULT_CONFIG, options as Record<string, unknown>)
  const clock: Clock = options.clock ?? Date.now
  const registry = new TokenRegistry(clock, () => config)
  const faults = new FaultQueue()
  const holds = new Holds()
  faults.push((options.faults ?? []).map((fault, i) => toFault(fault, `faults[${i}]`)))
  const recorder = new Recorder(options.log)
  const apiLog = new ApiRequestLog()
  const accounts = new ServiceAccounts()
  const seeded: Array<SeededClient> = []

  const addClient = (spec: ClientSpec = {}, option = "client"): SeededClient => {
    const client = registry.addClient(record(option, spec), option)
    const seededClient: SeededClient = {
      environment,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: client.scopes.join(" "),
      refreshToken: registry.issueRefreshToken(client.clientId),
      tenant: client.tenant,
    }
    seeded.push(seededClient)
    return seededClient
  }
  const clientSpecs = options.clients ?? [{}]
  for (const [i, spec] of clientSpecs.entries()) addClient(spec, `clients[${i}]`)
  const addServiceAccount = (spec: ServiceAccountSpec, option = "serviceAccount"): SeededServiceAccount =>
    accounts.add(record(option, spec), option)
  for (const [i, spec] of (options.serviceAccounts ?? []).entries()) {
    addServiceAccount(spec, `serviceAccounts[${i}]`)
  }

  const closing = new AbortController()
  const sleep = (ms: number): Promise<boolean> =>
    sleepFor(ms, undefined, { signal: closing.signal }).then(
      () => !closing.signal.aborted,
      () => false,
    )

  const tokenDeps = {
    registry,
    faults,
    holds,
    environment,
    sleep,
    clock,
    grants: { registry, accounts, lockoutThreshold: () => config.lockoutThreshold },
  }
  let tangoeApiDeps: Parameters<typeof handleTangoeApiRequest>[0] | undefined
  let sim: Simulator | undefined

  const route = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: string,
  ): Promise<[Area, Outcome]> => {
    if (path === TOKEN_PATH) {
      return [
        "token",
        req.method === "POST"
          ? await handleTokenRequest(tokenDeps, req, res, query)
          : methodNotAllowed(res, "POST"),
      ]
    }
    if (path === API_PATH) {
      return [
        "api",
        req.method === "GET" ? handleApiRequest(registry, req, res) : methodNotAllowed(res, "GET"),
      ]
    }
    if ((path === TANGOE_API_PATH || path.startsWith(`${TANGOE_API_PATH}/`)) && tangoeApiDeps !== undefined) {
      return ["api", handleTangoeApiRequest(tangoeApiDeps, req, res, path, query)]
    }
    if ((path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`)) && sim !== undefined) {
      return ["admin", await handleAdminRequest({ sim, recorder, registry }, req, res, path)]
    }
    return ["other", notFound(res)]
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = clock()
    const started = performance.now()
    const rawUrl = req.url ?? "/"
    const queryAt = rawUrl.indexOf("?")
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt)
    const query = queryAt < 0 ? "" : rawUrl.slice(queryAt + 1)
    let area: Area = "other"
    let outcome: Outcome
    try {
      ;[area, outcome] = await route(req, res, path, query)
    } catch (error) {
      // Only the error's class name: a message could, in principle, quote input.
      if (!res.headersSent) {
        send(
          res,
          jsonResponse(500, {
            error: "server_error",
            error_description: `Simulator failure (${(error as Error).name})`,
          }),
        )
      } else {
        res.destroy()
      }
      outcome = { status: 500, error: "server_error", failure: "server_error" }
    }
    recorder.record(area, req.method ?? "?", path, at, at + (performance.now() - started), outcome)
    if (area === "api") apiLog.record(req, at, path, query, outcome.status)
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => void onRequest(req, res)
  const server = options.tls === undefined ? createServer(handler) : createHttpsServer(options.tls, handler)
  let handshakes = 0
  server.on("secureConnection", () => {
    handshakes++
  })
  const sockets = new Set<Socket>()
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
  })
  const port = await listen(server, requestedPort, host)
  const url = `${options.tls === undefined ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host}:${port}`
  tangoeApiDeps = {
    registry,
    baseUrl: url,
    rejectionStatus: () => config.apiRejectionStatus,
    collectionSize: () => config.apiCollectionSize,
  }

  let closed: Promise<void> | undefined
  sim = {
    url,
    tokenUrl: `${url}${TOKEN_PATH}`,
    apiUrl: `${url}${API_PATH}`,
    adminUrl: `${url}${ADMIN_PATH}`,
    apiBaseUrl: `${url}${TANGOE_API_PATH}`,
    collectionUrl: `${url}${COLLECTION_PATH}`,
    environment,
    get clients() {
      return [...seeded]
    },
    get serviceAccounts() {
      return accounts.seeded
    },
    addServiceAccount: (spec) => addServiceAccount(spec),
    serviceAccountStats: () => accounts.status(),
    unlockServiceAccount: (username) => {
      if (username !== undefined && !accounts.has(text("username", username))) {
        fail("username", "the username of a registered service account", username)
      }
      return accounts.unlock(username)
    },
    revoke: (target) => registry.revoke(revokeTarget(target)),
    ageRefreshTokens: (by, clientId) =>
      registry.ageRefreshTokens(
        seconds("seconds", by),
        clientId === undefined ? undefined : text("clientId", clientId),
      ),
    apiRequests: () => apiLog.entries(),
    addClient: (spec) => addClient(spec),
    issueRefreshToken: (clientId, scope) => registry.issueRefreshToken(clientId, scope),
    configure: (partial) => {
      const input = record("configure", partial)
      onlyKeys("configure", input, CONFIG_KEYS)
      config = mergeConfig(config, input)
    },
    config: () => ({ ...config }),
    injectFaults: (...added) => faults.push(added.map((fault, i) => toFault(fault, `faults[${i}]`))),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending,
    heldRequests: () => holds.count,
    whenHeld: (count) => holds.whenHeld(integer("count", count, 1, Number.MAX_SAFE_INTEGER)),
    releaseHeld: (count) =>
      holds.release(count === undefined ? undefined : integer("count", count, 0, Number.MAX_SAFE_INTEGER)),
    isLive: (refreshToken) => registry.isLive(refreshToken),
    liveRefreshTokens: (clientId) => registry.liveRefreshTokens(clientId),
    isAccessTokenValid: (accessToken) => registry.checkAccessToken(accessToken).ok,
    expireAccessTokens: () => void registry.expireAccessTokens(),
    stats: () => recorder.stats(),
    tlsHandshakes: () => handshakes,
    requests: () => recorder.requests(),
    resetStats: () => {
      recorder.reset()
      apiLog.reset()
      accounts.resetCounts()
    },
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        closing.abort()
        holds.close()
        server.close(() => resolve())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
      return closed
    },
  }
  return sim
}
