/**
 * The node suite runs twice, against Node-RED 5 (`node-red`) and Node-RED 4.1 (`node-red-4`,
 * an npm alias); the real-runtime and scorecard tests run once. The shared settings (reporters,
 * timeouts) apply at the root, minus their `include`: projects would merge it into their own.
 */
import { defineConfig } from "vitest/config"
import { sharedTestConfig } from "../../vitest.shared.ts"

const { include: _sharedInclude, ...shared } = sharedTestConfig.test ?? {}
const helperSuite = ["test/nodes.test.ts", "test/redis.test.ts", "test/api.test.ts"]

export default defineConfig({
  test: {
    ...shared,
    // Bounds for a hang: real Node-RED runtimes took over a minute to answer with two CI runs on
    // two cores (load 30).
    testTimeout: 300_000,
    hookTimeout: 600_000,
    projects: [
      {
        extends: true,
        test: { name: "node-red-5", include: helperSuite, env: { NODE_RED_PACKAGE: "node-red" } },
      },
      {
        extends: true,
        test: { name: "node-red-4", include: helperSuite, env: { NODE_RED_PACKAGE: "node-red-4" } },
      },
      {
        extends: true,
        test: { name: "package", include: ["test/**/*.test.ts", "src/**/*.test.ts"], exclude: helperSuite },
      },
    ],
  },
})
