/**
 * A Tangoe API answer that is an error, as n8n shows it: a `NodeApiError` with the status, Tangoe's
 * error body (`{ status, id, errorCode, message }`, `concepts/errors`) and the correlation id the call
 * carried (`X-TNGO-CONTEXT-CORRELATIONID`), so a user can quote it to Tangoe support. Known secrets (the
 * access token) are masked out of anything taken from the body.
 */
import { type INode, type JsonObject, NodeApiError } from "n8n-workflow"

/** Tangoe's error body, the fields that were there (short printable strings only). */
export interface TangoeErrorBody {
  readonly status?: number
  readonly id?: string
  readonly errorCode?: string
  readonly message?: string
}

const PRINTABLE = /^[\x20-\x7E]{1,500}$/

const mask = (text: string, secrets: readonly string[]): string =>
  secrets.reduce((out, secret) => (secret.length >= 8 ? out.split(secret).join("***") : out), text)

const field = (u: unknown, secrets: readonly string[]): string | undefined =>
  typeof u === "string" && PRINTABLE.test(u) ? mask(u, secrets) : undefined

/** The Tangoe error body in a response body (parsed JSON or text), when it has one of its fields. */
export function tangoeErrorBody(body: unknown, secrets: readonly string[]): TangoeErrorBody | undefined {
  let json = body
  if (typeof body === "string") {
    try {
      json = JSON.parse(body)
    } catch {
      return undefined
    }
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  const o = json as Record<string, unknown>
  const decoded: { status?: number; id?: string; errorCode?: string; message?: string } = {}
  if (typeof o.status === "number" && Number.isInteger(o.status)) decoded.status = o.status
  for (const key of ["id", "errorCode", "message"] as const) {
    const value = field(o[key], secrets)
    if (value !== undefined) decoded[key] = value
  }
  return Object.keys(decoded).length === 0 ? undefined : decoded
}

/** What a failed call was. */
export interface FailedCall {
  readonly status: number
  readonly body: unknown
  /** The `X-TNGO-CONTEXT-CORRELATIONID` the call carried. */
  readonly correlationId: string
  /** The call was sent again with a fresh access token after a 401/403 and was refused again. */
  readonly afterFreshToken: boolean
  readonly itemIndex: number
  /** Values to mask (the access token). */
  readonly secrets: readonly string[]
}

const advice = (status: number, afterFreshToken: boolean): string => {
  if (status === 403 && afterFreshToken)
    return "Tangoe refused the call with a freshly refreshed access token: this is an authorization failure, not an expired token. Check the tenant (X-TNGO-TENANT), the client and what the client may access."
  if (status === 401 || status === 403)
    return "Tangoe refused the access token. Check the credential's scope and API Base URL."
  if (status === 400)
    return "Tangoe says the request is not valid: check the tenant (the credential's Tenant field, sent as X-TNGO-TENANT), the parameters and the body."
  if (status === 404) return "Nothing is at this URL: check the path and the credential's API Base URL."
  if (status >= 500)
    return "Tangoe's API failed: try again later; quote the correlation id to Tangoe support."
  return "Check the request."
}

/** The n8n error for a failed Tangoe API call. */
export function tangoeApiError(node: INode, call: FailedCall): NodeApiError {
  const body = tangoeErrorBody(call.body, call.secrets)
  const code = body?.errorCode === undefined ? "" : ` ${body.errorCode}`
  const what = body?.message === undefined ? "" : `: ${body.message}`
  const refused = call.status === 403 && call.afterFreshToken ? " (not authorized, with a fresh token)" : ""
  const ids = [
    `Correlation id ${call.correlationId} (X-TNGO-CONTEXT-CORRELATIONID; quote it to Tangoe support)`,
    ...(body?.id === undefined ? [] : [`Tangoe error id ${body.id}`]),
  ].join(". ")
  const errorResponse: JsonObject = {
    status: call.status,
    ...(body?.errorCode === undefined ? {} : { errorCode: body.errorCode }),
    ...(body?.message === undefined ? {} : { message: body.message }),
    ...(body?.id === undefined ? {} : { id: body.id }),
    correlationId: call.correlationId,
    afterFreshToken: call.afterFreshToken,
  }
  return new NodeApiError(node, errorResponse, {
    message: `Tangoe API ${call.status}${code}${refused}${what}`,
    description: `${advice(call.status, call.afterFreshToken)} ${ids}.`,
    httpCode: String(call.status),
    itemIndex: call.itemIndex,
  })
}
