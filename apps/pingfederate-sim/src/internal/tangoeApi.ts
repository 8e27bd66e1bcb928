/**
 * A protected sample API that behaves like Tangoe's Mobile Procurement API as its public docs
 * (`Tangoe/Mobile-Procurement-API-Documentation`) describe it, under `/mobileprocurement/v1` (the
 * path of the docs' examples, e.g. `http://api.tangoe.com/mobileprocurement/v1/orders`):
 *
 * - `concepts/headers`: `X-TNGO-TENANT` and `client_id` are required on every call; a missing one gets
 *   400. `X-TNGO-CONTEXT-CORRELATIONID` is echoed in the response, so a caller can match its logs.
 * - `concepts/errors`: the statuses are 200, 400, 403, 404 and 500 (no 401), and an error body is
 *   `{ errorCode, id, message, status }`. So a missing, unknown, expired or revoked access token gets
 *   403 by default; `apiRejectionStatus: 401` makes it 401 (with an RFC 6750 challenge).
 * - `concepts/pagination` and `concepts/metadata`: a collection takes `limit` and `offset`, and answers
 *   a `_meta` block with `href`, `totalCount`, `offset`, `limit`, and `hrefStart`, `hrefPrevious`,
 *   `hrefNext`, `hrefEnd` only when they point to a page other than the current one. Each item has its
 *   own `_meta.href`.
 *
 * The docs do not show a collection's whole envelope; this API puts the page's items in `items`.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { randomAlphanumeric } from "./random.ts"
import type { Outcome } from "./recorder.ts"
import { jsonResponse, type PreparedResponse, send } from "./responses.ts"
import type { TokenRegistry } from "./tokens.ts"

/** The API's path prefix. */
export const TANGOE_API_PATH = "/mobileprocurement/v1"
/** The paginated sample collection. */
export const COLLECTION_PATH = `${TANGOE_API_PATH}/orders`

/** The tenant header (docs: concepts/headers). */
export const TENANT_HEADER = "X-TNGO-TENANT"
/** The client header (docs: concepts/headers). */
export const CLIENT_HEADER = "client_id"
/** The per-call troubleshooting header the API echoes (docs: concepts/headers). */
export const CORRELATION_HEADER = "X-TNGO-CONTEXT-CORRELATIONID"

/** `limit` when the request has none. The docs call both parameters required; the simulator is lenient. */
export const DEFAULT_LIMIT = 10
/** The largest `limit` accepted. */
export const MAX_LIMIT = 1000

/** What the API needs from its simulator. */
export interface TangoeApiDeps {
  readonly registry: TokenRegistry
  /** The simulator's base URL, for the fully-qualified `href`s. */
  readonly baseUrl: string
  /** The status of a token rejection: 403 (the docs) or 401. */
  readonly rejectionStatus: () => 401 | 403
  /** How many items the collection holds. */
  readonly collectionSize: () => number
}

/** A Tangoe error body, in the key order of the docs' example (concepts/errors). */
const tangoeError = (
  status: number,
  errorCode: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): PreparedResponse =>
  jsonResponse(status, { errorCode, id: randomAlphanumeric(5).toLowerCase(), message, status }, headers)

/** The sample item at `index` (0-based). */
const item = (deps: TangoeApiDeps, index: number) => {
  const id = String(100001 + index)
  return {
    _meta: { href: `${deps.baseUrl}${COLLECTION_PATH}/${id}` },
    id,
    orderNumber: `ORD-${id}`,
    status: index % 3 === 0 ? "COMPLETE" : index % 3 === 1 ? "SUBMITTED" : "PENDING_APPROVAL",
  }
}

/** A page URL: the request's other parameters in their order, then `limit` and `offset` (as the docs' examples). */
const pageUrl = (deps: TangoeApiDeps, others: URLSearchParams, limit: number, offset: number): string => {
  const params = new URLSearchParams(others)
  params.set("limit", String(limit))
  params.set("offset", String(offset))
  return `${deps.baseUrl}${COLLECTION_PATH}?${params}`
}

/** Reads `limit`/`offset`: a non-negative integer (limit from 1 to MAX_LIMIT), given at most once. */
const pageParam = (
  params: URLSearchParams,
  name: "limit" | "offset",
  fallback: number,
  min: number,
  max: number,
): number | string => {
  const values = params.getAll(name)
  if (values.length > 1) return `The parameter ${name} appears more than once`
  const raw = values[0]
  if (raw === undefined || raw === "") return fallback
  return /^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max
    ? Number(raw)
    : `The parameter ${name} must be an integer from ${min} to ${max}`
}

/**
 * A page of the collection with its `_meta` (concepts/pagination): a link is present only when it
 * points to another page. The last page starts at the largest multiple of `limit` below `totalCount`
 * (the docs' examples: 24 items, limit 5 -> offset 20; 31 items, limit 3 -> offset 30).
 */
