import { describe, expect, it } from "vitest"
import { startSimulator } from "../src/index.ts"
import {
  basicAuth,
  bodyParams,
  firstClient,
  JSON_HEADERS,
  json,
  ping,
  type RawResponse,
  refresh,
  refreshWithBody,
  send,
  start,
  tutorialUrl,
} from "./helpers.ts"

/** Asserts an RFC 6749 §5.2 error response: status, code, description, and PingFederate's headers. */
const expectOAuthError = (res: RawResponse, status: number, error: string): Record<string, unknown> => {
  expect(res.status).toBe(status)
  expect(res.headers).toMatchObject(JSON_HEADERS)
  const body = json(res)
  expect(Object.keys(body)).toEqual(["error", "error_description"])
  expect(body.error).toBe(error)
  expect(body.error_description).toEqual(expect.any(String))
  return body
}

describe("the tutorial's request", () => {
  it("POST with every parameter in the query string and no body returns exactly the documented fields", async () => {
    const sim = await start()
    const client = firstClient(sim)
    // fetch, as a user's curl-like call would be.
    const res = await fetch(tutorialUrl(sim, client, client.refreshToken), { method: "POST" })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
    expect(res.headers.get("cache-control")).toBe("no-store")
    expect(res.headers.get("pragma")).toBe("no-cache")
    const text = await res.text()
    const body = JSON.parse(text) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(["token_type", "expires_in", "refresh_token", "access_token"])
    expect(body.token_type).toBe("Bearer")
    expect(body.expires_in).toBe(7200)
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9]{42}$/)
    expect(body.access_token).toMatch(/^[A-Za-z0-9]{28}$/)
    expect(body.refresh_token).not.toBe(client.refreshToken)
    expect(sim.isLive(String(body.refresh_token))).toBe(true)
    expect(sim.requests()).toMatchObject([
      { method: "POST", placement: "query", clientAuth: "params", status: 200 },
    ])
  })

  it("seeds clients like Tangoe's: 32-hex id and secret, scope MOBPROC, a 42-character refresh token", async () => {
    const sim = await start()
    const client = firstClient(sim)
    expect(client).toMatchObject({ environment: "qa", scope: "MOBPROC" })
    expect(client.clientId).toMatch(/^[0-9a-f]{32}$/)
    expect(client.clientSecret).toMatch(/^[0-9a-f]{32}$/)
    expect(client.refreshToken).toMatch(/^[A-Za-z0-9]{42}$/)
  })
})

