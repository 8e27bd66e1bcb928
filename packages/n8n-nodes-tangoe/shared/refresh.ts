/**
 * The credential's refresh: the credential's fields become a core `RefreshRequest`, the call goes out
 * through n8n's own `this.helpers.httpRequest` (so n8n's proxy, TLS and domain settings apply), and
 * core's typed failures become a `TangoeAuthError` with core's actionable message.
 */
import {
  fromPromise,
  type HttpTransport,
  HttpTransportFailure,
  type HttpTransportRequest,
  type HttpTransportResponse,
  InvalidConfig,
  isRefreshError,
  makeRetrySchedule,
  type RefreshRequest,
  refreshTokenSet,
} from "@tangoe-token/core"
import {
  type RefreshFlights,
  type RefreshOutcome,
  refreshKey,
  secretFingerprint,
  singleFlight,
} from "@tangoe-token/core/host"
import * as Redacted from "effect/Redacted"
import type { IDataObject, IHttpRequestHelper, IHttpRequestOptions } from "n8n-workflow"
import { type TangoeCredentialData, tokenUrlOf } from "./credentialData"
import { forN8n, TangoeAuthError } from "./TangoeAuthError"

/** n8n's `this.helpers.httpRequest`, the only helper a credential's hook gets. */
export type HttpRequestHelper = IHttpRequestHelper["helpers"]["httpRequest"]

/** Time limit of one token request. */
export const REFRESH_TIMEOUT_MILLIS = 30_000

/** No retry (of a request that certainly did no harm: never sent, 429, 503) starts later than this. */
export const RETRY_BUDGET_MILLIS = 20_000

const headerText = (value: unknown): string | undefined => {
  if (typeof value === "string") return value
  if (typeof value === "number") return String(value)
  if (Array.isArray(value)) return value.filter((v) => typeof v === "string").join(", ")
  return undefined
}

const bodyText = (body: unknown): string => {
  if (typeof body === "string") return body
  if (body === undefined || body === null) return ""
  if (Buffer.isBuffer(body)) return body.toString("utf8")
  return JSON.stringify(body)
}

/** The message n8n throws when a credential's domain allowlist blocks a request. */
const DOMAIN_BLOCKED = /^Domain not allowed/

/**
 * A core transport over n8n's `httpRequest`: the full response for every status (core reads the
 * OAuth error), no redirects, the body as text, at most `maxBodyBytes` of it kept. Whatever the helper
 * throws is reduced to an error code (its message and config can contain the URL, so the secrets).
 */
export function n8nTransport(httpRequest: HttpRequestHelper): HttpTransport {
  return fromPromise(
    async (request: HttpTransportRequest, signal: AbortSignal): Promise<HttpTransportResponse> => {
      const options: IHttpRequestOptions = {
        method: request.method,
        url: request.url,
        headers: { ...request.headers },
        returnFullResponse: true,
        ignoreHttpStatusErrors: true,
        disableFollowRedirect: true,
        encoding: "text",
        json: false,
        timeout: request.timeoutMillis,
        abortSignal: signal,
      }
      if (request.body !== undefined) options.body = request.body
      const response = (await httpRequest(options).catch((error: unknown) =>
        Promise.reject(
          error instanceof Error && DOMAIN_BLOCKED.test(error.message)
            ? new HttpTransportFailure({ code: "DOMAIN_NOT_ALLOWED", mayHaveReachedServer: false })
            : error,
        ),
      )) as { body?: unknown; headers?: IDataObject; statusCode?: unknown }
      const status = typeof response.statusCode === "number" ? response.statusCode : 0
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(response.headers ?? {})) {
        const text = headerText(value)
        if (text !== undefined) headers[name.toLowerCase()] = text
      }
      const body = bodyText(response.body)
      const bytes = Buffer.byteLength(body, "utf8")
      if (bytes > request.maxBodyBytes) {
        return { status, headers, body: body.slice(0, request.maxBodyBytes), bodyTruncated: true }
      }
      return { status, headers, body }
    },
  )
}

/** The core request for the credential's fields. */
export function toRefreshRequest(data: TangoeCredentialData): RefreshRequest {
  return {
    environment: data.environment === "custom" ? { tokenUrl: data.tokenUrl } : data.environment,
    clientId: data.clientId,
    clientSecret: Redacted.make(data.clientSecret),
    refreshToken: Redacted.make(data.refreshToken),
    scope: data.scope === "" ? undefined : data.scope,
    placement: data.placement,
    timeout: REFRESH_TIMEOUT_MILLIS,
  }
}

