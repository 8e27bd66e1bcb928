/**
 * PingFederate's token validation (`validate_bearer`) as Tangoe documents it
 * (`concepts/security/access_tokens/validate_token`): the token endpoint, with `grant_type`, `token`,
 * `client_id` and `client_secret`, placed and authenticated like a refresh. It spends nothing.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { HttpTransport, HttpTransportResponse } from "../../HttpTransport.ts"
import type { ResolvedRefreshRequest } from "../../RefreshRequest.ts"
import {
  TangoeApiError,
  TokenNotValid,
  ValidationFailed,
  type ValidationFields,
  ValidationNotPermitted,
} from "../../TangoeApiError.ts"
import { VALIDATE_BEARER_GRANT } from "../../TangoeApiUrls.ts"
import type { TokenIdentity } from "../../TokenValidation.ts"
import { description, knownSecrets, maskKnown } from "../sanitize.ts"
import { tokenEndpointRequest } from "../tokenRequest.ts"

const BODY_LIMIT = 64 * 1024

const fail = (reason: TangoeApiError["reason"]) => Effect.fail(new TangoeApiError({ reason }))

const parameters = (
  request: ResolvedRefreshRequest,
  token: Redacted.Redacted<string>,
): Array<[string, string]> => {
  const params: Array<[string, string]> = [
    ["grant_type", VALIDATE_BEARER_GRANT],
    ["token", Redacted.value(token)],
  ]
  if (request.clientAuth === "params") {
    params.push(["client_id", request.clientId], ["client_secret", Redacted.value(request.clientSecret)])
  }
  return params
}

const str = (u: unknown): string | undefined => (typeof u === "string" && u.length > 0 ? u : undefined)

const seconds = (u: unknown): number | undefined => {
  const n = typeof u === "number" ? u : typeof u === "string" && /^\d+$/.test(u) ? Number(u) : Number.NaN
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

const bool = (u: unknown): boolean | undefined =>
  u === true || u === "true" ? true : u === false || u === "false" ? false : undefined

const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const json: unknown = JSON.parse(text)
    return typeof json === "object" && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The identity in a 200 answer. */
const identityOf = (json: Record<string, unknown>, sentAt: number): TokenIdentity | undefined => {
  const at = json.access_token
  if (typeof at !== "object" || at === null || Array.isArray(at)) return undefined
  const a = at as Record<string, unknown>
  const expiresIn = seconds(json.expires_in)
  return {
    tenant: str(a.tenant),
    platform: str(a.platform),
    identifier: str(a.identifier),
    identityProvider: str(a.identityProvider),
    multitenant: bool(a.multitenant),
    domain: str(a.domain),
    scope: str(json.scope),
    clientId: str(json.client_id),
    expiresIn,
    expiresAt: expiresIn === undefined ? undefined : new Date(sentAt + expiresIn * 1000),
  }
}

const interpret = (
  response: HttpTransportResponse,
  request: ResolvedRefreshRequest,
  secrets: () => ReadonlyArray<string>,
  sentAt: number,
): Effect.Effect<TokenIdentity, TangoeApiError> => {
  const { status } = response
  const base: ValidationFields = { environment: request.environment, status }
  const json = response.bodyTruncated === true ? undefined : parseObject(response.body)
  if (status >= 200 && status < 300) {
    const identity = json === undefined ? undefined : identityOf(json, sentAt)
    return identity === undefined
      ? fail(
          new ValidationFailed({
            ...base,
            detail: "the answer is not a validation result (no access_token object)",
          }),
        )
      : Effect.succeed(identity)
  }
  const code = str(json?.error)
  const error =
    code === undefined || !/^[\x20-\x7E]{1,64}$/.test(code) ? undefined : maskKnown(code, secrets())
  const said = str(json?.error_description)
  const fields: ValidationFields = {
    ...base,
    error,
    error_description: said === undefined ? undefined : description(said, secrets()),
  }
  if (error === "unauthorized_client") return fail(new ValidationNotPermitted(fields))
  if (error === "invalid_grant") return fail(new TokenNotValid(fields))
  return fail(
    new ValidationFailed({
      ...fields,
      detail:
        error === undefined
          ? json === undefined
            ? "the answer is not JSON"
            : "no OAuth error code"
          : undefined,
    }),
  )
}

/** Validates `token` at the request's token endpoint. */
export const validateBearer = (
  request: ResolvedRefreshRequest,
  token: Redacted.Redacted<string>,
  transport: HttpTransport,
): Effect.Effect<TokenIdentity, TangoeApiError> =>
  Effect.suspend(() => {
    const sent = {
      ...tokenEndpointRequest(request, parameters(request, token), BODY_LIMIT),
      timeoutMillis: Duration.toMillis(request.timeout),
    }
    const secrets = () => knownSecrets([token, request.clientSecret])
    const sentAt = Date.now()
    return transport.send(sent).pipe(
      Effect.timeoutOrElse({
        duration: request.timeout,
        orElse: () =>
          fail(
            new ValidationFailed({
              environment: request.environment,
              status: 0,
              detail: "no answer in time",
            }),
          ),
      }),
      Effect.catchTag("HttpTransportFailure", (failure) =>
        fail(
          new ValidationFailed({
            environment: request.environment,
            status: 0,
            detail: `transport ${failure.code}`,
          }),
        ),
      ),
      Effect.flatMap((response) => interpret(response, request, secrets, sentAt)),
    )
  })
