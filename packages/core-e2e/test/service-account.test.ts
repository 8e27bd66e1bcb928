/**
 * A token client with a Tangoe service account, against the real simulator: the first grant from the
 * account alone, a chain that heals itself after dying the ways chains die (family revoked, idle
 * expiry), one grant per dead chain, no heal after a refused password or a wrong client, a dead refresh
 * token never sent again (here and by another client on the same store), and no secret of the account
 * in any event, status or error.
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { SeededServiceAccount, Simulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import { afterEach, assert, describe, it } from "vitest"
import { fileStore } from "../../core/src/FileStore.ts"
import { secretForms } from "../../core/src/internal/sanitize.ts"
import { isRefreshError, type RefreshError } from "../../core/src/RefreshError.ts"
import { createTokenClient, type TokenClient, type TokenClientOptions } from "../../core/src/TokenClient.ts"
import type { TokenEvent } from "../../core/src/TokenEvents.ts"
import { RefreshTokenDead } from "../../core/src/TokenManagerError.ts"
import type { TokenStoreShape } from "../../core/src/TokenStore.ts"
import { assertNoSecrets } from "../../core/test/fixtures/store-assert.ts"
import { useSharedSimulator } from "./support/sim.ts"

let sim: Simulator
useSharedSimulator((s) => {
  sim = s
})

const clients: Array<TokenClient> = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  sim.configure({ refreshTokenIdleTimeout: 0, lockoutThreshold: 0 })
})

let accounts = 0
/** A client of the simulator, a service account of its own (URL-unsafe, non-ASCII password), a file store. */
const setup = () => {
  const client = sim.addClient()
  const account = sim.addServiceAccount({
    username: `command://svc.${++accounts}`,
    password: `pä ss&w=rd+${accounts}"\\`,
  })
  const path = join(mkdtempSync(join(tmpdir(), "tangoe-sa-")), "token.json")
  const store = Effect.runSync(fileStore(path))
  return { client, account, path, store }
}

const clientFor = (
  env: {
    client: { clientId: string; clientSecret: string }
    account: SeededServiceAccount
    store: TokenStoreShape
  },
  overrides: Partial<TokenClientOptions> = {},
) => {
  const events: Array<TokenEvent> = []
  const client = createTokenClient({
    environment: { tokenUrl: sim.tokenUrl },
    clientId: env.client.clientId,
    clientSecret: env.client.clientSecret,
    scope: "MOBPROC",
    serviceAccount: { username: env.account.username, password: env.account.password },
    store: env.store,
    timeout: 5_000,
    ...overrides,
  })
  for (const type of ["chainReestablished", "refreshTokenDead", "refreshFailed", "refreshed"] as const) {
    client.on(type, (e) => events.push(e))
  }
  clients.push(client)
  return { client, events }
}

const grantsOf = (username: string) =>
  sim.serviceAccountStats().find((a) => a.username === username) ?? { passwordGrants: 0, failedPasswords: 0 }

const storedRefreshToken = (path: string): string =>
  (JSON.parse(readFileSync(path, "utf8")) as { token: { refreshToken: string } }).token.refreshToken

const storedRecord = (path: string): { healedAt?: number; deadSince?: number } =>
  (JSON.parse(readFileSync(path, "utf8")) as { token: { healedAt?: number; deadSince?: number } }).token

const secretsOf = (account: SeededServiceAccount) => [
  ...secretForms(account.password),
  ...secretForms(account.username),
]

