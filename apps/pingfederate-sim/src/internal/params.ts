/**
 * Turns a token request into its parameters and client credentials, the way PingFederate reads them:
 * parameters from the query string (Tangoe's documented form) and/or an `x-www-form-urlencoded` body,
 * client authentication by parameters or HTTP Basic (RFC 6749 §2.3.1, id and secret form-urlencoded
 * before base64). It rejects what RFC 6749 forbids: a parameter given twice (§3.2), the same parameter
 * in query and body with different values, and two client authentication methods at once (§2.3).
 */
import { type OAuthError, oauthError } from "./responses.ts"

/** Where the request's parameters were: only the query, only the body, both, or nowhere. */
export type Placement = "query" | "body" | "mixed" | "none"

/** How the client authenticated: `client_id`/`client_secret` parameters, HTTP Basic, or not at all. */
export type ClientAuthMethod = "params" | "basic" | "none"

/** A token request read and checked for duplicates and conflicts. */
export interface TokenRequest {
  /** Every parameter with a non-empty value (RFC 6749 §3.1: an empty value counts as omitted). */
  readonly params: ReadonlyMap<string, string>
  readonly placement: Placement
  readonly clientAuth: ClientAuthMethod
  /** From Basic or the `client_id` parameter. */
  readonly clientId: string | undefined
  /** From Basic or the `client_secret` parameter. */
  readonly clientSecret: string | undefined
}

/** The raw pieces of an HTTP request that carry parameters. */
export interface RawTokenRequest {
  readonly query: string
  readonly body: Buffer
  readonly contentType: string | undefined
  readonly authorization: string | undefined
}

/** A checked token request, or the OAuth error to answer with (and what was learnt before it failed). */
export type ParseResult =
  | { readonly ok: true; readonly request: TokenRequest }
  | {
      readonly ok: false
      readonly error: OAuthError
      readonly placement: Placement
      readonly clientAuth: ClientAuthMethod
    }

const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

/** Reads `name=value` pairs; a name given twice is an error (RFC 6749 §3.2). Empty values are omitted. */
const readForm = (source: string, where: "query string" | "body"): Map<string, string> | OAuthError => {
  const seen = new Set<string>()
  const out = new Map<string, string>()
  for (const [name, value] of new URLSearchParams(source)) {
    if (seen.has(name)) {
      return oauthError("invalid_request", `The parameter ${name} appears more than once in the ${where}`)
    }
    seen.add(name)
    if (value !== "") out.set(name, value)
  }
  return out
}

/** Decodes one side of a Basic credential: `application/x-www-form-urlencoded` (RFC 6749 Appendix B). */
const formDecode = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "))
  } catch {
    return undefined
  }
}

/** Reads `Authorization: Basic …` into an id and a secret, or says why it cannot. */
const readBasic = (
  authorization: string,
): { readonly id: string; readonly secret: string } | { readonly problem: string } => {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(authorization)
  if (match === null) {
    return /^Basic\b/i.test(authorization)
      ? { problem: "The Basic credentials are not valid base64" }
      : { problem: "Unsupported Authorization scheme; use Basic or the client_id/client_secret parameters" }
  }
  const decoded = Buffer.from(match[1] ?? "", "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  const id = colon < 0 ? undefined : formDecode(decoded.slice(0, colon))
  const secret = colon < 0 ? undefined : formDecode(decoded.slice(colon + 1))
  return id === undefined || secret === undefined || id === ""
    ? { problem: 'The Basic credentials must be base64(urlencode(client_id) ":" urlencode(client_secret))' }
    : { id, secret }
}

const isForm = (contentType: string | undefined): boolean =>
  contentType !== undefined && contentType.split(";")[0]?.trim().toLowerCase() === FORM_CONTENT_TYPE

/** Reads and checks a token request's parameters and client credentials. */
export const parseTokenRequest = (raw: RawTokenRequest): ParseResult => {
  let placement: Placement = "none"
  let clientAuth: ClientAuthMethod = "none"
  const failWith = (error: OAuthError): ParseResult => ({ ok: false, error, placement, clientAuth })

  const query = readForm(raw.query, "query string")
  if (!(query instanceof Map)) return failWith(query)
  let body = new Map<string, string>()
  if (raw.body.length > 0) {
    if (!isForm(raw.contentType)) {
      return failWith(
        oauthError(
          "invalid_request",
          `A request body must be ${FORM_CONTENT_TYPE} (received ${raw.contentType === undefined ? "no Content-Type" : "another Content-Type"})`,
        ),
      )
    }
    const read = readForm(raw.body.toString("utf8"), "body")
    if (!(read instanceof Map)) return failWith(read)
    body = read
  }
  placement =
    query.size > 0 && body.size > 0 ? "mixed" : query.size > 0 ? "query" : body.size > 0 ? "body" : "none"

  const params = new Map(query)
  for (const [name, value] of body) {
    const inQuery = query.get(name)
    if (inQuery !== undefined && inQuery !== value) {
      return failWith(
        oauthError(
          "invalid_request",
          `The parameter ${name} has different values in the query string and the body`,
        ),
      )
    }
    params.set(name, value)
  }

  const paramId = params.get("client_id")
  const paramSecret = params.get("client_secret")
  clientAuth = paramSecret !== undefined || paramId !== undefined ? "params" : "none"
  if (raw.authorization === undefined || raw.authorization.trim() === "") {
    return {
      ok: true,
      request: { params, placement, clientAuth, clientId: paramId, clientSecret: paramSecret },
    }
  }

  clientAuth = "basic"
  const basic = readBasic(raw.authorization)
  if ("problem" in basic) {
    return failWith(oauthError("invalid_client", basic.problem, { basicChallenge: true }))
  }
  if (paramSecret !== undefined) {
    return failWith(
      oauthError(
        "invalid_request",
        "Client credentials were sent both with HTTP Basic and as parameters; use only one client authentication method",
      ),
    )
  }
  if (paramId !== undefined && paramId !== basic.id) {
    return failWith(
      oauthError("invalid_request", "The client_id parameter does not match the HTTP Basic client id"),
    )
  }
  return {
    ok: true,
    request: { params, placement, clientAuth, clientId: basic.id, clientSecret: basic.secret },
  }
}
