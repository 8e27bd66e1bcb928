/** Helpers for tests against the real simulator over HTTP. */

import { type SeededClient, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { useFileResource } from "@tangoe-token/test-support/fileResource"
import { beforeEach } from "vitest"
import type { RefreshRequest } from "../../../core/src/RefreshRequest.ts"

/**
 * One simulator (environment "qa") for the whole test file: started before the first test, closed
 * after the last, and before every test its fault queue, stats and policy are reset to what it
 * starts with, so no test leaks into the next. `use` receives it once started.
 */
export const useSharedSimulator = (use: (sim: Simulator) => void): void => {
  let sim: Simulator | undefined
  useFileResource(
    () => startSimulator({ environment: "qa" }),
    (started) => {
      sim = started
      use(started)
    },
  )
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

/**
 * Resolves once the simulator has taken every queued fault (a `delay` fault is taken when its
 * request arrives, so the request is then in flight): a barrier, not a pause.
 */
export const faultsTaken = async (sim: Simulator): Promise<void> => {
  while (sim.pendingFaults().length > 0) await new Promise((resolve) => setTimeout(resolve, 5))
}