export const collectionPage = (deps: TangoeApiDeps, query: string): PreparedResponse => {
  const params = new URLSearchParams(query)
  const limit = pageParam(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
  const offset = pageParam(params, "offset", 0, 0, Number.MAX_SAFE_INTEGER)
  if (typeof limit === "string") return tangoeError(400, "400-invalid-limit", limit)
  if (typeof offset === "string") return tangoeError(400, "400-invalid-offset", offset)
  params.delete("limit")
  params.delete("offset")
  const total = deps.collectionSize()
  const last = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit
  const link = (to: number) => pageUrl(deps, params, limit, to)
  const meta = {
    href: link(offset),
    totalCount: total,
    offset,
    limit,
    ...(offset > 0 ? { hrefStart: link(0) } : {}),
    ...(offset > 0 ? { hrefPrevious: link(Math.max(0, offset - limit)) } : {}),
    ...(offset + limit < total ? { hrefNext: link(offset + limit) } : {}),
    ...(last !== offset ? { hrefEnd: link(last) } : {}),
  }
  const items = []
  for (let i = offset; i < Math.min(total, offset + limit); i++) items.push(item(deps, i))
  return jsonResponse(200, { _meta: meta, items })
}

/** The first value of a header, or undefined when absent or empty. */
const header = (req: IncomingMessage, name: string): string | undefined => {
  const raw = req.headers[name.toLowerCase()]
  const value = Array.isArray(raw) ? raw[0] : raw
  return value === undefined || value.trim() === "" ? undefined : value.trim()
}

/** Serves one request under `/mobileprocurement/v1`. */
export const handleTangoeApiRequest = (
  deps: TangoeApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Outcome => {
  const correlationId = header(req, CORRELATION_HEADER)
  const echo: Record<string, string> =
    correlationId === undefined ? {} : { [CORRELATION_HEADER]: correlationId }
  const answer = (response: PreparedResponse, outcome: Omit<Outcome, "status"> = {}): Outcome => {
    send(res, { ...response, headers: { ...response.headers, ...echo } })
    return { ...outcome, status: response.status }
  }

  if (req.method !== "GET") {
    return answer(
      tangoeError(405, "405-method-not-allowed", "Method not allowed; use GET", { Allow: "GET" }),
      {
        error: "method_not_allowed",
      },
    )
  }
  const tenant = header(req, TENANT_HEADER)
  const clientId = header(req, CLIENT_HEADER)
  if (tenant === undefined || clientId === undefined) {
    const missing = [
      tenant === undefined ? TENANT_HEADER : undefined,
      clientId === undefined ? CLIENT_HEADER : undefined,
    ]
      .filter((h) => h !== undefined)
      .join(" and ")
    return answer(
      tangoeError(
        400,
        "400-missing-required-header",
        `Missing required header ${missing}: every call needs ${TENANT_HEADER} and ${CLIENT_HEADER}`,
      ),
      { error: "missing_header" },
    )
  }

  const token = /^Bearer[ ]+(\S+)[ ]*$/i.exec(req.headers.authorization ?? "")?.[1]
  const check = token === undefined ? undefined : deps.registry.checkAccessToken(token)
  if (check === undefined || !check.ok) {
    const reason =
      check === undefined ? "No access token: send Authorization: Bearer <access_token>" : check.reason
    const status = deps.rejectionStatus()
    const challenge: Record<string, string> =
      status === 401
        ? { "WWW-Authenticate": `Bearer error="invalid_token", error_description="${reason}"` }
        : {}
    return answer(tangoeError(status, `${status}-invalid-token`, reason, challenge), {
      clientId,
      error: "invalid_token",
    })
  }
  if (check.clientId !== clientId) {
    return answer(
      tangoeError(
        403,
        "403-client-mismatch",
        `The ${CLIENT_HEADER} header does not name the client the access token was issued to`,
      ),
      { clientId, error: "forbidden" },
    )
  }
  const owner = deps.registry.client(check.clientId)
  if (owner === undefined || owner.tenant !== tenant) {
    return answer(
      tangoeError(
        403,
        "403-tenant-forbidden",
        `The client is not authorized for the tenant in ${TENANT_HEADER}`,
      ),
      { clientId, error: "forbidden" },
    )
  }

  if (path === COLLECTION_PATH || path === `${COLLECTION_PATH}/`)
    return answer(collectionPage(deps, query), { clientId })
  const id = path.startsWith(`${COLLECTION_PATH}/`) ? path.slice(COLLECTION_PATH.length + 1) : undefined
  const index = id !== undefined && /^\d+$/.test(id) ? Number(id) - 100001 : -1
  if (index >= 0 && index < deps.collectionSize())
    return answer(jsonResponse(200, item(deps, index)), { clientId })
  return answer(
    tangoeError(404, "404-not-found", `No resource at ${path}; the sample collection is ${COLLECTION_PATH}`),
    {
      clientId,
      error: "not_found",
    },
  )
}
