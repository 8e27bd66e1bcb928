/**
 * The shared test settings, with this package's tests as `.test.mts` files: the n8n lint (whose
 * config may not be changed in strict mode) checks every `.ts` file against n8n Cloud's runtime rules,
 * which tests that start processes and servers cannot follow.
 */
import { mergeConfig } from "vitest/config"
import { sharedTestConfig } from "../../vitest.shared.ts"

export default mergeConfig(sharedTestConfig, {
  test: {
    include: ["test/**/*.test.mts"],
    globalSetup: ["test/globalSetup.mts"],
  },
})
