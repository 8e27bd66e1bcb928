import { defineConfig } from "tsdown"

export default defineConfig({
  entry: ["src/index.ts", "src/host.ts", "src/store.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: false,
  clean: true,
  platform: "node",
  target: "node22",
})
