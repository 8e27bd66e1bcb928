/**
 * @tangoe-token/core: keeps a valid Tangoe API access token in hand, and never loses the rotated
 * refresh token. Every public name is listed here, by what a user does with it:
 *
 * - keep a token: `createTokenClient` (Promise) or `TokenManager` (Effect), with a store;
 * - one refresh, no state: `refreshTokenSet` (Promise), `refresh` / `refreshWithRetry` (Effect);
 * - handle failures: `RefreshError` (its `reason` says what happened), `InvalidConfig`,
 *   `StoreError`, `TokenManagerError`;
 * - call Tangoe's APIs: `createTangoeApi` (Promise) or `TangoeApi` (Effect), `TangoeApiError`,
 *   `validateToken`.
 *
 * People who write a token store import from `@tangoe-token/core/store`; hosts that keep the
 * refresh token themselves (n8n's credential) from `@tangoe-token/core/host`.
 *
 * @since 0.1.0
 */

// Where the rotating refresh token lives.
export { type FileStoreOptions, fileStore, layerFileStore } from "./FileStore.ts"
// The HTTP exchange, replaceable (tests, proxies, another client).
export {
  fetchTransport,
  fromPromise,
  HttpTransport,
  HttpTransportFailure,
  type HttpTransportRequest,
  type HttpTransportResponse,
  nodeHttpTransport,
} from "./HttpTransport.ts"
// Errors.
export { InvalidConfig } from "./InvalidConfig.ts"
export { layerMemoryStore, memoryStore } from "./MemoryStore.ts"
// The first grant (and a healed chain) from a Tangoe service account.
export {
  type PasswordGrantRequest,
  passwordGrant,
  passwordGrantTokenSet,
  type ResolvedPasswordGrantRequest,
  type ResolvedServiceAccount,
  resolvePasswordGrantRequest,
  resolveServiceAccount,
  type ServiceAccount,
} from "./PasswordGrant.ts"
export {
  type GrantType,
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  isRefreshError,
  type MalformedKind,
  MalformedResponse,
  type OAuthErrorFields,
  RateLimited,
  REFRESH_ERROR_REASON_TAGS,
  RefreshError,
  type RefreshErrorReason,
  ServerError,
  ServiceAccountRejected,
  Timeout,
  Transport,
  UnauthorizedClient,
  UnsupportedGrantType,
} from "./RefreshError.ts"
export {
  type ClientAuth,
  DEFAULT_TIMEOUT,
  type Environment,
  MAX_TIMEOUT,
  MIN_TIMEOUT,
  type Placement,
  type RefreshRequest,
  type ResolvedRefreshRequest,
  resolveRefreshRequest,
  type Secret,
  TOKEN_URLS,
} from "./RefreshRequest.ts"
export {
  DEFAULT_RETRY,
  makeRetrySchedule,
  type RetryOptions,
  type RetryScheduleOptions,
  refreshWithRetry,
} from "./RetryPolicy.ts"
// One refresh, no state.
export { refresh } from "./refresh.ts"
export { type RefreshTokenSetOptions, refreshTokenSet } from "./refreshTokenSet.ts"
export {
  type LockHolder,
  StoreConflict,
  StoreError,
  type StoreErrorReason,
  type StoreKind,
  type StoreOperation,
} from "./StoreError.ts"
// Call Tangoe's APIs over the kept token: headers, 401/403 replay, error bodies, pages, validation.
export {
  createTangoeApi,
  DEFAULT_REJECTION_STATUSES,
  TangoeApi,
  type TangoeApiClient,
  type TangoeApiClientOptions,
  type TangoeApiSettings,
  type TangoeApiShape,
  type TangoePage,
  type TangoePageMeta,
  type TangoePageOptions,
} from "./TangoeApi.ts"
export {
  type ApiCallFields,
  type ApiResponseFields,
  ApiServerError,
  ApiTransport,
  BadRequest,
  Forbidden,
  ForeignHost,
  isTangoeApiError,
  MalformedApiResponse,
  NotFound,
  TangoeApiError,
  type TangoeApiErrorReason,
  type TangoeErrorBody,
  TenantUnknown,
  TokenNotValid,
  TokenRejected,
  TooManyPages,
  UnexpectedStatus,
  ValidationFailed,
  type ValidationFields,
  ValidationNotPermitted,
} from "./TangoeApiError.ts"
export {
  API_BASE_URL_SOURCES,
  API_BASE_URLS,
  TANGOE_HEADERS,
  VALIDATE_BEARER_GRANT,
} from "./TangoeApiUrls.ts"
// Keep a token: the Promise client and the Effect service.
export {
  createTokenClient,
  type TokenClient,
  type TokenClientOptions,
  type TokenInfo,
} from "./TokenClient.ts"
export type {
  AdoptedFromStoreEvent,
  ChainReestablishedEvent,
  RefreshedEvent,
  RefreshFailedEvent,
  RefreshTokenDeadEvent,
  RetryScheduledEvent,
  RotationSavedEvent,
  SaveFailedEvent,
  StoreRolledBackEvent,
  TokenEvent,
  TokenEventListener,
  TokenEventOf,
  TokenEventType,
} from "./TokenEvents.ts"
export {
  type AccessToken,
  DEFAULT_REFRESH_AHEAD,
  TokenManager,
  type TokenManagerOptions,
  type TokenManagerShape,
  type TokenStatus,
} from "./TokenManager.ts"
export {
  NotProvisioned,
  RefreshTokenDead,
  TokenManagerClosed,
  type TokenManagerError,
} from "./TokenManagerError.ts"
export type { TokenSet } from "./TokenSet.ts"
export { type StoredToken, type StoredTokenInput, TokenStore, type TokenStoreShape } from "./TokenStore.ts"
export { type TokenIdentity, validateToken } from "./TokenValidation.ts"
