/** Small helpers to run store effects in promise-based tests. */

import type { StoredToken, StoredTokenInput, StoreError } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"

export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)

/** The typed failure of `effect` (throws if it succeeded or died). */
export const failure = async <A, E>(effect: Effect.Effect<A, E>): Promise<E> => {
  const exit = await Effect.runPromise(Effect.exit(effect))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a success")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return reason.error
}

/** The typed failure of `effect` as a `StoreError`, and how long it took to come, in ms. */
export const timedStoreFailure = async <A, E>(effect: Effect.Effect<A, E>): Promise<[StoreError, number]> => {
  const started = Date.now()
  const error = (await failure(effect)) as StoreError
  return [error, Date.now() - started]
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A token record to save, with recognisable secret values. */
export const tokenInput = (name: string, extra: Partial<StoredTokenInput> = {}): StoredTokenInput => ({
  refreshToken: Redacted.make(`rt-${name}-${"x".repeat(24)}`),
  accessToken: Redacted.make(`at-${name}-${"y".repeat(24)}`),
  tokenType: "Bearer",
  expiresAt: 1_900_000_000_000,
  issuedAt: 1_899_999_000_000,
  scope: "MOBPROC",
  origin: "sha256:origin-fingerprint",
  ...extra,
})

/** The stored record, failing the test when the store is empty. */
export const loaded = async (store: {
  readonly load: Effect.Effect<StoredToken | undefined, unknown>
}): Promise<StoredToken> => defined(await run(store.load), "a stored token")

/** `value`, failing the test when it is undefined or null. */
export const defined = <A>(value: A | undefined | null, what = "a value"): A => {
  if (value === undefined || value === null) throw new Error(`expected ${what}, got ${String(value)}`)
  return value
}
