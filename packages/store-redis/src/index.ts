/**
 * @tangoe-token/store-redis: a shared Redis `TokenStore` for @tangoe-token/core, so that many
 * processes and hosts share one rotating Tangoe refresh token without racing each other.
 *
 * @since 0.1.0
 */
export * from "./RedisStore.ts"
export * from "./RedisStoreConfigError.ts"
