/**
 * Contenders of the refresh round trip: one refresh request each, every library keeping the rotated
 * refresh token for its next call (the simulator retires the old one at once).
 */
import type { OAuth2Token } from "@badgateway/oauth2-client"
import * as oauth from "oauth4webapi"
import * as oidc from "openid-client"
import type { Endpoint } from "../endpoint.ts"
import { badgatewayClient, googleClient, plainClient, simpleOauth2Token, tokenClient } from "./clients.ts"

/** One refresh per `once()`; `close` releases what the library holds. */
export interface Refresher {
  readonly name: string
  readonly once: () => Promise<void>
  readonly close: () => Promise<void>
}

const noClose = async (): Promise<void> => undefined

/** Plain `fetch` sending the same POST as our default (parameters in the query string), then `json()`. */
export const plainFetch = (e: Endpoint): Refresher => {
  const client = plainClient(e)
  return {
    name: "plain fetch",
    once: async () => {
      await client.refresh()
    },
    close: noClose,
  }
}

/**
 * Our Promise client's `refresh()`: validation, write-ahead save to the memory store, events. `build`
 * names another build of core and gives its `createTokenClient` (src/sameProcess.ts).
 */
export const oursRefresh = (
  e: Endpoint,
  build?: { readonly name: string; readonly createTokenClient: Parameters<typeof tokenClient>[2] },
): Refresher => {
  const client = tokenClient(e, false, build?.createTokenClient)
  return {
    name: build?.name ?? "@tangoe-token/core (Promise)",
    once: async () => {
      await client.refresh()
    },
    close: client.close,
  }
}

/**
 * google-auth-library: `getAccessToken()` on credentials holding only a refresh token. Its
 * `refreshAccessTokenAsync` puts the OLD refresh token back into the credentials after a refresh (see
 * the README), so the rotated one is taken from its `tokens` event, as its docs advise for storage.
 */
export const googleRefresh = (e: Endpoint): Refresher => {
  const client = googleClient(e)
  let refreshToken = e.refreshToken
  client.on("tokens", (tokens) => {
    if (typeof tokens.refresh_token === "string") refreshToken = tokens.refresh_token
  })
  return {
    name: "google-auth-library",
    once: async () => {
      client.setCredentials({ refresh_token: refreshToken })
      await client.getAccessToken()
    },
    close: noClose,
  }
}

/** @badgateway/oauth2-client's `OAuth2Client#refreshToken(token)`. */
export const badgatewayRefresh = (e: Endpoint): Refresher => {
  const client = badgatewayClient(e)
  let token: OAuth2Token = { accessToken: "", refreshToken: e.refreshToken, expiresAt: 0 }
  return {
    name: "@badgateway/oauth2-client",
    once: async () => {
      token = await client.refreshToken(token)
    },
    close: noClose,
  }
}

/** simple-oauth2's `AccessToken#refresh()`. */
export const simpleOauth2Refresh = (e: Endpoint): Refresher => {
  let token = simpleOauth2Token(e)
  return {
    name: "simple-oauth2",
    once: async () => {
      token = await token.refresh({ scope: e.scope })
    },
    close: noClose,
  }
}

/** openid-client's `refreshTokenGrant` (http allowed for the loopback simulator). */
export const openidClientRefresh = (e: Endpoint): Refresher => {
  const config = new oidc.Configuration(
    { issuer: e.baseUrl, token_endpoint: e.tokenUrl },
    e.clientId,
    e.clientSecret,
  )
  oidc.allowInsecureRequests(config)
  let refreshToken = e.refreshToken
  return {
    name: "openid-client",
    once: async () => {
      const tokens = await oidc.refreshTokenGrant(config, refreshToken, { scope: e.scope })
      refreshToken = tokens.refresh_token ?? refreshToken
    },
    close: noClose,
  }
}

/** oauth4webapi's `refreshTokenGrantRequest` + `processRefreshTokenResponse`. */
export const oauth4webapiRefresh = (e: Endpoint): Refresher => {
  const as: oauth.AuthorizationServer = { issuer: e.baseUrl, token_endpoint: e.tokenUrl }
  const client: oauth.Client = { client_id: e.clientId }
  const auth = oauth.ClientSecretPost(e.clientSecret)
  let refreshToken = e.refreshToken
  return {
    name: "oauth4webapi",
    once: async () => {
      const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, {
        [oauth.allowInsecureRequests]: true,
        additionalParameters: { scope: e.scope },
      })
      const tokens = await oauth.processRefreshTokenResponse(as, client, response)
      refreshToken = tokens.refresh_token ?? refreshToken
    },
    close: noClose,
  }
}

/** Every refresher, each on its own client of the simulator; plain fetch first (the baseline). */
export const allRefreshers = (next: () => Endpoint): Refresher[] => [
  plainFetch(next()),
  oursRefresh(next()),
  googleRefresh(next()),
  badgatewayRefresh(next()),
  simpleOauth2Refresh(next()),
  openidClientRefresh(next()),
  oauth4webapiRefresh(next()),
]
