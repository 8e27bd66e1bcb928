/**
 * The set-up the suites that run the nodes in node-red-node-test-helper share: the hooks that give a
 * file one simulator and each test a fresh user dir.
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { useFileResource } from "@tangoe-token/test-support/fileResource"
import { afterAll, afterEach, beforeEach } from "vitest"
import { helper, removeFlatRuntime } from "./nodeRed.ts"

/** What {@link useHelperRuntime} hands the test file. */
export interface HelperRuntimeUse {
  /** The file's simulator (access tokens live 7200 s), once started. */
  readonly simulator: (sim: Simulator) => void
  /** Each test's user dir (the runtime's `userDir`), before the test runs. */
  readonly userDir?: ((dir: string) => void) | undefined
}

/**
 * One simulator for the whole test file: started before the first test, closed (and the helper's
 * flat runtime view removed) after the last. Before each test: a fresh user dir named
 * `<userDirPrefix>…` in the temp folder, the runtime's settings (that user dir, a credential
 * secret), the simulator's stats reset; after each: the flows unloaded and the user dir removed.
 */
export const useHelperRuntime = (userDirPrefix: string, use: HelperRuntimeUse): void => {
  let sim: Simulator | undefined
  let userDir: string | undefined
  useFileResource(
    () => startSimulator({ accessTokenLifetime: 7200 }),
    (started) => {
      sim = started
      use.simulator(started)
    },
  )
  afterAll(removeFlatRuntime)
  beforeEach(async () => {
    userDir = await mkdtemp(join(tmpdir(), userDirPrefix))
    helper.settings({ userDir, credentialSecret: "test credential secret" })
    sim?.resetStats()
    use.userDir?.(userDir)
  })
  afterEach(async () => {
    await helper.unload()
    if (userDir !== undefined) await rm(userDir, { recursive: true, force: true })
  })
}
