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