describe("a token client with a service account", () => {
  it("bootstraps from the service account alone: one grant, saved write-ahead, then refreshes", async () => {
    const env = setup()
    const { client, events } = clientFor(env)
    const token = await client.getAccessToken()
    assert.isTrue(sim.isAccessTokenValid(token))
    assert.strictEqual(grantsOf(env.account.username).passwordGrants, 1)
    assert.isTrue(sim.isLive(storedRefreshToken(env.path)))
    const heal = events.find((e) => e.type === "chainReestablished")
    assert.strictEqual(heal?.type === "chainReestablished" && heal.reason, "bootstrap")
    assert.strictEqual(client.status().lastHeal?.reason, "bootstrap")
    assert.deepStrictEqual(client.status().serviceAccount, { selfHeal: true })
    // From now on: ordinary refreshes with the granted chain.
    await client.refresh()
    await client.refresh()
    assert.strictEqual(grantsOf(env.account.username).passwordGrants, 1)
    assert.strictEqual(sim.stats().refreshes, 2)
    // A second client on the same store adopts the chain: no grant.
    const other = clientFor(env)
    assert.isTrue(sim.isAccessTokenValid(await other.client.getAccessToken()))
    assert.strictEqual(grantsOf(env.account.username).passwordGrants, 1)
    for (const e of [...events, client.status()]) assertNoSecrets(e, secretsOf(env.account))
  })

  const kills: ReadonlyArray<readonly [string, (refreshToken: string) => void]> = [
    ["its family revoked", (refreshToken) => assert.isAtLeast(sim.revoke({ refreshToken }), 1)],
    [
      "idle past the server's timeout",
      () => {
        sim.configure({ refreshTokenIdleTimeout: 60 })
        assert.isAtLeast(sim.ageRefreshTokens(120), 1)
      },
    ],
  ]
  for (const [how, kill] of kills) {
    it(`heals a chain killed by ${how}: the next call is served after ONE new grant`, async () => {
      const env = setup()
      const { client, events } = clientFor(env)
      await client.getAccessToken()
      const dead = storedRefreshToken(env.path)
      kill(dead)
      assert.isFalse(sim.isLive(dead))
      const before = sim.stats()
      const token = (await client.refresh()).accessToken
      assert.isTrue(sim.isAccessTokenValid(token))
      assert.strictEqual(grantsOf(env.account.username).passwordGrants, 2)
      // One refresh with the dead token, one grant: nothing more.
      assert.strictEqual(sim.stats().tokenRequests - before.tokenRequests, 2)
      assert.notStrictEqual(storedRefreshToken(env.path), dead)
      assert.isTrue(sim.isLive(storedRefreshToken(env.path)))
      const heal = events.filter((e) => e.type === "chainReestablished").at(-1)
      assert.deepInclude(heal, { reason: "deadChain", cause: "InvalidGrant" })
      const died = events.find((e) => e.type === "refreshTokenDead")
      assert.deepInclude(died, { willHeal: true })
      assert.strictEqual(client.status().lastHeal?.reason, "deadChain")
      assert.isUndefined(client.status().deadRefreshToken)
      // The store says when the family was healed, and every rotation carries it on.
      const healedAt = storedRecord(env.path).healedAt
      assert.isNumber(healedAt)
      // The healed chain refreshes as usual.
      await client.refresh()
      assert.strictEqual(grantsOf(env.account.username).passwordGrants, 2)
      assert.strictEqual(storedRecord(env.path).healedAt, healedAt)
    })
  }

  it("a wrong password: a typed error naming the field, ONE grant attempt, no more, the stored token kept", async () => {
    const env = setup()
    const { client: good } = clientFor(env)
    await good.getAccessToken()
    await good.close()
    const dead = storedRefreshToken(env.path)
    sim.revoke({ refreshToken: dead })
    const wrong = { ...env, account: { ...env.account, password: "not the password" } }
    const { client, events } = clientFor(wrong)
    const before = sim.stats().tokenRequests
    const error = (await client.refresh().catch((e: unknown) => e)) as RefreshError
    assert.isTrue(isRefreshError(error))
    assert.strictEqual(error.reason._tag, "ServiceAccountRejected")
    assert.include(error.message, "`serviceAccount.password`")
    // Again and again: nothing more is sent (no retry storm, no lockout).
    for (let i = 0; i < 5; i++) {
      const again = await client.refresh().catch((e: unknown) => e)
      assert.instanceOf(again, RefreshTokenDead)
      assert.include((again as Error).message, "ServiceAccountRejected")
    }
    assert.strictEqual(sim.stats().tokenRequests - before, 2)
    assert.strictEqual(grantsOf(env.account.username).failedPasswords, 1)
    assert.strictEqual(storedRefreshToken(env.path), dead)
    assert.isNumber(storedRecord(env.path).deadSince)
    // Another process configured with the same wrong password does not try it: the store says so.
    const { client: second } = clientFor(wrong)
    assert.instanceOf(await second.refresh().catch((e: unknown) => e), RefreshTokenDead)
    assert.strictEqual(grantsOf(env.account.username).failedPasswords, 1)
    assert.strictEqual(sim.stats().tokenRequests - before, 2)
    for (const e of [...events, error, client.status()]) assertNoSecrets(e, secretsOf(env.account))
  })

  it("never heals after invalid_client: the client itself is wrong", async () => {
    const env = setup()
    const { client: good } = clientFor(env)
    await good.getAccessToken()
    await good.close()
    const { client } = clientFor(env, { clientSecret: "a wrong client secret" })
    const error = (await client.refresh().catch((e: unknown) => e)) as RefreshError
    assert.strictEqual(error.reason._tag, "InvalidClient")
    assert.strictEqual(grantsOf(env.account.username).passwordGrants, 1)
  })

  it("selfHeal: false takes the first grant only", async () => {
    const env = setup()
    const { client } = clientFor(env, { selfHeal: false })
    await client.getAccessToken()
    assert.deepStrictEqual(client.status().serviceAccount, { selfHeal: false })
    sim.revoke({ refreshToken: storedRefreshToken(env.path) })
    const error = (await client.refresh().catch((e: unknown) => e)) as RefreshError
    assert.strictEqual(error.reason._tag, "InvalidGrant")
    assert.strictEqual(grantsOf(env.account.username).passwordGrants, 1)
  })
})

