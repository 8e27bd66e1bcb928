/**
 * The headers the protected APIs received, per request, with secrets masked, so tests can assert
 * what a client sent without any secret being kept. The log keeps the latest 1,000 requests.
 */
import type { IncomingMessage } from "node:http"
import type { ReceivedApiRequest } from "../RequestLog.ts"

/** The most requests kept (the oldest are dropped first). */
export const MAX_API_REQUESTS = 1_000

/** What replaces a secret. */
export const REDACTED = "[redacted]"

/** Header and parameter names whose values are secrets. */
const SECRET_NAME = /secret|token|password|passwd|cookie|api[-_]?key|proxy-authorization/i

/** `Authorization: Bearer abc` becomes `Bearer [redacted]`: the scheme says enough. */
const maskAuthorization = (value: string): string => {
  const scheme = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)(\s|$)/.exec(value)?.[1]
  return scheme === undefined ? REDACTED : `${scheme} ${REDACTED}`
}

/** A header's value as kept in the log. */
export const maskedHeader = (name: string, value: string): string =>
  name === "authorization" ? maskAuthorization(value) : SECRET_NAME.test(name) ? REDACTED : value

/** The headers of a request, lower-case names, secrets masked. */
export const maskedHeaders = (req: IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, raw] of Object.entries(req.headers)) {
    if (raw === undefined) continue
    out[name] = maskedHeader(name, Array.isArray(raw) ? raw.join(", ") : raw)
  }
  return out
}

/** The query parameters of a request, secrets masked. */
export const maskedQuery = (query: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of new URLSearchParams(query))
    out[name] = SECRET_NAME.test(name) ? REDACTED : value
  return out
}

/** The requests the protected APIs received. */
export class ApiRequestLog {
  #entries: Array<ReceivedApiRequest> = []

  /** Records one answered API request. */
  record(req: IncomingMessage, at: number, path: string, query: string, status: number): void {
    this.#entries.push({
      at,
      method: req.method ?? "?",
      path,
      query: maskedQuery(query),
      headers: maskedHeaders(req),
      status,
    })
    if (this.#entries.length > MAX_API_REQUESTS)
      this.#entries.splice(0, this.#entries.length - MAX_API_REQUESTS)
  }

  /** A copy, oldest first. */
  entries(): ReadonlyArray<ReceivedApiRequest> {
    return [...this.#entries]
  }

  /** Forgets every request. */
  reset(): void {
    this.#entries = []
  }
}