describe("parameter placement and client authentication", () => {
  it("accepts an application/x-www-form-urlencoded body", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await refreshWithBody(sim, bodyParams(client, client.refreshToken))
    expect(res.status).toBe(200)
    expect(sim.requests().at(-1)).toMatchObject({ placement: "body", clientAuth: "params" })
  })

  it("accepts HTTP Basic with an id and secret that need form-encoding (RFC 6749 2.3.1)", async () => {
    const sim = await start({ clients: [{ clientId: "my client:1", clientSecret: "s3cr+t/=&é%:x y" }] })
    const client = firstClient(sim)
    const res = await refreshWithBody(
      sim,
      { grant_type: "refresh_token", refresh_token: client.refreshToken },
      { Authorization: basicAuth(client.clientId, client.clientSecret) },
    )
    expect(res.status).toBe(200)
    expect(sim.requests().at(-1)).toMatchObject({ clientAuth: "basic", clientId: "my client:1" })
  })

  it("rejects Basic without form-encoding when the secret has characters that change meaning", async () => {
    const sim = await start({ clients: [{ clientId: "id", clientSecret: "a+b" }] })
    const client = firstClient(sim)
    const raw = `Basic ${Buffer.from("id:a+b").toString("base64")}` // '+' decodes to a space: wrong secret
    const res = await refreshWithBody(
      sim,
      { grant_type: "refresh_token", refresh_token: client.refreshToken },
      { Authorization: raw },
    )
    expectOAuthError(res, 401, "invalid_client")
  })

  it("accepts a client_id parameter beside Basic when it names the same client", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await refreshWithBody(
      sim,
      { grant_type: "refresh_token", client_id: client.clientId, refresh_token: client.refreshToken },
      { Authorization: basicAuth(client.clientId, client.clientSecret) },
    )
    expect(res.status).toBe(200)
  })

  it("rejects client credentials sent both by Basic and as parameters: invalid_request", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const both = await refreshWithBody(
      sim,
      { grant_type: "refresh_token", client_secret: client.clientSecret, refresh_token: client.refreshToken },
      { Authorization: basicAuth(client.clientId, client.clientSecret) },
    )
    expectOAuthError(both, 400, "invalid_request")
    const otherId = await refreshWithBody(
      sim,
      { grant_type: "refresh_token", client_id: "someone-else", refresh_token: client.refreshToken },
      { Authorization: basicAuth(client.clientId, client.clientSecret) },
    )
    expectOAuthError(otherId, 400, "invalid_request")
    expect(sim.isLive(client.refreshToken)).toBe(true)
  })

  it("rejects a parameter given twice, in the query string or in the body: invalid_request", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const twiceInQuery = await send(`${tutorialUrl(sim, client, client.refreshToken)}&scope=MOBPROC`, {
      method: "POST",
    })
    expect(expectOAuthError(twiceInQuery, 400, "invalid_request").error_description).toContain("scope")
    const twiceInBody = await send(sim.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=refresh_token&client_id=${client.clientId}&client_secret=${client.clientSecret}&refresh_token=${client.refreshToken}&refresh_token=${client.refreshToken}`,
    })
    expectOAuthError(twiceInBody, 400, "invalid_request")
    expect(sim.isLive(client.refreshToken)).toBe(true)
  })

  it("rejects a parameter in query and body with different values, accepts the same value in both", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const form = { "Content-Type": "application/x-www-form-urlencoded" }
    const conflict = await send(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
      headers: form,
      body: "grant_type=authorization_code",
    })
    expectOAuthError(conflict, 400, "invalid_request")
    const same = await send(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
      headers: form,
      body: "grant_type=refresh_token",
    })
    expect(same.status).toBe(200)
    expect(sim.requests().at(-1)?.placement).toBe("mixed")
  })

  it("treats an empty parameter as omitted (RFC 6749 3.1): empty scope = the original scope", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await refresh(sim, client, client.refreshToken, "")
    expect(res.status).toBe(200)
    expect(json(await ping(sim, String(json(res).access_token))).scope).toBe("MOBPROC")
  })
})

describe("client errors", () => {
  it("answers an unknown client or a wrong secret with 401 invalid_client, without a Basic challenge for params", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const unknown = await refresh(
      sim,
      { clientId: "nobody", clientSecret: client.clientSecret },
      client.refreshToken,
    )
    expectOAuthError(unknown, 401, "invalid_client")
    expect(unknown.headers["www-authenticate"]).toBeUndefined()
    const wrongSecret = await refresh(
      sim,
      { clientId: client.clientId, clientSecret: "wrong" },
      client.refreshToken,
    )
    expectOAuthError(wrongSecret, 401, "invalid_client")
    expect(sim.isLive(client.refreshToken)).toBe(true)
  })

  it('adds WWW-Authenticate: Basic realm="PingFederate" when Basic authentication failed', async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await refreshWithBody(
      sim,
      { grant_type: "refresh_token", refresh_token: client.refreshToken },
      { Authorization: basicAuth(client.clientId, "wrong") },
    )
    expectOAuthError(res, 401, "invalid_client")
    expect(res.headers["www-authenticate"]).toBe('Basic realm="PingFederate"')
    const malformed = await refreshWithBody(
      sim,
      { grant_type: "refresh_token", refresh_token: client.refreshToken },
      { Authorization: "Basic %%%" },
    )
    expectOAuthError(malformed, 401, "invalid_client")
    expect(malformed.headers["www-authenticate"]).toBe('Basic realm="PingFederate"')
  })

  it("rejects a client of another environment (one simulator per environment) and says so", async () => {
    const production = await start({ environment: "production" })
    const qa = await start({ environment: "qa" })
    const qaClient = firstClient(qa)
    const res = await refresh(production, qaClient, qaClient.refreshToken)
    const body = expectOAuthError(res, 401, "invalid_client")
    expect(body.error_description).toContain("production environment")
  })

  it("answers a request without client authentication with 401 invalid_client", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await send(`${sim.tokenUrl}?grant_type=refresh_token&refresh_token=${client.refreshToken}`, {
      method: "POST",
    })
    expectOAuthError(res, 401, "invalid_client")
  })

  it("answers unauthorized_client (400) for a client registered without the refresh_token grant", async () => {
    const sim = await start({ clients: [{ grantTypes: ["client_credentials"] }] })
    const client = firstClient(sim)
    expectOAuthError(await refresh(sim, client, client.refreshToken), 400, "unauthorized_client")
  })
})

describe("grant and scope errors", () => {
  it("answers unsupported_grant_type for another grant and invalid_request without grant_type or refresh_token", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const base = `${sim.tokenUrl}?client_id=${client.clientId}&client_secret=${client.clientSecret}`
    expectOAuthError(
      await send(`${base}&grant_type=password`, { method: "POST" }),
      400,
      "unsupported_grant_type",
    )
    expectOAuthError(
      await send(`${base}&refresh_token=${client.refreshToken}`, { method: "POST" }),
      400,
      "invalid_request",
    )
    expectOAuthError(
      await send(`${base}&grant_type=refresh_token`, { method: "POST" }),
      400,
      "invalid_request",
    )
    expect(sim.stats().errors).toEqual({ unsupported_grant_type: 1, invalid_request: 2 })
  })

  it("answers invalid_grant for an unknown refresh token and for one issued to another client", async () => {
    const sim = await start({ clients: [{}, {}] })
    const [a, b] = sim.clients
    if (a === undefined || b === undefined) throw new Error("two clients expected")
    expectOAuthError(await refresh(sim, a, "x".repeat(42)), 400, "invalid_grant")
    expectOAuthError(await refresh(sim, a, b.refreshToken), 400, "invalid_grant")
    expect(sim.isLive(b.refreshToken)).toBe(true)
  })

  it("answers invalid_scope for a scope the client lacks and for one broader than the original grant", async () => {
    const sim = await start({ clients: [{ scopes: ["MOBPROC", "INVOICES"] }] })
    const client = firstClient(sim)
    const narrow = sim.issueRefreshToken(client.clientId, "MOBPROC")
    expectOAuthError(await refresh(sim, client, narrow, "ADMIN"), 400, "invalid_scope")
    expectOAuthError(await refresh(sim, client, narrow, "MOBPROC INVOICES"), 400, "invalid_scope")
    expect(sim.isLive(narrow)).toBe(true)
  })

  it("issues the original scope when none is sent, and a narrower one when asked", async () => {
    const sim = await start({ clients: [{ scopes: ["MOBPROC", "INVOICES"] }] })
    const client = firstClient(sim)
    const all = await refresh(sim, client, client.refreshToken, null)
    expect(json(await ping(sim, String(json(all).access_token))).scope).toBe("MOBPROC INVOICES")
    const narrowed = await refresh(sim, client, String(json(all).refresh_token), "INVOICES")
    expect(json(await ping(sim, String(json(narrowed).access_token))).scope).toBe("INVOICES")
    // The family keeps its original grant: the next refresh may ask for both again.
    const widened = await refresh(sim, client, String(json(narrowed).refresh_token), "MOBPROC INVOICES")
    expect(widened.status).toBe(200)
  })
})

describe("HTTP-level errors", () => {
  it("answers another method on the token path with 405 and Allow: POST, an unknown path with 404", async () => {
    const sim = await start()
    const get = await send(sim.tokenUrl)
    expect(get.status).toBe(405)
    expect(get.headers.allow).toBe("POST")
    const put = await send(sim.tokenUrl, { method: "PUT" })
    expect(put.status).toBe(405)
    const apiPost = await send(sim.apiUrl, { method: "POST" })
    expect(apiPost.status).toBe(405)
    expect(apiPost.headers.allow).toBe("GET")
    const missing = await send(`${sim.url}/as/authorization.oauth2`, { method: "POST" })
    expect(missing.status).toBe(404)
    expect(json(missing).error).toBe("not_found")
  })

  it("rejects a body of another content type with invalid_request", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await send(sim.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ grant_type: "refresh_token", refresh_token: client.refreshToken }),
    })
    expectOAuthError(res, 400, "invalid_request")
    const noType = await send(sim.tokenUrl, { method: "POST", body: "grant_type=refresh_token" })
    expectOAuthError(noType, 400, "invalid_request")
  })

  it("answers a body larger than 64 KiB with 413", async () => {
    const sim = await start()
    const client = firstClient(sim)
    const res = await refreshWithBody(sim, {
      ...bodyParams(client, client.refreshToken),
      padding: "x".repeat(64 * 1024),
    })
    expect(res.status).toBe(413)
    expect(json(res).error).toBe("invalid_request")
    expect(sim.isLive(client.refreshToken)).toBe(true)
  })

  it("refuses a non-loopback host and a bad option with an error naming the option", async () => {
    await expect(startSimulator({ host: "0.0.0.0" })).rejects.toMatchObject({
      _tag: "SimulatorOptionsError",
      option: "host",
    })
    await expect(startSimulator({ gracePeriod: -1 })).rejects.toMatchObject({ option: "gracePeriod" })
    await expect(startSimulator({ clients: [{ clientId: "a" }, { clientId: "a" }] })).rejects.toMatchObject({
      option: "clients[1].clientId",
    })
  })

  it("listens on ::1 when asked", async (ctx) => {
    let sim: Awaited<ReturnType<typeof start>>
    try {
      sim = await start({ host: "::1" })
    } catch (error) {
      // A machine without IPv6 loopback cannot run this one.
      if (String((error as Error).message).includes("EADDRNOTAVAIL")) return ctx.skip()
      throw error
    }
    expect(sim.url).toMatch(/^http:\/\/\[::1\]:\d+$/)
    const client = firstClient(sim)
    expect((await refresh(sim, client, client.refreshToken)).status).toBe(200)
  })
})
