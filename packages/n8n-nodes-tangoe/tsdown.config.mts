/**
 * Two self-contained CommonJS files, as n8n loads them (`require(file)[ClassName]`): the credential
 * (with core and the parts of effect it uses bundled in) and the node. Only `n8n-workflow` (a peer)
 * and Node built-ins stay imports. Minified: minification is also what removes effect's dead code.
 * The `@__PURE__` annotations have done their work once bundled: nothing bundles these files again,
 * so they are not written out (about 3.4 kB of the credential).
 */
import { defineConfig, type UserConfig } from "tsdown"

const shared = {
  format: "cjs",
  platform: "node",
  target: "node22",
  outDir: "dist",
  clean: false,
  dts: false,
  sourcemap: false,
  minify: true,
  fixedExtension: false,
  outputOptions: { comments: { annotation: false } },
  // Core's refresh-attempt span and debug log are dead code here: effect is bundled privately, so no
  // user can give it a tracer or a logger (core: internal/refreshAttempt.ts). About 11 kB.
  define: { __TANGOE_TOKEN_OBSERVABLE__: "false" },
  outExtensions: () => ({ js: ".js" }),
  deps: {
    neverBundle: ["n8n-workflow"],
    onlyImport: ["n8n-workflow"],
  },
} satisfies UserConfig

export default defineConfig([
  {
    ...shared,
    entry: { "credentials/TangoeApi.credentials": "credentials/TangoeApi.credentials.ts" },
    clean: true,
    deps: { ...shared.deps, alwaysBundle: ["@tangoe-token/core", "effect"], onlyBundle: ["effect"] },
    copy: [{ from: "icons/*.svg", to: "dist/icons" }],
  },
  {
    ...shared,
    entry: { "nodes/Tangoe/Tangoe.node": "nodes/Tangoe/Tangoe.node.ts" },
    deps: { ...shared.deps, alwaysBundle: ["@tangoe-token/core"], onlyBundle: [] },
    copy: [{ from: "nodes/Tangoe/Tangoe.node.json", to: "dist/nodes/Tangoe" }],
  },
])
