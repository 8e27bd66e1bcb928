import { describe, expect, it } from "vitest"
import { SimulatorOptionsError } from "../src/index.ts"
import { firstClient, JSON_HEADERS, json, manualClock, ping, refresh, sleep, start } from "./helpers.ts"

const newRefreshToken = (body: Record<string, unknown>): string => {
  const token = body.refresh_token
  if (typeof token !== "string") throw new Error("no refresh_token in the response")
  return token
}

describe("rolling refresh tokens", () => {
  it("rolls on every use; with the default grace period of 0 the old token dies at once", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const first = await refresh(sim, client, client.refreshToken)
    const t1 = newRefreshToken(json(first))
    expect(sim.isLive(client.refreshToken)).toBe(false)
    const reuse = await refresh(sim, client, client.refreshToken)
    expect(reuse.status).toBe(400)
    expect(json(reuse).error).toBe("invalid_grant")
    const second = await refresh(sim, client, t1)
    expect(newRefreshToken(json(second))).not.toBe(t1)
    expect(sim.liveRefreshTokens(client.clientId)).toEqual([newRefreshToken(json(second))])
    expect(sim.stats()).toMatchObject({
      tokenRequests: 3,
      refreshes: 2,
      failures: 1,
      errors: { invalid_grant: 1 },
    })
  })

  it("lets exactly one of several concurrent refreshes with the same token win", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const results = await Promise.all(
      Array.from({ length: 5 }, () => refresh(sim, client, client.refreshToken)),
    )
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400])
  })

  it("keeps a rolled token working during the grace period (returning a new token) and not after (manual clock)", async () => {
    const time = manualClock()
    const sim = await start({ gracePeriod: 30, clock: time.clock })
    const client = firstClient(sim)
    const t1 = newRefreshToken(json(await refresh(sim, client, client.refreshToken)))
    time.advance(29_000)
    const again = await refresh(sim, client, client.refreshToken)
    expect(again.status).toBe(200)
    const t2 = newRefreshToken(json(again))
    expect(new Set([client.refreshToken, t1, t2]).size).toBe(3)
    // t1 was current until t2 rolled: its own grace period starts now.
    expect(sim.isLive(t1)).toBe(true)
    time.advance(1_001)
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(json(await refresh(sim, client, client.refreshToken)).error).toBe("invalid_grant")
    time.advance(30_000)
    expect(sim.liveRefreshTokens()).toEqual([t2])
  })

  it("keeps a rolled token for a 1 s grace period in real time", async () => {
    const sim = await start({ gracePeriod: 1 })
    const client = firstClient(sim)
    // The token rolls between `sentFirst` and `gotFirst`. A reuse answered within 1 s of `sentFirst`
    // is surely inside the grace period, one sent over 1 s after `gotFirst` surely outside: the
    // simulator must answer accordingly, however slow this machine is (in between, either is right).
    const sentFirst = performance.now()
    newRefreshToken(json(await refresh(sim, client, client.refreshToken)))
    const gotFirst = performance.now()
    const sentReuse = performance.now()
    const reuse = await refresh(sim, client, client.refreshToken)
    const gotReuse = performance.now()
    if (gotReuse - sentFirst < 1_000) expect(reuse.status).toBe(200)
    else if (sentReuse - gotFirst > 1_000) expect(json(reuse).error).toBe("invalid_grant")
    await sleep(1_100)
    expect(json(await refresh(sim, client, client.refreshToken)).error).toBe("invalid_grant")
  })

  it("with reuse detection, revokes the whole family when a retired token comes back", async () => {
    const sim = await start({ reuseDetection: true })
    const client = firstClient(sim)
    const first = json(await refresh(sim, client, client.refreshToken))
    const t1 = newRefreshToken(first)
    expect((await ping(sim, String(first.access_token))).status).toBe(200)
    const replay = await refresh(sim, client, client.refreshToken)
    expect(json(replay).error).toBe("invalid_grant")
    expect(json(replay).error_description).toContain("reuse")
    expect(sim.isLive(t1)).toBe(false)
    expect(sim.liveRefreshTokens(client.clientId)).toEqual([])
    expect(json(await refresh(sim, client, t1)).error).toBe("invalid_grant")
    expect((await ping(sim, String(first.access_token))).status).toBe(401)
    // Another family of the same client is untouched.
    const other = sim.issueRefreshToken(client.clientId)
    expect((await refresh(sim, client, other)).status).toBe(200)
  })

  it("with reuse detection and a grace period, revokes only for a reuse after the grace period", async () => {
    const time = manualClock()
    const sim = await start({ reuseDetection: true, gracePeriod: 10, clock: time.clock })
    const client = firstClient(sim)
    const t1 = newRefreshToken(json(await refresh(sim, client, client.refreshToken)))
    time.advance(5_000)
    expect((await refresh(sim, client, client.refreshToken)).status).toBe(200)
    time.advance(6_000)
    expect(json(await refresh(sim, client, client.refreshToken)).error).toBe("invalid_grant")
    expect(sim.isLive(t1)).toBe(false)
    expect(sim.liveRefreshTokens()).toEqual([])
  })

  it("without reuse detection, a retired token only fails: the current one stays live", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const t1 = newRefreshToken(json(await refresh(sim, client, client.refreshToken)))
    expect(json(await refresh(sim, client, client.refreshToken)).error).toBe("invalid_grant")
    expect(sim.isLive(t1)).toBe(true)
  })

  it("returns the same refresh token within the rolling interval and a new one after it", async () => {
    const time = manualClock()
    const sim = await start({ rollingInterval: 60, clock: time.clock })
    const client = firstClient(sim)
    const same = json(await refresh(sim, client, client.refreshToken))
    expect(same.refresh_token).toBe(client.refreshToken)
    expect(sim.isLive(client.refreshToken)).toBe(true)
    time.advance(60_000)
    const rolled = newRefreshToken(json(await refresh(sim, client, client.refreshToken)))
    expect(rolled).not.toBe(client.refreshToken)
    expect(sim.isLive(client.refreshToken)).toBe(false)
  })

  it("omits refresh_token when configured; the current token stays live", async () => {
    const sim = await start({ omitRefreshToken: true })
    const client = firstClient(sim)
    const res = await refresh(sim, client, client.refreshToken)
    expect(res.headers).toMatchObject(JSON_HEADERS)
    expect(Object.keys(json(res))).toEqual(["token_type", "expires_in", "access_token"])
    expect(sim.isLive(client.refreshToken)).toBe(true)
    expect((await refresh(sim, client, client.refreshToken)).status).toBe(200)
  })

  it("changes behaviour at run time with configure, and rejects bad values naming the field", async () => {
    const sim = await start()
    const client = firstClient(sim)
    sim.configure({ accessTokenLifetime: 60, omitRefreshToken: true })
    expect(sim.config()).toMatchObject({ accessTokenLifetime: 60, omitRefreshToken: true, gracePeriod: 0 })
    expect(json(await refresh(sim, client, client.refreshToken))).not.toHaveProperty("refresh_token")
    expect(() => sim.configure({ gracePeriod: Number.NaN })).toThrow(SimulatorOptionsError)
    expect(() => sim.configure({ gracePeriod: -1 })).toThrow(/gracePeriod: expected a number of seconds >= 0/)
    expect(() => sim.configure({ gracePeriods: 1 } as never)).toThrow(/configure.gracePeriods/)
  })

  it("issues new token families on demand and rejects an unknown client or a scope it lacks", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const family = sim.issueRefreshToken(client.clientId)
    expect(sim.liveRefreshTokens(client.clientId).sort()).toEqual([client.refreshToken, family].sort())
    expect(() => sim.issueRefreshToken("nobody")).toThrow(/clientId/)
    expect(() => sim.issueRefreshToken(client.clientId, "ADMIN")).toThrow(/scope/)
    const added = sim.addClient({ scopes: ["A", "B"] })
    expect(added).toMatchObject({ environment: "qa", scope: "A B" })
    expect(sim.clients).toHaveLength(2)
  })
})

