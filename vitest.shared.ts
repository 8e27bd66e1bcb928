/**
 * Test settings every package shares: the default console reporter plus a JSON report in
 * `.vitest/results.json`, which `scripts/test-summary.mjs` adds up into the CI's closing line.
 */
import { defineConfig } from "vitest/config"

export const sharedTestConfig = defineConfig({
  test: {
    reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Bounds for a hang, not speed claims: a test that runs a few CLI processes took over 30 s on a
    // 2-core machine running two CI runs at once (load 18).
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
