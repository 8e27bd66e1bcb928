import { defineConfig } from "tsdown"

/**
 * One executable ESM entry (`dist/cli.mjs`) with @tangoe-token/core and effect bundled in (they are
 * devDependencies: the published package has no runtime dependency). The full command-line parser
 * is split into a chunk loaded only when needed, so `tangoe-token token` starts fast; so is the
 * Redis store (@tangoe-token/store-redis and @redis/client), loaded only for a `redis://` store.
 * Core and effect sit in one shared chunk (`core-*.mjs`), so there is one copy of each: store-redis
 * has core as a peer and imports the same module.
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
  // rolldown would name the shared chunks after their packages' entry files ("dist", or "store"
  // for core's `@tangoe-token/core/store` entry, which store-redis and the settings file import).
  outputOptions: {
    chunkFileNames: (chunk) =>
      `${chunk.moduleIds.some((id) => id.includes("@redis")) ? "redis-store" : chunk.name === "dist" || chunk.name === "store" ? "core" : "[name]"}-[hash].mjs`,
  },
})
