/**
 * The credential's tokens with a Tangoe service account: the first grant when the credential holds no
 * refresh token yet, and a new grant when the server refused the refresh token (the chain is dead, or
 * another execution won a refresh race: a credential's hook cannot re-read n8n's database to tell, and
 * either way the new chain serves this execution). The grant is core's `passwordGrantTokenSet` through
 * n8n's `httpRequest`; n8n persists what the hook returns, so a heal is saved like a rotation.
 *
 * Core's host rules keep it from looping: a refused refresh token is remembered dead in this process and
 * never sent again; one grant is in flight per account, late callers get its result; a refused account
 * (`ServiceAccountRejected`, `UnauthorizedClient`, `InvalidClient`) is not sent again for a while; and an
 * `invalid_client` on the refresh never leads to a grant (the client itself is wrong).
 */
import { isRefreshError, makeRetrySchedule, passwordGrantTokenSet } from "@tangoe-token/core"
import {
  isKnownDeadRefreshToken,
  type RefreshOutcome,
  refreshKey,
  rememberDeadRefreshToken,
  secretFingerprint,
  singleFlight,
} from "@tangoe-token/core/host"
import * as Redacted from "effect/Redacted"
import { type TangoeCredentialData, tokenUrlOf } from "./credentialData"
import {
  type HttpRequestHelper,
  isRefusal,
  n8nTransport,
  RETRY_BUDGET_MILLIS,
  type RefreshCredentialOptions,
  refreshCredential,
  toAuthError,
  toRefreshRequest,
} from "./refresh"
import { forN8n, TangoeAuthError } from "./TangoeAuthError"

/** Why a grant is taken: no refresh token yet, or the chain is dead. */
export type GrantReason = "bootstrap" | "deadChain"

/** Tokens to persist, and whether (and why) they come from a new grant. */
export interface CredentialTokens extends RefreshOutcome {
  readonly grant?: GrantReason | undefined
}

/** Failures of a grant that mean the account (or the client) is refused: remembered, never retried. */
const REFUSED_GRANT = new Set(["ServiceAccountRejected", "UnauthorizedClient", "InvalidClient"])

const isRefusedGrant = (error: unknown): boolean =>
  error instanceof TangoeAuthError && REFUSED_GRANT.has(error.tangoe.reason)

/** The grant's single-flight key: the account at this endpoint and client (hashed, never in clear). */
const grantKey = (data: TangoeCredentialData): string =>
  refreshKey({
    tokenUrl: tokenUrlOf(data),
    clientId: data.clientId,
    refreshToken: `\u0000password-grant\u0000${data.username}\u0000${data.password}`,
  })

/** A grant's failure as the credential's error: a refused account names the credential's fields. */
const toGrantError = (error: unknown, data: TangoeCredentialData): TangoeAuthError => {
  const base = toAuthError(error, data.refreshToken)
  if (!isRefreshError(error)) return base
  const text =
    error.reason._tag === "ServiceAccountRejected"
      ? {
          message:
            "Tangoe refused the credential's service account: check its Username (command://name, rivermine://name, or a bare name for a Tangoe-platform user) and Password fields. It is not retried: repeated failures can lock the account.",
          description: error.message,
        }
      : forN8n("Tangoe service account grant failed", error.message)
  return new TangoeAuthError(text.message, base.tangoe, text.description)
}

/** One password grant for the credential's service account, shared by the callers of this process. */
export async function grantCredential(
  httpRequest: HttpRequestHelper,
  data: TangoeCredentialData,
  options: RefreshCredentialOptions = {},
): Promise<RefreshOutcome> {
  // The refresh request's settings; its refresh token is ignored by the grant (it has none).
  const settings = toRefreshRequest(data)
  return await singleFlight({
    key: grantKey(data),
    heldAccessToken: data.accessToken,
    isRefusal: isRefusedGrant,
    flights: options.flights,
    now: options.now,
    run: async () => {
      try {
        const tokens = await passwordGrantTokenSet(
          { ...settings, serviceAccount: { username: data.username, password: data.password } },
          {
            transport: n8nTransport(httpRequest),
            retry: {
              schedule: makeRetrySchedule({
                maxElapsed: options.retryBudgetMillis ?? RETRY_BUDGET_MILLIS,
                maxDelay: 5_000,
              }),
            },
          },
        )
        return {
          accessToken: Redacted.value(tokens.accessToken),
          refreshToken: Redacted.value(tokens.refreshToken),
          expiresAt: tokens.expiresAt,
        }
      } catch (error) {
        throw toGrantError(error, data)
      }
    },
  })
}

/**
 * The credential's tokens: a refresh (`refreshCredential`); with a service account, the first grant
 * when there is no refresh token, and one new grant when the server refused the refresh token (or this
 * process already knows it dead: then it is not sent at all).
 */
export async function credentialTokens(
  httpRequest: HttpRequestHelper,
  data: TangoeCredentialData,
  options: RefreshCredentialOptions = {},
): Promise<CredentialTokens> {
  if (data.authentication !== "serviceAccount") return await refreshCredential(httpRequest, data, options)
  if (data.refreshToken === "") {
    return { ...(await grantCredential(httpRequest, data, options)), grant: "bootstrap" }
  }
  const fingerprint = secretFingerprint(data.refreshToken)
  if (isKnownDeadRefreshToken(fingerprint)) {
    return { ...(await grantCredential(httpRequest, data, options)), grant: "deadChain" }
  }
  const refreshed = await refreshCredential(httpRequest, data, options).then(
    (tokens) => ({ ok: true as const, tokens }),
    (error: unknown) => ({ ok: false as const, error }),
  )
  if (refreshed.ok) return refreshed.tokens
  if (!isRefusal(refreshed.error)) return Promise.reject(refreshed.error)
  rememberDeadRefreshToken(fingerprint)
  return { ...(await grantCredential(httpRequest, data, options)), grant: "deadChain" }
}
