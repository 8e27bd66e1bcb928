import { defineConfig } from "tsdown"

/**
 * One CommonJS entry per Node-RED node set, with @tangoe-token/core and effect bundled in (they
 * are devDependencies, so rolldown inlines and tree-shakes them): the package ships with no
 * runtime dependency. @tangoe-token/store-redis and its Redis client (@redis/client) are bundled
 * too, into a chunk that only a config node with a Redis URL loads (a dynamic import); core and
 * effect sit in a chunk shared by both, so there is one copy of each. The editor files (.html, locales, icons) are copied next to the .js, where
 * Node-RED looks for them.
 */
export default defineConfig({
  entry: { tangoe: "src/tangoe.ts" },
  format: "cjs",
  outExtensions: () => ({ js: ".js" }),
  dts: false,
  sourcemap: false,
  clean: true,
  minify: true,
  platform: "node",
  target: "node22",
  // rolldown would name the shared chunk "dist" (after core's entry file).
  outputOptions: {
    chunkFileNames: (chunk) => `${chunk.name === "dist" ? "core" : "[name]"}-[hash].js`,
  },
  copy: [
    { from: "src/tangoe.html" },
    { from: "src/locales/en-US/*", to: "dist/locales/en-US" },
    { from: "src/icons/*", to: "dist/icons" },
  ],
})
