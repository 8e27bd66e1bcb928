/** Helpers for tests against the real simulator over HTTP. */

import type { SeededClient, Simulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { RefreshError } from "../../src/RefreshError.ts"
import type { RefreshRequest } from "../../src/RefreshRequest.ts"
import type { TokenSet } from "../../src/TokenSet.ts"

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

export const failureOf = (exit: Exit.Exit<TokenSet, RefreshError>): RefreshError => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure, got a token set")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error(`expected a typed failure, got ${String(exit.cause)}`)
  return reason.error
}

export const successOf = (exit: Exit.Exit<TokenSet, RefreshError>): TokenSet => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${String(exit.cause)}`)
  return exit.value
}
