/**
 * What a failed Tangoe API call looks like to a flow: core's `TangoeApiError` as a plain, secret-free
 * object (what failed as `_tag`, the message, and Tangoe's error body fields a user quotes to support:
 * `status`, `errorCode`, `id`, and the `correlationId` we sent). A failure to get a token keeps the
 * token node's shape (`problem.ts`). Every string is scrubbed of the credentials' secrets too.
 *
 * @internal
 */
import { isTangoeApiError, type TangoeApiError } from "./core.ts"
import { scrub, type TokenProblem, toProblem } from "./problem.ts"

/** An API failure as a flow sees it: a token problem, plus the call's fields when Tangoe answered. */
export interface ApiProblem extends TokenProblem {
  /** The HTTP status Tangoe answered, when it did. */
  readonly status?: number
  /** Tangoe's error code, e.g. `400-missing-required-header`. */
  readonly errorCode?: string
  /** The id Tangoe gave this occurrence of the error. */
  readonly id?: string
  /** The `X-TNGO-CONTEXT-CORRELATIONID` of the failed call. */
  readonly correlationId?: string
  /** The HTTP method and the URL (never a query string) of the failed call. */
  readonly method?: string
  readonly url?: string
}

/** The reasons of core's `TangoeApiError` the message catalog has a label and an action for. */
export const API_REASON_TAGS: ReadonlySet<string> = new Set([
  "BadRequest",
  "Forbidden",
  "TokenRejected",
  "NotFound",
  "ApiServerError",
  "UnexpectedStatus",
  "MalformedApiResponse",
  "ApiTransport",
  "ForeignHost",
  "TooManyPages",
  "ValidationNotPermitted",
  "TokenNotValid",
  "ValidationFailed",
  "TenantUnknown",
])

const text = (u: unknown): string | undefined => (typeof u === "string" && u !== "" ? u : undefined)

const fromApiError = (error: TangoeApiError, secrets: ReadonlyArray<string | undefined>): ApiProblem => {
  const reason = error.reason as unknown as Record<string, unknown> & {
    readonly body?: { readonly errorCode?: unknown; readonly id?: unknown }
  }
  const status = typeof reason.status === "number" ? reason.status : undefined
  const fields = {
    status,
    errorCode: text(reason.body?.errorCode),
    id: text(reason.body?.id),
    correlationId: text(reason.correlationId),
    method: text(reason.method),
    url: text(reason.url),
  }
  const problem: Record<string, unknown> = { _tag: error.reason._tag, message: scrub(error.message, secrets) }
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) problem[key] = typeof value === "string" ? scrub(value, secrets) : value
  }
  return problem as unknown as ApiProblem
}

/** The problem for any value an API call rejected with. */
export const toApiProblem = (cause: unknown, secrets: ReadonlyArray<string | undefined>): ApiProblem =>
  isTangoeApiError(cause) ? fromApiError(cause, secrets) : toProblem(cause, secrets)

/** The Error handed to `done(err)`: a Catch node sees its message, `code` (the tag) and `cause` (the problem). */
export class ApiCallError extends Error {
  /** Node-RED copies `code` into the Catch node's `msg.error.code`. */
  readonly code: string
  constructor(problem: ApiProblem) {
    // Node-RED copies an own `cause` into the Catch node's `msg.error.cause`: errorCode, status, ids.
    super(problem.message, { cause: problem })
    this.name = "TangoeApiError"
    this.code = problem._tag
  }
}
