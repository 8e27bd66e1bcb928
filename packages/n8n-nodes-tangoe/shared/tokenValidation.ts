/**
 * The credential test's token check: Tangoe's `validate_bearer` on the held access token (core's
 * `validateToken`, which spends nothing and never sends the refresh token), through n8n's HTTP helper.
 */
import { HttpTransport, isTangoeApiError, validateToken } from "@tangoe-token/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { TangoeCredentialData } from "./credentialData"
import { type HttpRequestHelper, n8nTransport, toRefreshRequest } from "./refresh"

/**
 * What validation said: the token is valid (its tenant and time left), Tangoe does not find it valid,
 * the client is not permitted to validate tokens, or the check itself failed (unreachable endpoint,
 * refused client, unreadable answer).
 */
export type Validation =
  | {
      readonly kind: "valid"
      readonly tenant: string | undefined
      readonly multitenant: boolean
      readonly secondsLeft: number | undefined
    }
  | { readonly kind: "notValid" }
  | { readonly kind: "notPermitted" }
  | { readonly kind: "failed" }

/** Validates the credential's access token with Tangoe; never throws. */
export async function validateStoredToken(
  httpRequest: HttpRequestHelper,
  data: TangoeCredentialData,
): Promise<Validation> {
  const exit = await Effect.runPromiseExit(
    Effect.provideService(
      validateToken(toRefreshRequest(data), data.accessToken),
      HttpTransport,
      n8nTransport(httpRequest),
    ),
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
    if (error.reason._tag === "TokenNotValid") return { kind: "notValid" }
  }
  return { kind: "failed" }
}

/**
 * The message for a valid token that belongs to another tenant than the credential's Tenant field
 * (Tangoe refuses calls for another tenant), or `undefined` when they agree, one is unknown, or the
 * token is multi-tenant.
 */
export function tenantMismatch(
  validation: Extract<Validation, { kind: "valid" }>,
  credentialTenant: string,
): string | undefined {
  const tokenTenant = validation.tenant
  if (credentialTenant === "" || tokenTenant === undefined || tokenTenant === "" || validation.multitenant)
    return undefined
  if (tokenTenant.toUpperCase() === credentialTenant.toUpperCase()) return undefined
  return `The token belongs to tenant "${tokenTenant}", but the credential's Tenant is "${credentialTenant}": Tangoe refuses calls for another tenant. Set the Tenant field to "${tokenTenant}" (or leave it empty).`
}
