/**
 * @tangoe-token/core/store: for people who write a `TokenStore` (the Redis store, an adapter's
 * own store). Users of the token client and manager need only the main entry.
 *
 * - The store codec: token-file text for a record (plain or encrypted), the next record of a
 *   save, the validation of a save's input.
 * - Helpers: atomic file write, refresh-token fingerprints, errno codes, a wall-clock sleep.
 * - The rules of the options every store shares (lock lease and wait, timer delays, encryption key).
 *
 * @since 0.2.0
 */

export * from "./StoreCodec.ts"
export * from "./StoreHelpers.ts"
export * from "./StoreOptions.ts"
