/**
 * The credential test's token check: Tangoe's `validate_bearer` on the stored access token (core's
 * `validateToken`, which spends nothing), through n8n's HTTP helper. It lives in the credential's file,
 * where core and effect are bundled; the node's test requires it from there.
 */
import { HttpTransport, isTangoeApiError, validateToken } from "@tangoe-token/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { TangoeCredentialData } from "./credentialData"
import { type HttpRequestHelper, n8nTransport, toRefreshRequest } from "./refresh"

/** What to do when the stored token cannot be checked without a refresh. */
export const RUN_ONCE =
  "Run a workflow with this credential once (for example the Tangoe node's Get Access Token): it refreshes the token and n8n saves the new one. Then test again. (A test cannot refresh: n8n does not save what a test gets, and Tangoe replaces the refresh token on every refresh.)"

/** What validation said: the identity's tenant and time left, not permitted, or a failure to show. */
export type Validation =
  | {
      readonly kind: "valid"
      readonly tenant: string | undefined
      readonly multitenant: boolean
      readonly secondsLeft: number | undefined
    }
  | { readonly kind: "notPermitted" }
  | { readonly kind: "failed"; readonly message: string }

export async function validateStoredToken(
  httpRequest: HttpRequestHelper,
  data: TangoeCredentialData,
): Promise<Validation> {
  // validateToken never sends the request's refresh token.
  const request = toRefreshRequest(data)
  const exit = await Effect.runPromiseExit(
    Effect.provideService(validateToken(request, data.accessToken), HttpTransport, n8nTransport(httpRequest)),
  )
  if (Exit.isSuccess(exit)) {
    const identity = exit.value
    return {
      kind: "valid",
      tenant: identity.tenant,
      multitenant: identity.multitenant === true,
      secondsLeft:
        identity.expiresAt === undefined
          ? undefined
          : Math.floor((identity.expiresAt.getTime() - Date.now()) / 1000),
    }
  }
  const error = Cause.squash(exit.cause)
  if (isTangoeApiError(error)) {
    if (error.reason._tag === "ValidationNotPermitted") return { kind: "notPermitted" }
    if (error.reason._tag === "TokenNotValid") {
      return {
        kind: "failed",
        message: `The stored access token is no longer valid (Tangoe's validation says so). ${RUN_ONCE}`,
      }
    }
    return { kind: "failed", message: `Tangoe's token validation failed: ${error.message}` }
  }
  const message =
    error instanceof Error && error.name === "InvalidConfig" ? error.message : "an unexpected error"
  return { kind: "failed", message: `The credential cannot validate its token: ${message}` }
}
