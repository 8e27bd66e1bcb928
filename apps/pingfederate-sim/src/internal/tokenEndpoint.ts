/**
 * `POST /as/token.oauth2`: the refresh_token grant as PingFederate answers it (and the password and
 * validate_bearer grants of `grants.ts`), with the next queued
 * fault applied. Faults that do not process the request act first; the others let the request be
 * processed (so a valid refresh token rolls) and then spoil, delay or cut the response.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Fault } from "../Fault.ts"
import { MAX_TOKEN_BODY_BYTES, readBody } from "./body.ts"
import { describeFault, type FaultQueue, processesRequest } from "./faults.ts"
import { type GrantDeps, passwordGrant, validateBearer } from "./grants.ts"
import type { Holds } from "./holds.ts"
import { type ClientAuthMethod, type Placement, parseTokenRequest } from "./params.ts"
import type { Outcome } from "./recorder.ts"
import {
  jsonResponse,
  type OAuthError,
  oauthError,
  oauthErrorResponse,
  type PreparedResponse,
  send,
} from "./responses.ts"
import { type Refreshed, type TokenRegistry, VALIDATE_BEARER } from "./tokens.ts"

/** What the token endpoint needs from its simulator. */
export interface TokenEndpointDeps {
  readonly registry: TokenRegistry
  readonly faults: FaultQueue
  /** Where `hold` faults park their requests. */
  readonly holds: Holds
  readonly environment: string
  /** Waits `ms`; resolves false when the simulator closed meanwhile. */
  readonly sleep: (ms: number) => Promise<boolean>
  /** The password and validate_bearer grants' state. */
  readonly grants: GrantDeps
  /** Milliseconds since the epoch (the simulator's clock). */
  readonly clock: () => number
}

/** The documented success body, in the documented key order. */
type SuccessBody = {
  token_type: unknown
  expires_in: unknown
  refresh_token?: unknown
  access_token?: unknown
  padding?: string
}

/** What processing a request produced, before any fault touches the response. */
interface Processed {
  readonly response: PreparedResponse
  readonly placement: Placement
  readonly clientAuth: ClientAuthMethod
  readonly clientId: string | undefined
  readonly error: string | undefined
  /** A token set the body faults may spoil (refresh and password grants). */
  readonly success: SuccessBody | undefined
  /** Set when a grant other than refresh_token succeeded. */
  readonly grant?: "password" | "validate_bearer" | undefined
}

/** `expires_in` is an integer: a fractional lifetime is rounded up, and is at least 1 (the expiry itself is exact). */
export const expiresInSeconds = (lifetime: number): number => Math.max(1, Math.ceil(lifetime))

const successBody = (refreshed: Refreshed): SuccessBody => ({
  token_type: "Bearer",
  expires_in: expiresInSeconds(refreshed.lifetime),
  ...(refreshed.refreshToken !== undefined ? { refresh_token: refreshed.refreshToken } : {}),
  access_token: refreshed.accessToken,
})

