/**
 * What a `tangoe api` node sends for one message: the URL (the node's path, else `msg.url`), the method
 * (the node's, else `msg.method`), the flow's own headers (core never replaces them) and the body.
 * Pure: the rules of the call itself (Tangoe's headers, replay, pages, errors) are core's.
 *
 * @internal
 */
import type { NodeMessage } from "./red.ts"

/** How a `tangoe api` node hands the answer on. */
export type Paging = "none" | "pages" | "all"

/** The editor settings of a `tangoe api` node that shape the request. */
export interface ApiRequestConfig {
  /** `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, or `use` (take `msg.method`). Default `GET`. */
  readonly method?: string
  /** A path under the credentials' API base (e.g. `orders`), or empty to take `msg.url`. */
  readonly url?: string
  /** `none` (one call, the body), `pages` (one message per page) or `all` (one message, every item). */
  readonly paging?: string
  /** Items per page (`limit`), for `pages` and `all`. */
  readonly limit?: string | number
  /** The most pages followed (core's default 500). */
  readonly maxPages?: string | number
}

/** One call as core's API layer takes it. */
export interface ApiRequest {
  readonly url: string
  readonly method: string
  readonly paging: Paging
  readonly init: RequestInit
  readonly limit?: number
  readonly maxPages?: number
}

/** A request the node cannot make, naming the setting at fault. */
export interface RequestProblem {
  readonly _tag: "InvalidRequest"
  readonly field: string
  readonly message: string
}

const METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"])

const whole = (value: string | number | undefined, min: number, max: number): number | undefined | null => {
  if (value === undefined || value === "") return undefined
  const n = Number(value)
  return Number.isInteger(n) && n >= min && n <= max ? n : null
}

const invalid = (field: string, message: string): RequestProblem => ({
  _tag: "InvalidRequest",
  field,
  message,
})

/** The flow's headers as strings (numbers and booleans kept as text, other values left out). */
const headersOf = (headers: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) return out
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out[name] = String(value)
  }
  return out
}

const hasHeader = (headers: Record<string, string>, name: string): boolean =>
  Object.keys(headers).some((key) => key.toLowerCase() === name)

/** The request for `msg`, or what is wrong with it. */
export const apiRequestOf = (config: ApiRequestConfig, msg: NodeMessage): ApiRequest | RequestProblem => {
  const url = config.url?.trim() || (typeof msg.url === "string" ? msg.url.trim() : "")
  if (url === "") {
    return invalid(
      "url",
      "The node has no URL: enter a path under the credentials' API base (e.g. orders), or set msg.url.",
    )
  }
  const chosen = config.method === undefined || config.method === "" ? "GET" : config.method
  const method = (
    chosen === "use" ? (typeof msg.method === "string" ? msg.method : "GET") : chosen
  ).toUpperCase()
  if (!METHODS.has(method))
    return invalid(
      "method",
      `The method ${JSON.stringify(method)} is not one of GET, POST, PUT, PATCH, DELETE.`,
    )
  const paging = config.paging === "pages" || config.paging === "all" ? config.paging : "none"
  const limit = whole(config.limit, 1, 1000)
  if (limit === null)
    return invalid("limit", "Items per page must be a whole number from 1 to 1000, or empty.")
  const maxPages = whole(config.maxPages, 1, 100_000)
  if (maxPages === null) return invalid("maxPages", "Max pages must be a whole number from 1, or empty.")
  const headers = headersOf(msg.headers)
  let body: string | Uint8Array | undefined
  if (method !== "GET" && msg.payload !== undefined && msg.payload !== "") {
    if (typeof msg.payload === "string" || msg.payload instanceof Uint8Array) body = msg.payload
    else {
      body = JSON.stringify(msg.payload)
      if (!hasHeader(headers, "content-type")) headers["Content-Type"] = "application/json"
    }
  }
  return {
    url,
    method,
    // Pages are read with GET; another method is one call.
    paging: method === "GET" ? paging : "none",
    init: { method, headers, ...(body === undefined ? {} : { body }) },
    ...(limit === undefined ? {} : { limit }),
    ...(maxPages === undefined ? {} : { maxPages }),
  }
}

/** Whether a result is a problem. */
export const isRequestProblem = (value: ApiRequest | RequestProblem): value is RequestProblem =>
  "_tag" in value
