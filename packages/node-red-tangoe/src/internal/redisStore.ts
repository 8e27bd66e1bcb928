/**
 * The shared token store of a `tangoe-credentials` node whose optional Redis URL is set: the Redis
 * store of @tangoe-token/store-redis (bundled, with its Redis client, into a chunk of dist/), in
 * place of the side file store. Several Node-RED runtimes deployed with the same credentials then share
 * one refresh token: core's token manager refreshes under the store's Redis lock and the others
 * adopt the result, so a rotation by one runtime never kills the token of another.
 *
 * Values are encrypted at rest (AES-256-GCM) with a key derived (HKDF-SHA256) from the client id
 * and secret, which every runtime sharing the client has and Redis does not.
 *
 * Loaded lazily (a chunk of the bundle): only nodes with a Redis URL pay for the Redis client.
 *
 * @internal
 */
import { hkdfSync } from "node:crypto"
import { RedisStoreConfigError, type RedisTokenStore, redisStore } from "@tangoe-token/store-redis"
import * as Redacted from "effect/Redacted"
import type { ResolvedClientOptions } from "./clientOptions.ts"
import type { TokenProblem } from "./problem.ts"

/** The AES key of the Redis values of one client, derived from its id and secret. */
export const redisStoreKey = (clientId: string, clientSecret: string): Uint8Array =>
  new Uint8Array(
    hkdfSync("sha256", clientSecret, "@tangoe-token/node-red-tangoe", `redis-store-key/v1:${clientId}`, 32),
  )

/**
 * Opens (connects in the background) the Redis store of a client, or returns the `NotConfigured`
 * problem naming `redisUrl` when store-redis refuses the URL (its message never quotes it).
 */
export const openRedisStore = (
  url: string,
  options: Pick<ResolvedClientOptions, "environment" | "clientId" | "clientSecret">,
): RedisTokenStore | TokenProblem => {
  try {
    return redisStore({
      url: Redacted.make(url),
      environment: options.environment,
      clientId: options.clientId,
      encryptionKey: Redacted.make(redisStoreKey(options.clientId, options.clientSecret)),
    })
  } catch (cause) {
    const expected = cause instanceof RedisStoreConfigError ? cause.expected : "a usable Redis URL"
    return {
      _tag: "NotConfigured",
      field: "redisUrl",
      message: `The Tangoe credentials are incomplete: the Redis URL is not usable (expected ${expected}): fix it in the credentials node, or clear it to use the local side store.`,
    }
  }
}
