/** Builds the package once before the tests (they load and pack `dist`). */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { PACKAGE_DIR } from "./support/n8n.mts"

export default async function setup(): Promise<void> {
  await promisify(execFile)("pnpm", ["exec", "tsdown", "--log-level", "warn"], {
    cwd: PACKAGE_DIR,
    timeout: 120_000,
  })
}
