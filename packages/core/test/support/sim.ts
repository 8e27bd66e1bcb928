/** Helpers for tests against the real simulator over HTTP. */

import { type SeededClient, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { afterAll, beforeAll, beforeEach } from "vitest"
import { isRefreshError, type RefreshErrorReason } from "../../src/RefreshError.ts"
import type { RefreshRequest } from "../../src/RefreshRequest.ts"
import type { TokenSet } from "../../src/TokenSet.ts"

/**
 * One simulator (environment "qa") for the whole test file: started before the first test, closed
 * after the last, and before every test its fault queue, stats and policy are reset to what it
 * starts with, so no test leaks into the next. `use` receives it once started.
 */
export const useSharedSimulator = (use: (sim: Simulator) => void): void => {
  let sim: Simulator | undefined
  beforeAll(async () => {
    sim = await startSimulator({ environment: "qa" })
    use(sim)
  })
  afterAll(async () => {
    await sim?.close()
  })
  beforeEach(() => {
    sim?.clearFaults()
    sim?.resetStats()
    sim?.configure({
      accessTokenLifetime: 7200,
      gracePeriod: 0,
      rollingInterval: 0,
      omitRefreshToken: false,
      reuseDetection: false,
    })
  })
}

export const requestFor = (
  sim: Simulator,
  client: SeededClient,
  overrides: Partial<RefreshRequest> = {},
): RefreshRequest => ({
  environment: { tokenUrl: sim.tokenUrl },
  clientId: client.clientId,
  clientSecret: client.clientSecret,
  refreshToken: client.refreshToken,
  scope: client.scope,
  timeout: "5 seconds",
  ...overrides,
})

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
