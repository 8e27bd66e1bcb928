/**
 * Write-ahead when the store cannot be written: a real file store in a real worker process whose
 * writes are made to fail AFTER it rotated the token at the server.
 *
 * How the write is made to fail, as root: the worker's soft RLIMIT_FSIZE is lowered with
 * `prlimit` below the size of a token file but above the size of a lock file. The refresh lock
 * still works, the server rotates the token, and the save of the rotated token fails with EFBIG
 * (root is not exempt from RLIMIT_FSIZE, and Node ignores SIGXFSZ). Raising the soft limit back
 * "fixes the store".
 *
 * It proves: a loud error (`get` rejects with the StoreError, a `saveFailed` event, status
 * `unsavedRotation`), the new refresh token kept in memory, and no fallback: the simulator sees the
 * NEW refresh token used next, never the old one again.
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { fileStore } from "../../core/src/FileStore.ts"
import { ask, startWorker, type Worker, workerConfig, workerSource } from "./fixtures/manager-harness.ts"

let sim: Simulator
let worker: Worker | undefined
const root = mkdtempSync(join(tmpdir(), "manager-unwritable-"))
const short = (secret: string) => createHash("sha256").update(secret).digest("hex").slice(0, 16)

beforeAll(async () => {
  sim = await startSimulator({ gracePeriod: 0 })
})
afterAll(async () => {
  await worker?.kill9()
  await sim?.close()
  rmSync(root, { recursive: true, force: true })
})

const storedToken = async (path: string) => {
  const stored = await Effect.runPromise(Effect.flatMap(fileStore(path), (s) => s.load))
  if (stored === undefined) throw new Error("empty store")
  return Redacted.value(stored.refreshToken)
}

describe.skipIf(process.platform !== "linux")("token manager: a store that refuses the rotated token", () => {
  it("fails loudly, keeps the new refresh token in memory, and never uses the old one again", async () => {
    const client = sim.addClient()
    const storePath = join(root, "token.json")
    const w = startWorker(workerSource, "repl", workerConfig(sim, client, storePath))
    worker = w
    const pid = String(w.child.pid)

    // 1. A first token, saved normally.
    assert.strictEqual((await ask(w, "get")).ok, true)
    const rt1 = await storedToken(storePath)
    assert.isTrue(sim.isLive(rt1))
    assert.strictEqual(sim.stats().tokenRequests, 1)

    // 2. The store stops accepting token files (a lock file still fits).
    const limit = Math.min(statSync(storePath).size - 1, 260)
    execFileSync("prlimit", ["--pid", pid, `--fsize=${limit}:`])
    const failed = await ask(w, "refresh")
    assert.strictEqual(failed.ok, false)
    assert.strictEqual(failed.tag, "StoreError")
    assert.include(String(failed.message), "cannot write token store")
    assert.include(String(failed.message), "EFBIG")
    // The server rotated: the old token is dead, the new one lives only in the worker's memory.
    assert.strictEqual(sim.stats().tokenRequests, 2)
    assert.isFalse(sim.isLive(rt1))
    assert.strictEqual(await storedToken(storePath), rt1)
    const live = sim.liveRefreshTokens(client.clientId)
    assert.strictEqual(live.length, 1)
    const rt2 = live[0] as string
    const status = (await ask(w, "status")).status as Record<string, unknown>
    assert.strictEqual(status.unsavedRotation, true)
    assert.strictEqual(status.state, "error")
    assert.strictEqual((status.lastError as { _tag: string })._tag, "StoreError")
    const events = (await ask(w, "events")).events as Array<{ type: string; attempts?: number }>
    const saveFailed = events.filter((e) => e.type === "saveFailed")
    assert.strictEqual(saveFailed.length, 1)
    assert.strictEqual(saveFailed[0]?.attempts, 4) // the first try and 3 retries

    // 3. Still broken: `get` fails loudly again, retrying the save, and sends nothing.
    const again = await ask(w, "get")
    assert.strictEqual(again.tag, "StoreError")
    assert.strictEqual(sim.stats().tokenRequests, 2)

    // 4. The store is fixed: the next `get` saves the rotated token and serves its access token.
    execFileSync("prlimit", ["--pid", pid, "--fsize=unlimited:"])
    assert.strictEqual((await ask(w, "get")).ok, true)
    assert.strictEqual(sim.stats().tokenRequests, 2)
    assert.strictEqual(await storedToken(storePath), rt2)
    const recovered = (
      (await ask(w, "events")).events as Array<{ type: string; recovered?: boolean }>
    ).filter((e) => e.type === "rotationSaved")
    assert.deepStrictEqual(
      recovered.map((e) => e.recovered),
      [false, true],
    )
    assert.strictEqual(
      ((await ask(w, "status")).status as { unsavedRotation: boolean }).unsavedRotation,
      false,
    )

    // 5. The next refresh uses the NEW refresh token; the old one was sent exactly once, ever.
    assert.strictEqual((await ask(w, "refresh")).ok, true)
    const sent = (await ask(w, "sent")).sent as Array<string>
    assert.deepStrictEqual(sent, [short(client.refreshToken), short(rt1), short(rt2)])
    assert.deepStrictEqual(sim.stats().errors, {})
    assert.isTrue(sim.isLive(await storedToken(storePath)))

    // Nothing the worker printed shows a secret.
    await ask(w, "close")
    const output = w.lines.join("\n") + w.stderr()
    for (const secret of [client.clientSecret, client.refreshToken, rt1, rt2, await storedToken(storePath)]) {
      assert.notInclude(output, secret)
    }
    assert.notInclude(readFileSync(storePath, "utf8"), client.clientSecret)
  }, 60_000)
})