describe("a dead refresh token is never sent again", () => {
  it("after a terminal invalid_grant: not by this client, not by another on the same store, until a newer token is stored", async () => {
    const env = setup()
    const seeded = sim.addClient()
    const store = env.store
    const base = {
      serviceAccount: undefined,
      clientId: seeded.clientId,
      clientSecret: seeded.clientSecret,
      refreshToken: seeded.refreshToken,
    }
    const { client, events } = clientFor({ ...env, client: seeded }, base)
    await client.getAccessToken()
    sim.revoke({ refreshToken: storedRefreshToken(env.path) })
    const before = sim.stats().tokenRequests
    const first = (await client.refresh().catch((e: unknown) => e)) as RefreshError
    assert.strictEqual(first.reason._tag, "InvalidGrant")
    assert.deepInclude(
      events.find((e) => e.type === "refreshTokenDead"),
      { willHeal: false },
    )
    for (let i = 0; i < 5; i++) {
      assert.instanceOf(await client.refresh().catch((e: unknown) => e), RefreshTokenDead)
    }
    assert.isDefined(client.status().deadRefreshToken)
    // Another client (another process) on the same store, with the same provisioned token.
    const { client: other } = clientFor({ ...env, client: seeded, store }, base)
    assert.instanceOf(await other.refresh().catch((e: unknown) => e), RefreshTokenDead)
    assert.strictEqual(sim.stats().tokenRequests - before, 1)
    // The user provisions a new token: it is used at once.
    const fresh = sim.issueRefreshToken(seeded.clientId)
    const { client: reprovisioned } = clientFor(
      { ...env, client: seeded, store },
      { ...base, refreshToken: fresh },
    )
    assert.isTrue(sim.isAccessTokenValid(await reprovisioned.getAccessToken()))
    // And the first client follows the newer stored token.
    assert.isTrue(sim.isAccessTokenValid((await client.refresh()).accessToken))
    assert.isUndefined(client.status().deadRefreshToken)
  })
})
