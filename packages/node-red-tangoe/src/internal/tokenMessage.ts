/**
 * What the `tangoe token` node writes into a message: the Authorization header (merged into the
 * existing headers) and `msg.token`, the token's metadata.
 *
 * @internal
 */
import type { TokenInfo as Token } from "./core.ts"

/** `msg.token`: when the token expires and its type; the token itself only on request. */
export interface MessageToken {
  readonly tokenType: string
  /** ISO 8601 time the access token expires. */
  readonly expiresAt: string
  /** Whole seconds left when the message was sent on. */
  readonly expiresIn: number
  readonly scope?: string
  /** Only when the node's "include the access token" option is on. */
  readonly accessToken?: string
}

/**
 * The headers with `Authorization` set: every other header is kept, and any differently cased
 * `authorization` header is dropped so the request carries exactly one.
 */
export const withAuthorization = (headers: unknown, authorization: string): Record<string, unknown> => {
  const merged: Record<string, unknown> = {}
  if (typeof headers === "object" && headers !== null && !Array.isArray(headers)) {
    for (const [name, value] of Object.entries(headers)) {
      if (name.toLowerCase() !== "authorization") merged[name] = value
    }
  }
  merged.Authorization = authorization
  return merged
}

/** Tangoe's API headers (concepts/headers) the token node adds for the next `http request` node. */
export interface TangoeHeaders {
  /** `X-TNGO-TENANT`: the customer's tenant code, when the config node has one. */
  readonly tenant?: string | undefined
  /** `client_id`: the config node's client id. */
  readonly clientId?: string | undefined
  /** `X-TNGO-CONTEXT-CORRELATIONID`: unique per message. */
  readonly correlationId: string
}

/**
 * The headers with Tangoe's `X-TNGO-TENANT`, `client_id` and `X-TNGO-CONTEXT-CORRELATIONID` added,
 * each only when the flow set no header of that name (in any case): the flow's own values win.
 */
export const withTangoeHeaders = (
  headers: Record<string, unknown>,
  tangoe: TangoeHeaders,
): Record<string, unknown> => {
  const merged: Record<string, unknown> = { ...headers }
  const present = new Set(Object.keys(merged).map((name) => name.toLowerCase()))
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined && value !== "" && !present.has(name.toLowerCase())) merged[name] = value
  }
  add("X-TNGO-TENANT", tangoe.tenant)
  add("client_id", tangoe.clientId)
  add("X-TNGO-CONTEXT-CORRELATIONID", tangoe.correlationId)
  return merged
}

/** The `Authorization` value: core's token type (`Bearer`) and the access token. */
export const authorizationOf = (token: Token): string =>
  `${token.tokenType.toLowerCase() === "bearer" ? "Bearer" : token.tokenType} ${token.accessToken}`

/** `msg.token` for a token, at `now` (epoch ms). */
export const messageToken = (token: Token, includeAccessToken: boolean, now: number): MessageToken => ({
  tokenType: token.tokenType.toLowerCase() === "bearer" ? "Bearer" : token.tokenType,
  expiresAt: token.expiresAt.toISOString(),
  expiresIn: Math.max(0, Math.floor((token.expiresAt.getTime() - now) / 1000)),
  ...(token.scope === undefined ? {} : { scope: token.scope }),
  ...(includeAccessToken ? { accessToken: token.accessToken } : {}),
})
