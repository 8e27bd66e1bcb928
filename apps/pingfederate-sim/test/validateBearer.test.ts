import { describe, expect, it } from "vitest"
import { passwordGrant, VALIDATE_BEARER, validate } from "./grantHelpers.ts"
import { basicAuth, firstClient, JSON_HEADERS, json, manualClock, refresh, send, start } from "./helpers.ts"

const SVC = { username: "command://api.account.xyz", password: "pw" }

describe("validate_bearer at the token endpoint", () => {
  it("answers the docs' fields for a live token: scope, token_type, expires_in, client_id and the identity", async () => {
    const time = manualClock()
    const sim = await start({ clock: time.clock, serviceAccounts: [SVC], clients: [{ tenant: "XYZ" }] })
    const client = firstClient(sim)
    expect(client.tenant).toBe("XYZ")
    const granted = json(await passwordGrant(sim, client, SVC.username, SVC.password))
    time.advance(14_000)
    const res = await validate(sim, client, String(granted.access_token))
    expect(res.status).toBe(200)
    expect(res.headers).toMatchObject(JSON_HEADERS)
    const body = json(res)
    expect(Object.keys(body)).toEqual(["scope", "token_type", "expires_in", "client_id", "access_token"])
    expect(body).toEqual({
      scope: "MOBPROC",
      token_type: "urn:pingidentity.com:oauth2:validated_token",
      expires_in: 7186,
      client_id: client.clientId,
      access_token: {
        platform: "command",
        tenant: "XYZ",
        multitenant: "false",
        domain: "*",
        identityProvider: "pcv_edge",
        identifier: "api.account.xyz",
      },
    })
    // Validation spends nothing: no token rolls, and it is counted apart from refreshes.
    expect(sim.isLive(String(granted.refresh_token))).toBe(true)
    expect(sim.stats()).toMatchObject({ validations: 1, refreshes: 0, passwordGrants: 1 })
    expect(sim.requests()[1]).toMatchObject({ grant: "validate_bearer", refreshed: false, status: 200 })
  })

  it("reports the tenant of the client the token was issued to, also when another client validates it", async () => {
    const sim = await start({ clients: [{ tenant: "AAA" }, { tenant: "BBB" }] })
    const [a, b] = sim.clients
    if (a === undefined || b === undefined) throw new Error("two clients expected")
    const token = String(json(await refresh(sim, a, a.refreshToken)).access_token)
    const body = json(await validate(sim, b, token))
    expect(body).toMatchObject({
      client_id: a.clientId,
      access_token: { tenant: "AAA", platform: "command" },
    })
  })

  it("takes a form body and HTTP Basic", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const token = String(json(await refresh(sim, client, client.refreshToken)).access_token)
    const res = await send(sim.tokenUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: basicAuth(client.clientId, client.clientSecret),
      },
      body: new URLSearchParams({ grant_type: VALIDATE_BEARER, token }).toString(),
    })
    expect(res.status).toBe(200)
    expect(json(res).client_id).toBe(client.clientId)
  })

  it("answers invalid_grant for an unknown, expired or revoked token", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const tokens = json(await refresh(sim, client, client.refreshToken))
    const expectInvalid = async (token: string, reason: RegExp) => {
      const res = await validate(sim, client, token)
      expect(res.status).toBe(400)
      const body = json(res)
      expect(body.error).toBe("invalid_grant")
      expect(body.error_description).toMatch(reason)
    }
    await expectInvalid("not-a-token", /unknown/)
    sim.expireAccessTokens()
    await expectInvalid(String(tokens.access_token), /expired/)
    const fresh = json(await refresh(sim, client, String(tokens.refresh_token)))
    expect((await validate(sim, client, String(fresh.access_token))).status).toBe(200)
    sim.revoke({ refreshToken: String(fresh.refresh_token) })
    await expectInvalid(String(fresh.access_token), /revoked/)
    expect(sim.stats()).toMatchObject({ validations: 1, errors: { invalid_grant: 3 } })
  })

  it("answers unauthorized_client for a client not permitted to validate, invalid_client for a wrong one", async () => {
    const sim = await start({ clients: [{}, { grantTypes: ["refresh_token"] }] })
    const [a, notPermitted] = sim.clients
    if (a === undefined || notPermitted === undefined) throw new Error("two clients expected")
    const token = String(json(await refresh(sim, a, a.refreshToken)).access_token)
    const refused = await validate(sim, notPermitted, token)
    expect(refused.status).toBe(400)
    expect(json(refused)).toMatchObject({ error: "unauthorized_client" })
    expect(String(json(refused).error_description)).toMatch(/not permitted to validate/)
    const wrong = await validate(sim, { clientId: a.clientId, clientSecret: "nope" }, token)
    expect(wrong.status).toBe(401)
    expect(json(wrong).error).toBe("invalid_client")
  })

  it("answers invalid_request without token, or with it twice", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const base = `${sim.tokenUrl}?grant_type=${encodeURIComponent(VALIDATE_BEARER)}&client_id=${client.clientId}&client_secret=${client.clientSecret}`
    for (const url of [base, `${base}&token=`, `${base}&token=a&token=b`]) {
      const res = await send(url, { method: "POST" })
      expect(res.status).toBe(400)
      expect(json(res).error).toBe("invalid_request")
    }
  })

  it("is refused with 405 on GET, as the token endpoint is POST only", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await send(
      `${sim.tokenUrl}?grant_type=${encodeURIComponent(VALIDATE_BEARER)}&token=x&client_id=${client.clientId}&client_secret=${client.clientSecret}`,
    )
    expect(res.status).toBe(405)
    expect(res.headers.allow).toBe("POST")
  })
})
