import { defineConfig } from "tsdown"

/**
 * One executable ESM entry (`dist/cli.mjs`) with @tangoe-token/core and effect bundled in (they are
 * devDependencies: the published package has no runtime dependency). The full command-line parser
 * is split into a chunk loaded only when needed, so `tangoe-token token` starts fast.
 */
export default defineConfig({
  entry: { cli: "src/cli.ts" },
  format: "esm",
  dts: false,
  sourcemap: false,
  clean: true,
  minify: true,
  platform: "node",
  target: "node22",
  deps: { alwaysBundle: [/.*/] },
})
