/**
 * Test settings every package shares: the default console reporter plus a JSON report in
 * `.vitest/results.json`, which `scripts/test-summary.mjs` adds up into the CI's closing line.
 */
import { defineConfig } from "vitest/config"

export const sharedTestConfig = defineConfig({
  test: {
    reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
