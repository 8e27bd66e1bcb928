/** The password grant with a Tangoe service account, against the real simulator over HTTP. */

import * as core from "@tangoe-token/core"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import * as Redacted from "effect/Redacted"
import { assert, describe, it } from "vitest"
import { useSharedSimulator } from "./support/sim.ts"

let sim: Simulator
useSharedSimulator((s) => {
  sim = s
})

const grantRequest = (
  client: { clientId: string; clientSecret: string },
  serviceAccount: core.ServiceAccount,
  overrides: Partial<core.PasswordGrantRequest> = {},
): core.PasswordGrantRequest => ({
  environment: { tokenUrl: sim.tokenUrl },
  clientId: client.clientId,
  clientSecret: client.clientSecret,
  scope: "MOBPROC",
  serviceAccount,
  timeout: "5 seconds",
  ...overrides,
})

const statsOf = (username: string) => sim.serviceAccountStats().find((a) => a.username === username)

describe("the password grant on the simulator", () => {
  it("gets the first grant for each username form, and its refresh token starts a live chain", async () => {
    const client = sim.addClient()
    for (const username of ["command://svc.one", "rivermine://svc.two", "svc.three"]) {
      const account = sim.addServiceAccount({ username })
      for (const placement of ["query", "body"] as const) {
        const tokens = await core.passwordGrantTokenSet(grantRequest(client, account, { placement }))
        assert.isTrue(sim.isLive(Redacted.value(tokens.refreshToken)), username)
        // The chain goes on with ordinary refreshes.
        const next = await core.refreshTokenSet({
          ...grantRequest(client, account),
          refreshToken: tokens.refreshToken,
        })
        assert.isTrue(next.refreshTokenRotated)
      }
      assert.strictEqual(statsOf(username)?.passwordGrants, 2)
    }
  })

  it("a wrong password is ServiceAccountRejected naming the fields, sent once even with retries on", async () => {
    const client = sim.addClient()
    const account = sim.addServiceAccount({ username: "command://svc.wrong" })
    const error = await core
      .passwordGrantTokenSet(grantRequest(client, { ...account, password: "not-the-password" }), {
        retry: {},
      })
      .catch((e: unknown) => e)
    assert.isTrue(core.isRefreshError(error))
    const reason = (error as core.RefreshError).reason
    assert.instanceOf(reason, core.ServiceAccountRejected)
    assert.include((error as Error).message, "`serviceAccount.password`")
    assert.notInclude((error as Error).message, "svc.wrong")
    assert.strictEqual(statsOf(account.username)?.failedPasswords, 1)
    assert.strictEqual(sim.stats().passwordGrants, 0)
  })

  it("a locked account says so", async () => {
    sim.configure({ lockoutThreshold: 1 })
    try {
      const client = sim.addClient()
      const account = sim.addServiceAccount({ username: "command://svc.locked" })
      await core
        .passwordGrantTokenSet(grantRequest(client, { ...account, password: "wrong" }))
        .catch(() => {})
      const error = await core.passwordGrantTokenSet(grantRequest(client, account)).catch((e: unknown) => e)
      const reason = (error as core.RefreshError).reason as core.ServiceAccountRejected
      assert.strictEqual(reason._tag, "ServiceAccountRejected")
      assert.isTrue(reason.locked)
    } finally {
      sim.configure({ lockoutThreshold: 0 })
    }
  })

  it("a client not allowed the password grant is UnauthorizedClient for that grant", async () => {
    const client = sim.addClient({ grantTypes: ["refresh_token"] })
    const account = sim.addServiceAccount({ username: "command://svc.noclient" })
    const error = await core.passwordGrantTokenSet(grantRequest(client, account)).catch((e: unknown) => e)
    const reason = (error as core.RefreshError).reason as core.UnauthorizedClient
    assert.strictEqual(reason._tag, "UnauthorizedClient")
    assert.strictEqual(reason.grantType, "password")
    assert.strictEqual(statsOf(account.username)?.failedPasswords, 0)
  })
})
