/**
 * The playground's suites start real processes (Node-RED, Chromium) on a 2-core machine: one
 * file at a time, with timeouts that allow a slow start.
 */
import { defineConfig } from "vitest/config"
import { sharedTestConfig } from "../../vitest.shared.ts"

export default defineConfig({
  test: {
    ...sharedTestConfig.test,
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
})
