/** The Promise facade against the real simulator. */

import * as core from "@tangoe-token/core"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Redacted from "effect/Redacted"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { faultsTaken, requestFor } from "./support/sim.ts"

let sim: Simulator
beforeAll(async () => {
  sim = await startSimulator()
})
afterAll(async () => {
  await sim?.close()
})

describe("refreshTokenSet (Promise)", () => {
  it("resolves with the rotated token set", async () => {
    const client = sim.addClient()
    const tokens = await core.refreshTokenSet(requestFor(sim, client))
    assert.isTrue(tokens.refreshTokenRotated)
    assert.isTrue(sim.isLive(Redacted.value(tokens.refreshToken)))
  })

  it("rejects with the error class itself: instanceof, _tag and the guard all work", async () => {
    const client = sim.addClient()
    const error = await core
      .refreshTokenSet(requestFor(sim, client, { refreshToken: "dead" }))
      .catch((e: unknown) => e)
    assert.instanceOf(error, core.RefreshError)
    assert.instanceOf(error, Error)
    assert.strictEqual((error as core.RefreshError)._tag, "RefreshError")
    assert.instanceOf((error as core.RefreshError).reason, core.InvalidGrant)
    assert.strictEqual((error as core.RefreshError).reason._tag, "InvalidGrant")
    assert.isTrue(core.isRefreshError(error))
    assert.notInclude(String(error), "FiberFailure")
    assert.match((error as Error).stack ?? "", /^RefreshError: /)
  })

  it("rejects invalid input with InvalidConfig before sending anything", async () => {
    const before = sim.stats().tokenRequests
    const error = await core
      .refreshTokenSet({ ...requestFor(sim, sim.addClient()), placement: "header" as never })
      .catch((e: unknown) => e)
    assert.instanceOf(error, core.InvalidConfig)
    assert.strictEqual((error as core.InvalidConfig).field, "placement")
    assert.strictEqual(sim.stats().tokenRequests, before)
  })

  it("retries safe failures by default, and not with retry: false", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "status", status: 503 })
    const tokens = await core.refreshTokenSet(requestFor(sim, client))
    assert.isTrue(tokens.refreshTokenRotated)

    const other = sim.addClient()
    sim.injectFaults({ kind: "status", status: 503 })
    const error = await core
      .refreshTokenSet(requestFor(sim, other), { retry: false })
      .catch((e: unknown) => e)
    assert.instanceOf((error as core.RefreshError).reason, core.ServerError)
    sim.clearFaults()
  })

  it("an abort signal stops the refresh and rejects with the signal's reason", async () => {
    const client = sim.addClient()
    // The server holds the request for a minute; the caller aborts once it is in flight.
    sim.injectFaults({ kind: "delay", ms: 60_000, phase: "beforeProcessing" })
    const controller = new AbortController()
    const reason = new Error("stopped by the caller")
    void faultsTaken(sim).then(() => controller.abort(reason))
    const started = Date.now()
    const error = await core
      .refreshTokenSet(requestFor(sim, client, { timeout: "60 seconds" }), { signal: controller.signal })
      .catch((e: unknown) => e)
    assert.strictEqual(error, reason)
    // Well before the server's minute: the abort ended it (the margin is for a starved machine).
    assert.isBelow(Date.now() - started, 30_000)
    sim.clearFaults()
  })
})
