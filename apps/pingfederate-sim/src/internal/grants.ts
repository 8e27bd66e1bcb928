/**
 * The token endpoint's grants besides `refresh_token`, after the request's parameters and client
 * authentication have been checked:
 *
 * - `password` (Resource Owner Password Credentials, RFC 6749 §4.3) with a Tangoe service account, as
 *   Tangoe documents it (`Tangoe/Mobile-Procurement-API-Documentation`,
 *   `concepts/security/access_tokens/request_token_password`): `username`, `password` and `scope`,
 *   answered with the same four fields as a refresh and a new token family;
 * - `urn:pingidentity.com:oauth2:grant_type:validate_bearer` (PingFederate's access token validation,
 *   documented in `concepts/security/access_tokens/validate_token`): `token`, answered with `scope`,
 *   `token_type`, `expires_in`, `client_id` and the token's identity in `access_token`.
 */
import type { OAuthError, OAuthErrorCode } from "./responses.ts"
import { oauthError } from "./responses.ts"
import type { ServiceAccounts } from "./serviceAccounts.ts"
import { type Client, type Refreshed, type TokenRegistry, VALIDATE_BEARER } from "./tokens.ts"

/** What the grants work on. */
export interface GrantDeps {
  readonly registry: TokenRegistry
  readonly accounts: ServiceAccounts
  /** Wrong passwords in a row that lock an account; 0 = never. */
  readonly lockoutThreshold: () => number
}

/** A password grant's token set, or the OAuth error to answer with. */
export type PasswordOutcome =
  | { readonly ok: true; readonly tokens: Refreshed; readonly username: string }
  | { readonly ok: false; readonly error: OAuthError }

/** The validation body, in the key order of the documentation's example. */
export interface ValidatedBody {
  readonly scope: string
  readonly token_type: "urn:pingidentity.com:oauth2:validated_token"
  readonly expires_in: number
  readonly client_id: string
  readonly access_token: {
    readonly platform: string
    readonly tenant: string
    readonly multitenant: string
    readonly domain: string
    readonly identityProvider: string
    readonly identifier: string
  }
}

/** A validation's body, or the OAuth error to answer with. */
export type ValidateOutcome =
  | { readonly ok: true; readonly body: ValidatedBody }
  | { readonly ok: false; readonly error: OAuthError }

/** The identity provider the documentation's validation example names. */
export const IDENTITY_PROVIDER = "pcv_edge"

/** A refused grant: the OAuth error to answer with. */
const refused = (
  code: OAuthErrorCode,
  description: string,
): { readonly ok: false; readonly error: OAuthError } => ({
  ok: false,
  error: oauthError(code, description),
})

const missing = (name: string) => refused("invalid_request", `Missing ${name} parameter`)

/**
 * The password grant for an authenticated client. Order: the client must be allowed the grant
 * (`unauthorized_client`), `username` and `password` must be present (`invalid_request`), the scope
 * must be the client's (`invalid_scope`, which does not count as a failed sign-in), then the
 * credentials (`invalid_grant`: malformed or unknown username, wrong password, locked account).
 */
export const passwordGrant = (
  deps: GrantDeps,
  client: Client,
  params: ReadonlyMap<string, string>,
): PasswordOutcome => {
  if (!client.grantTypes.includes("password")) {
    return refused(
      "unauthorized_client",
      "The client is not allowed the password grant type (Resource Owner Password Credentials)",
    )
  }
  const username = params.get("username")
  if (username === undefined) return missing("username")
  const password = params.get("password")
  if (password === undefined) return missing("password")
  const scope = params.get("scope")
  const notAllowed =
    scope === undefined ? undefined : scope.split(" ").find((s) => s !== "" && !client.scopes.includes(s))
  if (notAllowed !== undefined) {
    return refused("invalid_scope", `The client is not allowed the scope ${notAllowed}`)
  }
  const checked = deps.accounts.authenticate(username, password, deps.lockoutThreshold())
  if (!checked.ok) return checked
  const granted = deps.registry.grant(client, scope, checked.subject)
  if (!granted.ok) return { ok: false, error: granted.error }
  deps.accounts.granted(username)
  return { ok: true, tokens: granted, username }
}

/**
 * `validate_bearer` for an authenticated client: the client must be allowed it (the docs: "Some
 * client IDs may not have the permissions required to validate tokens"; PingFederate then answers
 * `unauthorized_client`), `token` must be present, and a token that is unknown, expired or revoked
 * gets `invalid_grant` (PingFederate: "If the validation fails, PingFederate returns an invalid_grant
 * error to the client"). The tenant is the one of the client the token was issued to.
 */
export const validateBearer = (
  deps: GrantDeps,
  client: Client,
  params: ReadonlyMap<string, string>,
  now: number,
): ValidateOutcome => {
  if (!client.grantTypes.includes(VALIDATE_BEARER)) {
    return refused(
      "unauthorized_client",
      "The client is not permitted to validate tokens (grant type validate_bearer); Tangoe grants this permission per client on request",
    )
  }
  const token = params.get("token")
  if (token === undefined) return missing("token")
  const check = deps.registry.checkAccessToken(token)
  if (!check.ok) {
    return refused("invalid_grant", `token not found, expired or invalid (${check.reason})`)
  }
  const owner = deps.registry.client(check.clientId)
  return {
    ok: true,
    body: {
      scope: check.scope,
      token_type: "urn:pingidentity.com:oauth2:validated_token",
      expires_in: Math.max(0, Math.floor((check.expiresAt - now) / 1000)),
      client_id: check.clientId,
      access_token: {
        platform: check.subject.platform,
        tenant: owner?.tenant ?? "",
        // A string in the documentation's example, not a boolean.
        multitenant: "false",
        domain: "*",
        identityProvider: IDENTITY_PROVIDER,
        identifier: check.subject.identifier,
      },
    },
  }
}
