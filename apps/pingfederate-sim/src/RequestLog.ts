/**
 * What tests can read about the requests a simulator served: one log entry per request (never a
 * secret: no query string, no client secret, no token) and running counts.
 *
 * @since 0.1.0
 */

/**
 * One request the simulator served (admin requests aside). It holds no secret: the path has no
 * query string, and neither the client secret nor any token is kept.
 *
 * @category state
 * @since 0.1.0
 */
export interface LoggedRequest {
  /** When it arrived, in milliseconds since the epoch (by the simulator's clock). */
  readonly at: number
  readonly method: string
  /** The path only, never the query string (which carries secrets in Tangoe's documented form). */
  readonly path: string
  /** Where the parameters were. */
  readonly placement: "query" | "body" | "mixed" | "none"
  /** How the client authenticated. */
  readonly clientAuth: "params" | "basic" | "none"
  /** The client id it named (an identifier, not a secret), when it named one. */
  readonly clientId?: string
  /** The HTTP status sent; 0 when no response was sent (a reset, or the client left during a delay). */
  readonly status: number
  /** The OAuth error code (or `invalid_token` from the API, `not_found`, `method_not_allowed`). */
  readonly error?: string
  /** The injected fault this request took, described (e.g. `status:status=503:retryAfter=5`). */
  readonly fault?: string
  /** Whether the request rolled (or reissued) a refresh token: the server accepted the refresh. */
  readonly refreshed: boolean
  /**
   * A grant other than refresh_token that succeeded: `password` (a new token family from a service
   * account) or `validate_bearer` (a token validated). Absent otherwise.
   */
  readonly grant?: "password" | "validate_bearer"
  /** Time from arrival to the end of the response (or of the connection), in milliseconds. */
  readonly durationMs: number
}

/**
 * Running counts since start (or the last `resetStats`).
 *
 * `refreshes` counts requests the server accepted (it rolled or reissued the refresh token), including
 * those whose response a fault then spoiled. `failures` counts token requests that did not end in a
 * clean success: an OAuth error, or a fault that took effect (every fault kind except a `delay` the
 * client waited out, and except body faults on a request that failed anyway). `errors` splits failures
 * by OAuth error code or, for faults, by fault kind.
 *
 * @category state
 * @since 0.1.0
 */
export interface SimulatorStats {
  readonly tokenRequests: number
  readonly refreshes: number
  readonly failures: number
  readonly errors: Readonly<Record<string, number>>
  readonly apiRequests: number
  /** API answers with status 401 (the ping API's token rejection; the Tangoe API's when configured so). */
  readonly apiUnauthorized: number
  /** Successful password grants (each one starts a token family); per account in `serviceAccountStats()`. */
  readonly passwordGrants: number
  /** Successful `validate_bearer` requests. */
  readonly validations: number
  /** API answers with status 403 (a rejected token by default, a wrong tenant or client). */
  readonly apiForbidden: number
}

/**
 * One request the protected APIs received, with the headers it carried, so a test can assert what a
 * client sent (the tenant, `client_id`, the context and correlation headers…). Secrets are masked:
 * `Authorization` keeps only its scheme (`Bearer [redacted]`), and `Cookie`, `Proxy-Authorization`
 * and any header or query parameter whose name mentions a secret, token or password show
 * `[redacted]`.
 *
 * @category state
 * @since 0.1.0
 */
export interface ReceivedApiRequest {
  /** When it arrived, in milliseconds since the epoch (by the simulator's clock). */
  readonly at: number
  readonly method: string
  /** The path, without the query string. */
  readonly path: string
  /** The query parameters (the last value of a repeated one), secrets masked. */
  readonly query: Readonly<Record<string, string>>
  /** The headers as received, names in lower case, repeated ones joined with `, `, secrets masked. */
  readonly headers: Readonly<Record<string, string>>
  /** The status answered. */
  readonly status: number
}