/** Processes a token request: body, parameters, client authentication, grant, refresh. */
const processRequest = async (
  deps: TokenEndpointDeps,
  req: IncomingMessage,
  query: string,
): Promise<Processed> => {
  const failed = (
    error: OAuthError,
    placement: Placement,
    clientAuth: ClientAuthMethod,
    clientId?: string,
    headers: Record<string, string> = {},
  ): Processed => {
    const response = oauthErrorResponse(error)
    return {
      response: { ...response, headers: { ...response.headers, ...headers } },
      placement,
      clientAuth,
      clientId,
      error: error.error,
      success: undefined,
    }
  }

  const body = await readBody(req, MAX_TOKEN_BODY_BYTES)
  if (!body.ok) {
    const tooLarge = oauthError(
      "invalid_request",
      `The request body is larger than ${MAX_TOKEN_BODY_BYTES} bytes`,
      {
        status: 413,
      },
    )
    return failed(tooLarge, "none", "none", undefined, { Connection: "close" })
  }
  const parsed = parseTokenRequest({
    query,
    body: body.body,
    contentType: req.headers["content-type"],
    authorization: req.headers.authorization,
  })
  if (!parsed.ok) return failed(parsed.error, parsed.placement, parsed.clientAuth)
  const { params, placement, clientAuth, clientId, clientSecret } = parsed.request
  const basic = clientAuth === "basic"

  if (clientId === undefined) {
    const missing = oauthError(
      "invalid_client",
      "Client authentication is required: send client_id and client_secret (or HTTP Basic)",
      { basicChallenge: basic },
    )
    return failed(missing, placement, clientAuth)
  }
  const client = deps.registry.authenticate(clientId, clientSecret ?? "")
  if (client === undefined) {
    const invalid = oauthError(
      "invalid_client",
      `Invalid client or client credentials. Client id/secret pairs are issued per environment; this is the ${deps.environment} environment`,
      { basicChallenge: basic },
    )
    return failed(invalid, placement, clientAuth, clientId)
  }
  const grantType = params.get("grant_type")
  if (grantType === undefined) {
    return failed(
      oauthError("invalid_request", "Missing grant_type parameter"),
      placement,
      clientAuth,
      clientId,
    )
  }
  // A server without service accounts is a PingFederate without a password credential validator: it
  // does not offer the password grant at all (unsupported_grant_type, as before any account exists).
  if (grantType === "password" && deps.grants.accounts.any) {
    const outcome = passwordGrant(deps.grants, client, params)
    if (!outcome.ok) return failed(outcome.error, placement, clientAuth, clientId)
    const success = successBody(outcome.tokens)
    return {
      response: jsonResponse(200, success),
      placement,
      clientAuth,
      clientId,
      error: undefined,
      success,
      grant: "password",
    }
  }
  if (grantType === VALIDATE_BEARER) {
    const outcome = validateBearer(deps.grants, client, params, deps.clock())
    if (!outcome.ok) return failed(outcome.error, placement, clientAuth, clientId)
    return {
      response: jsonResponse(200, outcome.body),
      placement,
      clientAuth,
      clientId,
      error: undefined,
      success: undefined,
      grant: "validate_bearer",
    }
  }
  if (grantType !== "refresh_token") {
    const unsupported = oauthError(
      "unsupported_grant_type",
      `Unsupported grant_type ${JSON.stringify(grantType.slice(0, 80))}; this token endpoint serves refresh_token, ${VALIDATE_BEARER}${deps.grants.accounts.any ? " and password" : ""}`,
    )
    return failed(unsupported, placement, clientAuth, clientId)
  }
  if (!client.grantTypes.includes("refresh_token")) {
    const unauthorized = oauthError(
      "unauthorized_client",
      "The client is not allowed the refresh_token grant type",
    )
    return failed(unauthorized, placement, clientAuth, clientId)
  }
  const refreshToken = params.get("refresh_token")
  if (refreshToken === undefined) {
    return failed(
      oauthError("invalid_request", "Missing refresh_token parameter"),
      placement,
      clientAuth,
      clientId,
    )
  }
  const outcome = deps.registry.refresh(client, refreshToken, params.get("scope"))
  if (!outcome.ok) return failed(outcome.error, placement, clientAuth, clientId)
  const success = successBody(outcome)
  return { response: jsonResponse(200, success), placement, clientAuth, clientId, error: undefined, success }
}

const STATUS_FAULT_ERRORS: Readonly<Record<number, readonly [string, string]>> = {
  429: ["temporarily_unavailable", "Too many requests (simulated)"],
  500: ["server_error", "Internal server error (simulated)"],
  502: ["server_error", "Bad gateway (simulated)"],
  503: ["temporarily_unavailable", "Service unavailable (simulated)"],
  504: ["server_error", "Gateway timeout (simulated)"],
}

/** The response of a `status` fault: the status, `Retry-After` if asked, a JSON error body or none. */
const statusFaultResponse = (fault: Extract<Fault, { kind: "status" }>): PreparedResponse => {
  const retryAfter =
    fault.retryAfter === undefined
      ? {}
      : {
          "Retry-After":
            typeof fault.retryAfter === "number" ? String(fault.retryAfter) : fault.retryAfter.toUTCString(),
        }
  if (fault.body === "empty") return { status: fault.status, headers: { ...retryAfter }, body: "" }
  const [error, description] = STATUS_FAULT_ERRORS[fault.status] ?? ["server_error", "Simulated failure"]
  return jsonResponse(fault.status, { error, error_description: description }, retryAfter)
}

const REASONS: Readonly<Record<number, string>> = {
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Temporarily Unavailable",
  504: "Gateway Time-out",
}

/** An HTML error page as a reverse proxy in front of PingFederate would send. */
const htmlResponse = (status: number): PreparedResponse => {
  const title = `${status} ${REASONS[status] ?? "Error"}`
  return {
    status,
    headers: { "Content-Type": "text/html", "Cache-Control": "no-store" },
    body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
  }
}

/** A 400 `invalid_grant` quoting the start of the refresh token the request sent (nothing processed). */
const quotingResponse = async (
  req: IncomingMessage,
  query: string,
  chars: number,
): Promise<PreparedResponse> => {
  const body = await readBody(req, MAX_TOKEN_BODY_BYTES)
  const parsed = parseTokenRequest({
    query,
    body: body.ok ? body.body : Buffer.alloc(0),
    contentType: req.headers["content-type"],
    authorization: req.headers.authorization,
  })
  const sent = parsed.ok ? (parsed.request.params.get("refresh_token") ?? "") : ""
  return oauthErrorResponse(
    oauthError("invalid_grant", `Refresh token ${sent.slice(0, chars)}... is not valid for this client`),
  )
}

/** Resets the connection (TCP RST where possible): the client sees a socket error, never a response. */
const resetConnection = (req: IncomingMessage): void => {
  const socket = req.socket
  if (socket.destroyed) return
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy()
  else socket.destroy()
}

