import { describe, expect, it } from "vitest"
import type { Simulator } from "../src/index.ts"
import { firstClient, json, ping, refresh, send, start } from "./helpers.ts"

const admin = (sim: Simulator, path: string, method = "GET", body?: unknown) =>
  send(`${sim.adminUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

describe("the admin endpoint", () => {
  it("queues faults from a JSON array (an HTTP-date Retry-After included), lists and clears them", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const queued = await admin(sim, "/faults", "POST", [
      { kind: "status", status: 503, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT" },
      { kind: "resetAfterRotation" },
      { kind: "html" },
    ])
    expect(queued.status).toBe(200)
    expect(json(queued)).toMatchObject({ queued: 3 })
    const res = await refresh(sim, client, client.refreshToken)
    expect(res.status).toBe(503)
    expect(res.headers["retry-after"]).toBe("Wed, 21 Oct 2026 07:28:00 GMT")
    expect(json(await admin(sim, "/faults"))).toEqual({ pending: ["resetAfterRotation", "html"] })
    expect(json(await admin(sim, "/faults", "DELETE"))).toEqual({ cleared: 2 })
    expect(sim.pendingFaults()).toEqual([])
  })

  it("shows how many token requests are held and releases them, oldest first, all or some", async () => {
    const sim = await start()
    const client = firstClient(sim)
    expect(json(await admin(sim, "/faults", "POST", [{ kind: "hold" }, { kind: "hold" }]))).toMatchObject({
      queued: 2,
      pending: ["hold", "hold"],
    })
    const first = refresh(sim, client, client.refreshToken)
    await sim.whenHeld(1)
    const second = refresh(sim, client, client.refreshToken)
    await sim.whenHeld(2)
    expect(json(await admin(sim, "/held"))).toEqual({ held: 2 })
    expect(json(await admin(sim, "/state"))).toMatchObject({ heldRequests: 2 })
    expect(json(await admin(sim, "/release", "POST", { count: 1 }))).toEqual({ released: 1, held: 1 })
    expect((await first).status).toBe(200)
    expect(json(await admin(sim, "/release", "POST"))).toEqual({ released: 1, held: 0 })
    expect((await second).status).toBe(400)
    const bad = await admin(sim, "/release", "POST", { count: "all" })
    expect(bad.status).toBe(400)
    expect(json(bad).error_description).toContain("count")
  })

  it("rejects a bad fault with 400 naming the field, and queues nothing", async () => {
    const sim = await start()
    const res = await admin(sim, "/faults", "POST", [{ kind: "html" }, { kind: "status", status: 418 }])
    expect(res.status).toBe(400)
    expect(json(res).error_description).toContain("faults[1].status")
    expect(sim.pendingFaults()).toEqual([])
  })

  it("shows the state without secrets: config, clients, token counts, faults, stats and the request log", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const rolled = json(await refresh(sim, client, client.refreshToken))
    sim.injectFaults({ kind: "status", status: 503, retryAfter: 1 })
    const res = await admin(sim, "/state")
    expect(res.status).toBe(200)
    const state = json(res)
    expect(state).toMatchObject({
      environment: "qa",
      config: { accessTokenLifetime: 7200, gracePeriod: 0, reuseDetection: false },
      clients: [{ clientId: client.clientId, scopes: ["MOBPROC"], liveRefreshTokens: 1 }],
      tokens: { liveRefreshTokens: 1, families: 1, accessTokens: 1 },
      pendingFaults: ["status:status=503:retryAfter=1"],
      stats: { tokenRequests: 1, refreshes: 1 },
      requests: [{ method: "POST", path: "/as/token.oauth2", status: 200 }],
    })
    for (const secret of [
      client.clientSecret,
      client.refreshToken,
      rolled.refresh_token,
      rolled.access_token,
    ]) {
      expect(res.text).not.toContain(String(secret))
    }
  })

  it("changes the config, and rejects a bad value with 400 naming it", async () => {
    const sim = await start()
    const ok = await admin(sim, "/config", "POST", { gracePeriod: 2, reuseDetection: true })
    expect(ok.status).toBe(200)
    expect(sim.config()).toMatchObject({ gracePeriod: 2, reuseDetection: true })
    const bad = await admin(sim, "/config", "POST", { accessTokenLifetime: "long" })
    expect(bad.status).toBe(400)
    expect(json(bad).error_description).toContain("accessTokenLifetime")
    expect(sim.config().accessTokenLifetime).toBe(7200)
  })

  it("registers a client whose credentials work, and issues and checks refresh tokens", async () => {
    const sim = await start()
    const created = await admin(sim, "/clients", "POST", {
      clientId: "partner",
      clientSecret: "p4ss",
      scopes: ["MOBPROC", "X"],
    })
    expect(created.status).toBe(201)
    const client = json(created)
    expect(client).toMatchObject({
      environment: "qa",
      clientId: "partner",
      clientSecret: "p4ss",
      scope: "MOBPROC X",
    })
    expect(
      (await refresh(sim, { clientId: "partner", clientSecret: "p4ss" }, String(client.refreshToken))).status,
    ).toBe(200)
    const issued = json(await admin(sim, "/refresh-tokens", "POST", { clientId: "partner", scope: "X" }))
    expect(json(await admin(sim, "/is-live", "POST", { refreshToken: issued.refreshToken }))).toEqual({
      live: true,
    })
    expect(json(await admin(sim, "/is-live", "POST", { refreshToken: client.refreshToken }))).toEqual({
      live: false,
    })
    expect((await admin(sim, "/clients", "POST", { clientId: "partner" })).status).toBe(400)
  })

  it("expires access tokens and resets stats, log and faults", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const accessToken = String(json(await refresh(sim, client, client.refreshToken)).access_token)
    expect(json(await admin(sim, "/expire-access-tokens", "POST"))).toEqual({ expired: 1 })
    expect((await ping(sim, accessToken)).status).toBe(401)
    sim.injectFaults({ kind: "html" })
    expect((await admin(sim, "/reset", "POST")).status).toBe(200)
    expect(sim.stats()).toEqual({
      tokenRequests: 0,
      refreshes: 0,
      failures: 0,
      errors: {},
      apiRequests: 0,
      apiUnauthorized: 0,
      passwordGrants: 0,
      validations: 0,
      apiForbidden: 0,
    })
    expect(sim.requests()).toEqual([])
    expect(sim.pendingFaults()).toEqual([])
  })

  it("answers 404 for an unknown admin path, 405 with Allow for a wrong method, 400 for bad JSON", async () => {
    const sim = await start()
    expect((await admin(sim, "/nope")).status).toBe(404)
    const wrong = await admin(sim, "/reset", "GET")
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe("POST")
    const badJson = await send(`${sim.adminUrl}/faults`, { method: "POST", body: "[{" })
    expect(badJson.status).toBe(400)
    // Admin calls are not token or API requests.
    expect(sim.requests()).toEqual([])
  })
})
