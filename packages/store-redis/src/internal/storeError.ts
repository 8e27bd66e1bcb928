/**
 * Core's `StoreError` for one Redis store: `kind: "redis"` makes its message speak of Redis rather
 * than files. It never carries a `cause`: library errors are reduced to a short code
 * (`ECONNREFUSED`, `WRONGPASS`, `command timed out`), so no URL or password can leak through them.
 *
 * @internal
 */
import { StoreError, type StoreErrorReason, type StoreOperation } from "@tangoe-token/core"

/** The `detail` of a save refused because this process no longer holds the refresh lock. */
export const LEASE_LOST = "lease lost"

/** The fields of a store error for one store location. */
export interface StoreErrorFields {
  readonly operation: StoreOperation
  readonly reason: StoreErrorReason
  readonly detail?: string | undefined
  readonly holder?: StoreError["holder"]
}

/** Builds store errors for `location` (the URL without password and the key). */
export const storeErrors =
  (location: string) =>
  (fields: StoreErrorFields): StoreError =>
    new StoreError({ ...fields, location, kind: "redis" })
