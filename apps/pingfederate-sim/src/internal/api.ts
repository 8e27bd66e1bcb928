/**
 * `GET /api/v1/ping`: a protected sample API standing in for Tangoe's APIs. It answers 200 with the
 * token's client and scope for a live `Authorization: Bearer` access token, and 401 with an RFC 6750
 * `invalid_token` challenge for a missing, unknown, expired or revoked one.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Outcome } from "./recorder.ts"
import { invalidTokenResponse, jsonResponse, send } from "./responses.ts"
import type { TokenRegistry } from "./tokens.ts"

/** Serves one request to the protected API. */
export const handleApiRequest = (
  registry: TokenRegistry,
  req: IncomingMessage,
  res: ServerResponse,
): Outcome => {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(req.headers.authorization ?? "")
  const token = match?.[1]
  if (token === undefined) {
    send(res, invalidTokenResponse("No access token: send Authorization: Bearer <access_token>"))
    return { status: 401, error: "invalid_token" }
  }
  const check = registry.checkAccessToken(token)
  if (!check.ok) {
    send(res, invalidTokenResponse(check.reason))
    return { status: 401, error: "invalid_token" }
  }
  send(res, jsonResponse(200, { ok: true, client_id: check.clientId, scope: check.scope }))
  return { status: 200, clientId: check.clientId }
}
