import { mergeConfig } from "vitest/config"
import { sharedTestConfig } from "../../vitest.shared.ts"

/** One long end-to-end file: its setup publishes twice and installs from a local registry. */
export default mergeConfig(sharedTestConfig, {
  test: { testTimeout: 600_000, hookTimeout: 900_000, fileParallelism: false },
})
