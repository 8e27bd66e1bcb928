/**
 * Keeps the request log and the counts, and writes one masked line per request to the `log` callback.
 * Entries are built from fields that never carry secrets; the log keeps the latest 10,000 entries.
 */
import type { LoggedRequest, SimulatorStats } from "../RequestLog.ts"

/** The most entries kept in the request log (the oldest are dropped first). */
export const MAX_LOG_ENTRIES = 10_000

/** Which counter a request adds to. */
export type Area = "token" | "api" | "admin" | "other"

/** What a handler learnt about a request, for the log and the counts. */
export interface Outcome {
  readonly placement?: LoggedRequest["placement"]
  readonly clientAuth?: LoggedRequest["clientAuth"]
  readonly clientId?: string | undefined
  readonly status: number
  readonly error?: string | undefined
  readonly fault?: string | undefined
  readonly refreshed?: boolean
  /** A grant other than refresh_token that succeeded: `password` or `validate_bearer`. */
  readonly grant?: "password" | "validate_bearer" | undefined
  /** For token requests: the key counted under `errors` when the request failed. */
  readonly failure?: string | undefined
}

interface Counts {
  tokenRequests: number
  refreshes: number
  failures: number
  errors: Record<string, number>
  apiRequests: number
  apiUnauthorized: number
  passwordGrants: number
  validations: number
  apiForbidden: number
}

const zero = (): Counts => ({
  tokenRequests: 0,
  refreshes: 0,
  failures: 0,
  errors: {},
  apiRequests: 0,
  apiUnauthorized: 0,
  passwordGrants: 0,
  validations: 0,
  apiForbidden: 0,
})

/** Formats a log line: time, method, path, status, duration, then the facts that are set. */
export const formatLine = (entry: LoggedRequest): string => {
  const facts = [
    entry.placement !== "none" ? `params=${entry.placement}` : undefined,
    entry.clientAuth !== "none" ? `auth=${entry.clientAuth}` : undefined,
    entry.clientId !== undefined ? `client=${JSON.stringify(entry.clientId)}` : undefined,
    entry.refreshed ? "refreshed" : undefined,
    entry.grant !== undefined ? `granted=${entry.grant}` : undefined,
    entry.error !== undefined ? `error=${entry.error}` : undefined,
    entry.fault !== undefined ? `fault=${entry.fault}` : undefined,
  ].filter((f) => f !== undefined)
  const status = entry.status === 0 ? "---" : String(entry.status)
  return [
    new Date(entry.at).toISOString(),
    entry.method,
    entry.path,
    status,
    `${entry.durationMs}ms`,
    ...facts,
  ].join(" ")
}

/** The request log and counts of one simulator. */
export class Recorder {
  readonly #log: ((line: string) => void) | undefined
  #entries: Array<LoggedRequest> = []
  #counts: Counts = zero()

  constructor(log: ((line: string) => void) | undefined) {
    this.#log = log
  }

  /** Records one finished request. Admin requests are only written to the log callback. */
  record(
    area: Area,
    method: string,
    path: string,
    startedAt: number,
    endedAt: number,
    outcome: Outcome,
  ): void {
    const entry: LoggedRequest = {
      at: startedAt,
      method,
      path,
      placement: outcome.placement ?? "none",
      clientAuth: outcome.clientAuth ?? "none",
      ...(outcome.clientId !== undefined ? { clientId: outcome.clientId } : {}),
      status: outcome.status,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      ...(outcome.fault !== undefined ? { fault: outcome.fault } : {}),
      refreshed: outcome.refreshed === true,
      ...(outcome.grant !== undefined ? { grant: outcome.grant } : {}),
      durationMs: Math.max(0, Math.round(endedAt - startedAt)),
    }
    this.#log?.(formatLine(entry))
    if (area === "admin") return
    this.#entries.push(entry)
    if (this.#entries.length > MAX_LOG_ENTRIES)
      this.#entries.splice(0, this.#entries.length - MAX_LOG_ENTRIES)
    const counts = this.#counts
    if (area === "token") {
      counts.tokenRequests++
      if (entry.refreshed) counts.refreshes++
      if (entry.grant === "password") counts.passwordGrants++
      if (entry.grant === "validate_bearer") counts.validations++
      if (outcome.failure !== undefined) {
        counts.failures++
        counts.errors[outcome.failure] = (counts.errors[outcome.failure] ?? 0) + 1
      }
    } else if (area === "api") {
      counts.apiRequests++
      if (outcome.status === 401) counts.apiUnauthorized++
      if (outcome.status === 403) counts.apiForbidden++
    }
  }

  /** A copy of the counts. */
  stats(): SimulatorStats {
    return { ...this.#counts, errors: { ...this.#counts.errors } }
  }

  /** A copy of the log, oldest first. */
  requests(): ReadonlyArray<LoggedRequest> {
    return [...this.#entries]
  }

  /** Clears the counts and the log. */
  reset(): void {
    this.#entries = []
    this.#counts = zero()
  }
}
