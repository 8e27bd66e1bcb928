import { defineConfig } from "tsdown"

export default defineConfig([
  {
    // The library: ESM + CJS + types, like packages/core.
    entry: ["src/index.ts"],
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: false,
    clean: true,
    platform: "node",
    target: "node22",
  },
  {
    // The `pingfederate-sim` bin: one self-contained ESM file; tsdown keeps the shebang and makes it executable.
    entry: ["src/cli.ts"],
    format: ["esm"],
    dts: false,
    sourcemap: false,
    clean: false,
    platform: "node",
    target: "node22",
  },
])
