/**
 * The admin endpoint under `/__admin` on the simulator's own loopback port: lets a test in another
 * process (or a person with curl) read the state and queue faults, release held requests, change the config, register
 * clients, expire access tokens and reset counts. JSON in, JSON out. The state it shows holds no
 * secret; only the responses that create credentials (a client, a refresh token) carry them.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Fault } from "../Fault.ts"
import { toFault } from "../FaultSpec.ts"
import type { ClientSpec, SeededClient, Simulator } from "../Simulator.ts"
import { SimulatorOptionsError } from "../SimulatorOptionsError.ts"
import { CHAIN_ROUTES } from "./adminChains.ts"
import { MAX_ADMIN_BODY_BYTES, readBody } from "./body.ts"
import { describeFault } from "./faults.ts"
import type { Outcome, Recorder } from "./recorder.ts"
import { jsonResponse, methodNotAllowedResponse, send } from "./responses.ts"
import type { TokenRegistry } from "./tokens.ts"
import { fail, integer, onlyKeys, record, text } from "./validate.ts"

/** The admin endpoint's path prefix. */
export const ADMIN_PATH = "/__admin"

/** What the admin endpoint works on. */
export interface AdminDeps {
  readonly sim: Simulator
  readonly recorder: Recorder
  readonly registry: TokenRegistry
}

type Handler = (deps: AdminDeps, body: unknown) => readonly [status: number, body: unknown]

/** The state without secrets: config, clients (ids and scopes), token counts, faults, stats, log. */
const state = ({ sim, recorder, registry }: AdminDeps): unknown => ({
  environment: sim.environment,
  tokenUrl: sim.tokenUrl,
  apiUrl: sim.apiUrl,
  config: sim.config(),
  clients: registry.clients.map((c) => ({
    clientId: c.clientId,
    scopes: c.scopes,
    grantTypes: c.grantTypes,
    tenant: c.tenant,
    liveRefreshTokens: registry.liveRefreshTokens(c.clientId).length,
  })),
  serviceAccounts: sim.serviceAccountStats(),
  tokens: registry.summary(),
  pendingFaults: sim.pendingFaults().map(describeFault),
  heldRequests: sim.heldRequests(),
  stats: recorder.stats(),
  requests: recorder.requests(),
})

const faultList = (body: unknown): Array<Fault> =>
  (Array.isArray(body) ? body : [body]).map((fault, i) => toFault(fault, `faults[${i}]`))

const ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  "/state": { GET: (deps) => [200, state(deps)] },
  "/faults": {
    GET: ({ sim }) => [200, { pending: sim.pendingFaults().map(describeFault) }],
    POST: ({ sim }, body) => {
      const faults = faultList(body)
      sim.injectFaults(...faults)
      return [200, { queued: faults.length, pending: sim.pendingFaults().map(describeFault) }]
    },
    DELETE: ({ sim }) => {
      const cleared = sim.pendingFaults().length
      sim.clearFaults()
      return [200, { cleared }]
    },
  },
  "/held": {
    GET: ({ sim }) => [200, { held: sim.heldRequests() }],
  },
  "/release": {
    POST: ({ sim }, body) => {
      const input = record("release", body ?? {})
      onlyKeys("release", input, ["count"])
      const released = sim.releaseHeld(
        input.count === undefined ? undefined : integer("count", input.count, 0, 2 ** 31 - 1),
      )
      return [200, { released, held: sim.heldRequests() }]
    },
  },
  "/config": {
    GET: ({ sim }) => [200, { config: sim.config() }],
    POST: ({ sim }, body) => {
      sim.configure(record("config", body ?? {}))
      return [200, { config: sim.config() }]
    },
  },
  "/clients": {
    POST: ({ sim }, body) => {
      const spec = record("client", body ?? {})
      onlyKeys("client", spec, ["clientId", "clientSecret", "scopes", "grantTypes", "tenant"])
      if (spec.scopes !== undefined && !Array.isArray(spec.scopes))
        fail("client.scopes", "an array of scopes", spec.scopes)
      if (spec.grantTypes !== undefined && !Array.isArray(spec.grantTypes)) {
        fail("client.grantTypes", "an array of grant types", spec.grantTypes)
      }
      const created: SeededClient = sim.addClient(spec as ClientSpec)
      return [201, created]
    },
  },
  "/refresh-tokens": {
    POST: ({ sim }, body) => {
      const input = record("refreshToken", body ?? {})
      onlyKeys("refreshToken", input, ["clientId", "scope"])
      const clientId = text("clientId", input.clientId)
      const scope = input.scope === undefined ? undefined : text("scope", input.scope)
      return [201, { clientId, refreshToken: sim.issueRefreshToken(clientId, scope) }]
    },
  },
  "/is-live": {
    POST: ({ sim }, body) => {
      const input = record("isLive", body ?? {})
      const token = input.refreshToken
      // A token is a secret: an error describes it by its type only, never by its value.
      return typeof token === "string"
        ? [200, { live: sim.isLive(token) }]
        : fail("refreshToken", "a string", typeof token)
    },
  },
  "/expire-access-tokens": {
    POST: ({ registry }) => [200, { expired: registry.expireAccessTokens() }],
  },
  "/reset": {
    POST: ({ sim }) => {
      sim.resetStats()
      sim.clearFaults()
      return [200, { reset: true }]
    },
  },
  ...Object.fromEntries(
    Object.entries(CHAIN_ROUTES).map(([path, methods]) => [
      path,
      Object.fromEntries(
        Object.entries(methods).map(([method, handler]) => [
          method,
          ({ sim }: AdminDeps, body: unknown) => handler(sim, body),
        ]),
      ),
    ]),
  ),
}

const problem = (status: number, error: string, description: string) =>
  jsonResponse(status, { error, error_description: description })

/** Serves one admin request. */
export const handleAdminRequest = async (
  deps: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<Outcome> => {
  const route = ROUTES[path.slice(ADMIN_PATH.length)]
  const method = req.method ?? "GET"
  if (route === undefined) {
    send(
      res,
      problem(
        404,
        "not_found",
        `No admin resource here; see ${Object.keys(ROUTES)
          .map((r) => ADMIN_PATH + r)
          .join(", ")}`,
      ),
    )
    return { status: 404, error: "not_found" }
  }
  const handler = route[method]
  if (handler === undefined) {
    const allow = Object.keys(route).join(", ")
    send(res, methodNotAllowedResponse(allow))
    return { status: 405, error: "invalid_request" }
  }
  const read = await readBody(req, MAX_ADMIN_BODY_BYTES)
  if (!read.ok) {
    send(
      res,
      problem(413, "invalid_request", `The request body is larger than ${MAX_ADMIN_BODY_BYTES} bytes`),
    )
    return { status: 413, error: "invalid_request" }
  }
  let body: unknown
  try {
    body = read.body.length === 0 ? undefined : JSON.parse(read.body.toString("utf8"))
  } catch {
    send(res, problem(400, "invalid_request", "The request body is not valid JSON"))
    return { status: 400, error: "invalid_request" }
  }
  try {
    const [status, result] = handler(deps, body)
    send(res, jsonResponse(status, result))
    return { status }
  } catch (error) {
    if (!(error instanceof SimulatorOptionsError)) throw error
    send(res, problem(400, "invalid_request", error.message))
    return { status: 400, error: "invalid_request" }
  }
}
