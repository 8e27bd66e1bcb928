/** Reading the exit of a refresh in tests: its token set, its typed failure, its `RefreshError` reason. */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { isRefreshError, type RefreshErrorReason } from "../../src/RefreshError.ts"
import type { TokenSet } from "../../src/TokenSet.ts"

export const exitOf = <E>(effect: Effect.Effect<TokenSet, E>): Promise<Exit.Exit<TokenSet, E>> =>
  Effect.runPromise(Effect.exit(effect))

export const failureOf = <E>(exit: Exit.Exit<TokenSet, E>): E => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a token set")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return reason.error
}

/** The reason of the `RefreshError` an exit failed with (it throws if it failed with anything else). */
export const reasonOf = <E>(exit: Exit.Exit<TokenSet, E>): RefreshErrorReason => {
  const error = failureOf(exit)
  if (!isRefreshError(error)) throw new Error(`expected a RefreshError, got ${String(error)}`)
  // The error's message, classification and retry delay are its reason's.
  if (error.message !== error.reason.message || error.retryable !== error.reason.retryable) {
    throw new Error("a RefreshError that does not speak for its reason")
  }
  return error.reason
}

export const successOf = <E>(exit: Exit.Exit<TokenSet, E>): TokenSet => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${String(exit.cause)}`)
  return exit.value
}
