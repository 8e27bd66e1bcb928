import { describe, expect, it } from "vitest"
import { admin, passwordGrant } from "./grantHelpers.ts"
import { firstClient, json, manualClock, ping, refresh, start } from "./helpers.ts"

const SVC = { username: "rivermine://svc.chain", password: "pw-chain" }

describe("killing a token chain on demand", () => {
  it("revokes a family by any of its refresh tokens: refresh and access tokens die, other families live", async () => {
    const sim = await start({ clients: [{}, {}] })
    const [a, b] = sim.clients
    if (a === undefined || b === undefined) throw new Error("two clients expected")
    const rolled = json(await refresh(sim, a, a.refreshToken))
    const other = sim.issueRefreshToken(a.clientId)
    // The first, retired token names the family too.
    expect(sim.revoke({ refreshToken: a.refreshToken })).toBe(1)
    expect(sim.isLive(String(rolled.refresh_token))).toBe(false)
    const res = await refresh(sim, a, String(rolled.refresh_token))
    expect(res.status).toBe(400)
    expect(json(res)).toMatchObject({
      error: "invalid_grant",
      error_description: expect.stringMatching(/revoked/),
    })
    expect((await ping(sim, String(rolled.access_token))).status).toBe(401)
    expect(sim.isLive(other)).toBe(true)
    expect(sim.isLive(b.refreshToken)).toBe(true)
    // Revoking it again revokes nothing new; an unknown token revokes nothing.
    expect(sim.revoke({ refreshToken: a.refreshToken })).toBe(0)
    expect(sim.revoke({ refreshToken: "unknown" })).toBe(0)
  })

  it("revokes every family of a client, or every family granted to a service account, through the admin endpoint", async () => {
    const sim = await start({ clients: [{}, {}], serviceAccounts: [SVC] })
    const [a, b] = sim.clients
    if (a === undefined || b === undefined) throw new Error("two clients expected")
    const g1 = json(await passwordGrant(sim, a, SVC.username, SVC.password))
    const g2 = json(await passwordGrant(sim, b, SVC.username, SVC.password))
    const byAccount = await admin(sim, "/revoke", "POST", { username: SVC.username })
    expect(json(byAccount)).toEqual({ revoked: 2 })
    expect(sim.isLive(String(g1.refresh_token))).toBe(false)
    expect(sim.isLive(String(g2.refresh_token))).toBe(false)
    expect(sim.isLive(a.refreshToken)).toBe(true)
    expect(json(await admin(sim, "/revoke", "POST", { clientId: a.clientId }))).toEqual({ revoked: 1 })
    expect(sim.isLive(a.refreshToken)).toBe(false)
    expect(sim.isLive(b.refreshToken)).toBe(true)
    // A new password grant heals the chain: a new family.
    const healed = json(await passwordGrant(sim, a, SVC.username, SVC.password))
    expect((await refresh(sim, a, String(healed.refresh_token))).status).toBe(200)
  })

  it("rejects a revoke with none or several targets, or a bad value, naming the field and never a token", async () => {
    const sim = await start()
    const client = firstClient(sim)
    for (const body of [
      {},
      { clientId: client.clientId, refreshToken: client.refreshToken },
      { refreshToken: 42 },
      { token: client.refreshToken },
    ]) {
      const res = await admin(sim, "/revoke", "POST", body)
      expect(res.status).toBe(400)
      expect(json(res).error_description).toMatch(/^revoke/)
      expect(res.text).not.toContain(client.refreshToken)
    }
    expect(() => sim.revoke({} as never)).toThrow(/exactly one/)
    expect(sim.isLive(client.refreshToken)).toBe(true)
  })

  it("expires refresh tokens unused for longer than the idle timeout, and a use restarts the count", async () => {
    const time = manualClock()
    const sim = await start({ clock: time.clock, refreshTokenIdleTimeout: 60 })
    const client = firstClient(sim)
    time.advance(59_000)
    const rolled = json(await refresh(sim, client, client.refreshToken))
    time.advance(59_000)
    expect(sim.isLive(String(rolled.refresh_token))).toBe(true)
    time.advance(1_000)
    expect(sim.isLive(String(rolled.refresh_token))).toBe(false)
    expect(sim.liveRefreshTokens()).toEqual([])
    const res = await refresh(sim, client, String(rolled.refresh_token))
    expect(res.status).toBe(400)
    expect(json(res)).toMatchObject({
      error: "invalid_grant",
      error_description: expect.stringMatching(/unused for longer than 60 s/),
    })
  })

  it("under a rolling interval, a refresh that returns the same token counts as a use", async () => {
    const time = manualClock()
    const sim = await start({ clock: time.clock, refreshTokenIdleTimeout: 60, rollingInterval: 3600 })
    const client = firstClient(sim)
    time.advance(50_000)
    const same = json(await refresh(sim, client, client.refreshToken))
    expect(same.refresh_token).toBe(client.refreshToken)
    time.advance(50_000)
    expect((await refresh(sim, client, client.refreshToken)).status).toBe(200)
  })

  it("ages refresh tokens on demand (API and admin), optionally one client's, to kill the chain by idle expiry", async () => {
    const time = manualClock()
    const sim = await start({ clock: time.clock, clients: [{}, {}] })
    const [a, b] = sim.clients
    if (a === undefined || b === undefined) throw new Error("two clients expected")
    // Without an idle timeout, age alone kills nothing.
    expect(sim.ageRefreshTokens(10)).toBe(2)
    expect(sim.liveRefreshTokens()).toHaveLength(2)
    sim.configure({ refreshTokenIdleTimeout: 3600 })
    expect(sim.liveRefreshTokens()).toHaveLength(2)
    const aged = await admin(sim, "/age-refresh-tokens", "POST", { seconds: 3590, clientId: a.clientId })
    expect(json(aged)).toEqual({ aged: 1 })
    expect(sim.isLive(a.refreshToken)).toBe(false)
    expect(sim.isLive(b.refreshToken)).toBe(true)
    expect((await refresh(sim, a, a.refreshToken)).status).toBe(400)
    expect((await refresh(sim, b, b.refreshToken)).status).toBe(200)
    // Dead tokens are not counted as aged again.
    expect(sim.ageRefreshTokens(1, a.clientId)).toBe(0)
    for (const body of [
      {},
      { seconds: -1 },
      { seconds: "1" },
      { seconds: 1, extra: 1 },
      { seconds: 1, clientId: "" },
    ]) {
      expect((await admin(sim, "/age-refresh-tokens", "POST", body)).status).toBe(400)
    }
    expect(() => sim.ageRefreshTokens(-5)).toThrow(/seconds/)
  })

  it("takes the idle timeout from the config endpoint and rejects a bad one", async () => {
    const sim = await start()
    expect(
      (await admin(sim, "/config", "POST", { refreshTokenIdleTimeout: 30, lockoutThreshold: 5 })).status,
    ).toBe(200)
    expect(sim.config()).toMatchObject({ refreshTokenIdleTimeout: 30, lockoutThreshold: 5 })
    expect((await admin(sim, "/config", "POST", { refreshTokenIdleTimeout: -1 })).status).toBe(400)
    expect((await admin(sim, "/config", "POST", { lockoutThreshold: 1.5 })).status).toBe(400)
  })
})
