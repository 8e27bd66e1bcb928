/**
 * Each library's client pointed at one simulator client, built the same way for every scenario that
 * uses it (cached contenders and refreshers alike).
 */
import { createRequire } from "node:module"
import { OAuth2Client as BadgatewayClient } from "@badgateway/oauth2-client"
import { createTokenClient, type TokenClient } from "@tangoe-token/core"
import { OAuth2Client as GoogleClient } from "google-auth-library"
import { AuthorizationCode } from "simple-oauth2"
import type { Endpoint } from "../endpoint.ts"
import type { createPlainClient as CreatePlainClient, PlainClient } from "../fixtures/plain-fetch-client.cjs"

const require = createRequire(import.meta.url)
const { createPlainClient } = require("../fixtures/plain-fetch-client.cjs") as {
  createPlainClient: typeof CreatePlainClient
}

/** The 20-line plain-fetch client (src/fixtures/plain-fetch-client.cjs): query-string POST like ours. */
export const plainClient = (e: Endpoint): PlainClient => createPlainClient(e)

/**
 * `createTokenClient` with its defaults (memory store, rotation-safe retry); `create` is another build's
 * `createTokenClient` (src/sameProcess.ts compares two).
 */
export const tokenClient = (e: Endpoint, keepWarm = false, create = createTokenClient): TokenClient =>
  create({
    environment: { tokenUrl: e.tokenUrl },
    clientId: e.clientId,
    clientSecret: e.clientSecret,
    scope: e.scope,
    refreshToken: e.refreshToken,
    keepWarm,
  })

/** google-auth-library's `OAuth2Client`, its token URL set with `endpoints.oauth2TokenUrl`. */
export const googleClient = (e: Endpoint): GoogleClient =>
  new GoogleClient({
    clientId: e.clientId,
    clientSecret: e.clientSecret,
    endpoints: { oauth2TokenUrl: e.tokenUrl },
  })

/** @badgateway/oauth2-client's `OAuth2Client` with `client_secret_post`. */
export const badgatewayClient = (e: Endpoint): BadgatewayClient =>
  new BadgatewayClient({
    server: e.baseUrl,
    tokenEndpoint: e.tokenPath,
    clientId: e.clientId,
    clientSecret: e.clientSecret,
    authenticationMethod: "client_secret_post",
  })

/** simple-oauth2's `AuthorizationCode` client and an expired token holding the refresh token. */
export const simpleOauth2Token = (e: Endpoint) =>
  new AuthorizationCode({
    client: { id: e.clientId, secret: e.clientSecret },
    auth: { tokenHost: e.baseUrl, tokenPath: e.tokenPath },
    options: { authorizationMethod: "body" },
  }).createToken({ access_token: "", refresh_token: e.refreshToken, expires_at: new Date(0) })