/** Whether the client is still there to receive a response. */
const clientConnected = (req: IncomingMessage): boolean => !req.socket.destroyed && req.socket.writable

/** A success body as the body fault says (only called on success). */
const spoiledBody = (fault: Fault, body: SuccessBody): string | undefined => {
  switch (fault.kind) {
    case "malformedJson":
      return `{"token_type":"Bearer","expires_in":${JSON.stringify(body.expires_in)},"refresh_tok`
    case "missingField": {
      const { [fault.field]: _dropped, ...rest } = body
      return JSON.stringify(rest)
    }
    case "wrongTokenType":
      return JSON.stringify({ ...body, token_type: fault.tokenType ?? "mac" })
    case "expiresInString":
      return JSON.stringify({ ...body, expires_in: String(body.expires_in) })
    case "expiresIn":
      // JSON.stringify cannot write 1e308-style numbers out of range; numbers are written as JavaScript prints them.
      return JSON.stringify({ ...body, expires_in: "__EXPIRES_IN__" }).replace(
        '"__EXPIRES_IN__"',
        typeof fault.value === "number" ? String(fault.value) : JSON.stringify(fault.value),
      )
    case "oversizedBody": {
      const bytes = fault.bytes ?? 5 * 1024 * 1024
      const base = JSON.stringify(body).length + ',"padding":""'.length
      return JSON.stringify({ ...body, padding: "x".repeat(Math.max(0, bytes - base)) })
    }
    default:
      return undefined
  }
}

/** Serves one token request with the next queued fault and says what happened. */
export const handleTokenRequest = async (
  deps: TokenEndpointDeps,
  req: IncomingMessage,
  res: ServerResponse,
  query: string,
): Promise<Outcome> => {
  const fault = deps.faults.shift()
  const faultName = fault === undefined ? undefined : describeFault(fault)

  if (fault !== undefined && !processesRequest(fault)) {
    if (fault.kind === "resetBeforeProcessing") {
      resetConnection(req)
      return { status: 0, fault: faultName, failure: fault.kind }
    }
    if (fault.kind === "quoteRefreshToken") {
      const response = await quotingResponse(req, query, fault.chars ?? 30)
      send(res, response)
      return { status: response.status, fault: faultName, failure: fault.kind }
    }
    const response =
      fault.kind === "status"
        ? statusFaultResponse(fault)
        : htmlResponse(fault.kind === "html" ? (fault.status ?? 502) : 502)
    send(res, response)
    return { status: response.status, fault: faultName, failure: fault.kind }
  }
  if (fault?.kind === "delay" && fault.phase === "beforeProcessing") {
    if (!(await deps.sleep(fault.ms)) || !clientConnected(req)) {
      return { status: 0, fault: faultName, failure: fault.kind }
    }
  }
  if (fault?.kind === "hold" && fault.phase === "beforeProcessing") {
    if (!(await deps.holds.hold(fault.until)) || !clientConnected(req)) {
      return { status: 0, fault: faultName, failure: fault.kind }
    }
  }

  const processed = await processRequest(deps, req, query)
  const seen = {
    placement: processed.placement,
    clientAuth: processed.clientAuth,
    clientId: processed.clientId,
    error: processed.error,
    fault: faultName,
    refreshed: processed.success !== undefined && processed.grant === undefined,
    grant: processed.grant,
  }
  const plain = (): Outcome => {
    send(res, processed.response)
    return { ...seen, status: processed.response.status, failure: processed.error }
  }
  if (fault === undefined) return plain()

  switch (fault.kind) {
    case "status": {
      const response = statusFaultResponse(fault)
      send(res, response)
      return { ...seen, status: response.status, failure: fault.kind }
    }
    case "delay": {
      if (fault.phase !== "beforeProcessing" && (!(await deps.sleep(fault.ms)) || !clientConnected(req))) {
        return { ...seen, status: 0, failure: fault.kind }
      }
      return plain()
    }
    case "hold": {
      if (
        fault.phase !== "beforeProcessing" &&
        (!(await deps.holds.hold(fault.until)) || !clientConnected(req))
      ) {
        return { ...seen, status: 0, failure: fault.kind }
      }
      return plain()
    }
    case "stallBody": {
      const { status, headers, body } = processed.response
      res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) })
      res.write(body.slice(0, Math.floor(body.length / 2)))
      await deps.sleep(fault.ms)
      resetConnection(req)
      return { ...seen, status, failure: fault.kind }
    }
    case "resetAfterRotation":
      resetConnection(req)
      return { ...seen, status: 0, failure: fault.kind }
    default: {
      const spoiled = processed.success === undefined ? undefined : spoiledBody(fault, processed.success)
      if (spoiled === undefined) return plain()
      send(res, { ...processed.response, body: spoiled })
      return { ...seen, status: 200, failure: fault.kind }
    }
  }
}
