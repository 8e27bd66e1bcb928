/**
 * What a `tangoe api` node needs from its `tangoe-credentials` node to call Tangoe through core's API
 * layer: the token request's fields (environment, client id and secret: `client_id` and token
 * validation use them), the API base URL and the tenant. Resolved once, when the config node starts.
 *
 * @internal
 */
import {
  type CredentialsConfig,
  type CredentialsSecrets,
  isProblem,
  resolveClientOptions,
} from "./clientOptions.ts"
import type { TangoeApiClientOptions } from "./core.ts"
import type { TokenProblem } from "./problem.ts"

/** core's `createTangoeApi` options of a config node, without the token client (the node's own). */
export type ApiSettings = Pick<
  TangoeApiClientOptions,
  "environment" | "clientId" | "clientSecret" | "scope" | "placement" | "clientAuth" | "baseUrl" | "tenant"
>

const optional = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

/** The API settings of a config node, or the problem that prevents them (never with a secret). */
export const apiSettingsOf = (
  config: CredentialsConfig,
  secrets: CredentialsSecrets,
): { readonly settings: ApiSettings } | { readonly problem: TokenProblem } => {
  const resolved = resolveClientOptions(config, secrets)
  if (isProblem(resolved)) return { problem: resolved }
  const { environment, clientId, clientSecret, scope, placement, clientAuth } = resolved
  return {
    settings: {
      environment,
      clientId,
      clientSecret,
      ...(scope === undefined ? {} : { scope }),
      placement,
      clientAuth,
      baseUrl: optional(config.apiBase),
      tenant: optional(config.tenant),
    },
  }
}