/** The longest backoff between two retries. */
const MAX_RETRY_DELAY_MILLIS = 5_000

/** The credential's field (as n8n shows it) that core's `InvalidConfig` names. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  environment: "Environment",
  "environment.tokenUrl": "Token URL",
  clientId: "Client ID",
  clientSecret: "Client Secret",
  scope: "Scope",
  refreshToken: "Refresh Token",
  placement: "Parameter Placement",
}

const fieldLabel = (field: string): string => {
  const label = FIELD_LABELS[field]
  return label === undefined ? "the credential is not usable" : `check the credential's "${label}" field`
}

/** What failed, for the marker: the reason of core's `RefreshError` (`InvalidGrant`…), or `InvalidConfig`. */
const reasonOf = (error: unknown): string =>
  isRefreshError(error) ? error.reason._tag : error instanceof InvalidConfig ? error._tag : "Unexpected"

/**
 * What an `invalid_grant` to a refresh means in n8n, where a credential's hook cannot re-read n8n's
 * database: most likely another execution (another `n8n execute`, a queue-mode worker) refreshed with the
 * same refresh token at the same moment and n8n has saved ITS rotation, so the next run works; only if
 * it does not is the chain dead.
 */
export const RACE_OR_DEAD =
  "the refresh token was refused, most likely because another execution refreshed it at the same moment and n8n has saved the new one: run the workflow again (or turn on the node's Retry On Fail) and it will use it. Only if the next run fails the same way is the chain dead: then re-provision a refresh token, or set the credential's Authentication to Service Account so that it heals itself."

/** Turns anything the refresh failed with into a `TangoeAuthError` whose message is safe to show. */
export function toAuthError(error: unknown, refreshTokenValue: string): TangoeAuthError {
  if (error instanceof TangoeAuthError) return error
  const marker = { reason: reasonOf(error), refreshTokenFingerprint: secretFingerprint(refreshTokenValue) }
  const text =
    error instanceof InvalidConfig
      ? forN8n("Tangoe token refresh failed", `${fieldLabel(error.field)}: ${error.message}`)
      : marker.reason === "InvalidGrant" && isRefreshError(error)
        ? forN8n("Tangoe token refresh failed", `${RACE_OR_DEAD} Tangoe said: ${error.message}`)
        : isRefreshError(error)
          ? forN8n("Tangoe token refresh failed", error.message)
          : {
              message:
                "Tangoe token refresh failed unexpectedly (no details are shown: they could contain secrets). Check the credential's token URL, then test the credential again.",
            }
  return new TangoeAuthError(text.message, marker, text.description)
}

/** Whether the server refused the refresh token (it is dead). */
export const isRefusal = (error: unknown): boolean =>
  error instanceof TangoeAuthError && error.tangoe.reason === "InvalidGrant"

/** Options of {@link refreshCredential}. */
export interface RefreshCredentialOptions {
  /** Override the retry budget (tests). */
  readonly retryBudgetMillis?: number
  /** Override the single-flight memory (tests); default core's `processFlights`. */
  readonly flights?: RefreshFlights
  /** The clock (tests). */
  readonly now?: () => number
}

/**
 * Refreshes the credential's access token, at most once per refresh token in this process (core's
 * `singleFlight`: late callers get the result, a refused token is not sent again), and returns the new access token, the refresh token to store (rotated or not) and
 * the expiry. Fails only with a `TangoeAuthError`.
 */
export async function refreshCredential(
  httpRequest: HttpRequestHelper,
  data: TangoeCredentialData,
  options: RefreshCredentialOptions = {},
): Promise<RefreshOutcome> {
  const transport = n8nTransport(httpRequest)
  const budget = options.retryBudgetMillis ?? RETRY_BUDGET_MILLIS
  return await singleFlight({
    key: refreshKey({ tokenUrl: tokenUrlOf(data), clientId: data.clientId, refreshToken: data.refreshToken }),
    heldAccessToken: data.accessToken,
    isRefusal,
    flights: options.flights,
    now: options.now,
    run: async () => {
      try {
        const tokens = await refreshTokenSet(toRefreshRequest(data), {
          transport,
          schedule: makeRetrySchedule({ maxElapsed: budget, maxDelay: MAX_RETRY_DELAY_MILLIS }),
        })
        return {
          accessToken: Redacted.value(tokens.accessToken),
          refreshToken: Redacted.value(tokens.refreshToken),
          expiresAt: tokens.expiresAt,
        }
      } catch (error) {
        throw toAuthError(error, data.refreshToken)
      }
    },
  })
}