describe("access tokens", () => {
  it("expire after a fractional lifetime; expires_in is rounded up to at least 1", async () => {
    const sim = await start({ accessTokenLifetime: 0.3 })
    const client = firstClient(sim)
    const sent = performance.now()
    const body = json(await refresh(sim, client, client.refreshToken))
    expect(body.expires_in).toBe(1)
    const accessToken = String(body.access_token)
    // Issued after `sent`: used within 0.3 s of it, the token is surely still valid (a starved
    // machine may take longer; then only the expiry below is checked).
    const valid = sim.isAccessTokenValid(accessToken)
    const pinged = await ping(sim, accessToken)
    if (performance.now() - sent < 300) expect([valid, pinged.status]).toEqual([true, 200])
    await sleep(400)
    expect(sim.isAccessTokenValid(accessToken)).toBe(false)
    const expired = await ping(sim, accessToken)
    expect(expired.status).toBe(401)
    expect(json(expired).error_description).toContain("expired")
  })

  it("rounds 2.5 s up to expires_in 3 and keeps the exact expiry (manual clock)", async () => {
    const time = manualClock()
    const sim = await start({ accessTokenLifetime: 2.5, clock: time.clock })
    const client = firstClient(sim)
    const body = json(await refresh(sim, client, client.refreshToken))
    expect(body.expires_in).toBe(3)
    time.advance(2_499)
    expect(sim.isAccessTokenValid(String(body.access_token))).toBe(true)
    time.advance(1)
    expect(sim.isAccessTokenValid(String(body.access_token))).toBe(false)
  })
})
