import { defineConfig } from "tsdown"

/**
 * One CommonJS file per Node-RED node set, with @tangoe-token/core and effect bundled in (they
 * are devDependencies, so rolldown inlines and tree-shakes them): the package ships with no
 * runtime dependency. The editor files (.html, locales, icons) are copied next to the .js, where
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
  copy: [
    { from: "src/tangoe.html" },
    { from: "src/locales/en-US/*", to: "dist/locales/en-US" },
    { from: "src/icons/*", to: "dist/icons" },
  ],
})
