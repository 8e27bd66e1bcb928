import { describe, expect, it } from "vitest"
import { firstClient, json, ping, refresh, send, start } from "./helpers.ts"

describe("the protected sample API", () => {
  it("answers 200 with the client and scope for a live access token", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const accessToken = String(json(await refresh(sim, client, client.refreshToken)).access_token)
    const res = await ping(sim, accessToken)
    expect(res.status).toBe(200)
    expect(json(res)).toEqual({ ok: true, client_id: client.clientId, scope: "MOBPROC" })
    expect(sim.stats()).toMatchObject({ apiRequests: 1, apiUnauthorized: 0 })
  })

  it('answers 401 with WWW-Authenticate: Bearer error="invalid_token" for a missing or unknown token', async () => {
    const sim = await start()
    for (const res of [
      await ping(sim),
      await ping(sim, "not-a-token"),
      await send(sim.apiUrl, { headers: { Authorization: "Basic eDp5" } }),
    ]) {
      expect(res.status).toBe(401)
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer error="invalid_token"/)
      expect(res.headers["content-type"]).toBe("application/json;charset=UTF-8")
      expect(json(res).error).toBe("invalid_token")
    }
    expect(sim.stats()).toMatchObject({ apiRequests: 3, apiUnauthorized: 3 })
  })

  it("answers 401 once expireAccessTokens() ran, and a refreshed token works again", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const first = json(await refresh(sim, client, client.refreshToken))
    sim.expireAccessTokens()
    const expired = await ping(sim, String(first.access_token))
    expect(expired.status).toBe(401)
    expect(expired.headers["www-authenticate"]).toContain("expired")
    const next = json(await refresh(sim, client, String(first.refresh_token)))
    expect((await ping(sim, String(next.access_token))).status).toBe(200)
  })
})
