/**
 * @tangoe-token/core: keeps a valid Tangoe API access token in hand.
 *
 * @since 0.1.0
 */

export * from "./FileStore.ts"
export * from "./HttpTransport.ts"
export * from "./InvalidConfig.ts"
export * from "./MemoryStore.ts"
export * from "./RefreshError.ts"
export * from "./RefreshRequest.ts"
export * from "./RetryPolicy.ts"
export * from "./refresh.ts"
export * from "./refreshToken.ts"
export * from "./StoreError.ts"
export * from "./TokenClient.ts"
export * from "./TokenEvents.ts"
export * from "./TokenManager.ts"
export * from "./TokenManagerError.ts"
export * from "./TokenSet.ts"
export * from "./TokenStore.ts"
