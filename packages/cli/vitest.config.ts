import { mergeConfig } from "vitest/config"
import { sharedTestConfig } from "../../vitest.shared.ts"

/** The shared settings, plus a global setup that rebuilds dist/cli.mjs when it is older than its sources. */
export default mergeConfig(sharedTestConfig, {
  test: { globalSetup: ["test/support/buildIfStale.ts"] },
})
