/**
 * Contenders that keep an access token cached: each library's own way of answering "give me a valid
 * access token", wired as its documentation suggests. Every `run(n)` is its own loop literal on
 * purpose: a shared loop would make one call site polymorphic and blur the comparison.
 */
import { OAuth2Fetch } from "@badgateway/oauth2-client"
import { layerMemoryStore, TokenManager } from "@tangoe-token/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import type { Endpoint } from "../endpoint.ts"
import { badgatewayClient, googleClient, plainClient, simpleOauth2Token, tokenClient } from "./clients.ts"

/** A library holding a cached access token. */
export interface CachedContender {
  readonly name: string
  /** The library's "valid access token, please". */
  readonly get: () => Promise<string>
  /** `n` sequential `get`s. */
  readonly run: (n: number) => Promise<void>
  readonly close: () => Promise<void>
}

/** Names of the cached contenders, in table order. */
export const CACHED = [
  "naive async cache",
  "@tangoe-token/core (Promise)",
  "@tangoe-token/core (Effect)",
  "google-auth-library",
  "@badgateway/oauth2-client",
  "simple-oauth2 (async wrapper)",
] as const

/** The hand-written `if (tok && now < exp) return tok` cache (src/fixtures/plain-fetch-client.cjs). */
export const naiveCache = (e: Endpoint): CachedContender => {
  const client = plainClient(e)
  return {
    name: CACHED[0],
    get: client.getAccessToken,
    run: async (n) => {
      for (let i = 0; i < n; i++) await client.getAccessToken()
    },
    close: async () => undefined,
  }
}

/** `createTokenClient` with its defaults (memory store, rotation-safe retry). */
export const oursPromise = (e: Endpoint, keepWarm = false): CachedContender => {
  const client = tokenClient(e, keepWarm)
  return {
    name: CACHED[1],
    get: client.getAccessToken,
    run: async (n) => {
      for (let i = 0; i < n; i++) await client.getAccessToken()
    },
    close: client.close,
  }
}

/**
 * The Effect API: a `TokenManager` from its layer. `get` enters the runtime once per call (what a
 * Promise caller would pay); `run(n)` does n `yield* manager.get` inside one fiber (what an Effect
 * program pays).
 */
export const oursEffect = async (e: Endpoint): Promise<CachedContender> => {
  const layer = TokenManager.layer({
    request: {
      environment: { tokenUrl: e.tokenUrl },
      clientId: e.clientId,
      clientSecret: e.clientSecret,
      scope: e.scope,
    },
    refreshToken: e.refreshToken,
  }).pipe(Layer.provide(layerMemoryStore()))
  const scope = Scope.makeUnsafe()
  const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const manager = Context.get(context, TokenManager)
  const getOne = Effect.map(manager.get, (token) => Redacted.value(token.token))
  return {
    name: CACHED[2],
    get: () => Effect.runPromise(getOne),
    run: (n) =>
      Effect.runPromise(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* manager.get
        }),
      ),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}

/**
 * google-auth-library's `OAuth2Client` pointed at the simulator (`endpoints.oauth2TokenUrl`), with a
 * refresh token as credentials. It sends the refresh in a form body without scope.
 */
export const google = (e: Endpoint): CachedContender => {
  const client = googleClient(e)
  client.setCredentials({ refresh_token: e.refreshToken })
  const get = async (): Promise<string> => (await client.getAccessToken()).token ?? ""
  return {
    name: CACHED[3],
    get,
    run: async (n) => {
      for (let i = 0; i < n; i++) await client.getAccessToken()
    },
    close: async () => undefined,
  }
}

/** @badgateway/oauth2-client's `OAuth2Fetch` (its token cache), without its refresh timer. */
export const badgateway = (e: Endpoint): CachedContender => {
  const cache = new OAuth2Fetch({
    client: badgatewayClient(e),
    getNewToken: () => null,
    getStoredToken: () => ({ accessToken: "", refreshToken: e.refreshToken, expiresAt: 0 }),
    scheduleRefresh: false,
  })
  return {
    name: CACHED[4],
    get: () => cache.getAccessToken(),
    run: async (n) => {
      for (let i = 0; i < n; i++) await cache.getAccessToken()
    },
    close: async () => undefined,
  }
}

/** simple-oauth2 has no cache: the wrapper its README implies (`if (token.expired()) refresh`). */
export const simpleOauth2 = (e: Endpoint): CachedContender => {
  let token = simpleOauth2Token(e)
  const get = async (): Promise<string> => {
    if (token.expired()) token = await token.refresh({ scope: e.scope })
    return token.token.access_token as string
  }
  return {
    name: CACHED[5],
    get,
    run: async (n) => {
      for (let i = 0; i < n; i++) await get()
    },
    close: async () => undefined,
  }
}

/** Every cached contender, each on its own client of the simulator. */
export const allCached = async (next: () => Endpoint): Promise<CachedContender[]> => [
  naiveCache(next()),
  oursPromise(next()),
  await oursEffect(next()),
  google(next()),
  badgateway(next()),
  simpleOauth2(next()),
]
