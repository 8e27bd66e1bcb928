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
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // A browser on a machine running two CI runs answers in seconds, not the default 1 s of a poll.
    expect: { poll: { timeout: 30_000 } },
  },
})
