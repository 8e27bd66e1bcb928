import { describe, expect, it } from "vitest"
import { startSimulator } from "../src/index.ts"
import { admin, passwordGrant, passwordGrantWithBody, passwordUrl, validate } from "./grantHelpers.ts"
import { firstClient, JSON_HEADERS, json, ping, type RawResponse, refresh, send, start } from "./helpers.ts"

const SVC = { username: "command://svc.acme", password: "s3cret pass:word" }

const expectOAuthError = (res: RawResponse, status: number, error: string): string => {
  expect(res.status).toBe(status)
  expect(res.headers).toMatchObject(JSON_HEADERS)
  const body = json(res)
  expect(Object.keys(body)).toEqual(["error", "error_description"])
  expect(body.error).toBe(error)
  return String(body.error_description)
}

describe("the password grant, as Tangoe documents it", () => {
  it("answers the docs' query-string request with the four documented fields and a new token family", async () => {
    const sim = await start({ serviceAccounts: [SVC] })
    const client = firstClient(sim)
    const res = await fetch(passwordUrl(sim, client, SVC.username, SVC.password), { method: "POST" })
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8")
    expect(res.headers.get("cache-control")).toBe("no-store")
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body)).toEqual(["token_type", "expires_in", "refresh_token", "access_token"])
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 7200 })
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9]{42}$/)
    expect(body.access_token).toMatch(/^[A-Za-z0-9]{28}$/)
    // The seeded client's own family is untouched; the new one refreshes and its access token works.
    expect(sim.isLive(client.refreshToken)).toBe(true)
    expect((await ping(sim, String(body.access_token))).status).toBe(200)
    const rolled = await refresh(sim, client, String(body.refresh_token))
    expect(rolled.status).toBe(200)
    expect(sim.isLive(String(body.refresh_token))).toBe(false)
    expect(sim.stats()).toMatchObject({ tokenRequests: 2, passwordGrants: 1, refreshes: 1, failures: 0 })
    expect(sim.requests()[0]).toMatchObject({
      placement: "query",
      clientAuth: "params",
      status: 200,
      grant: "password",
      refreshed: false,
    })
    expect(sim.serviceAccountStats()).toEqual([
      {
        username: SVC.username,
        passwordGrants: 1,
        failedPasswords: 0,
        consecutiveFailures: 0,
        locked: false,
      },
    ])
  })

  it("takes the three username forms: command://, rivermine:// and a bare Tangoe-platform name", async () => {
    const accounts = [
      { username: "command://svc.one", password: "p1", platform: "command", identifier: "svc.one" },
      { username: "rivermine://svc.two", password: "p2", platform: "rivermine", identifier: "svc.two" },
      {
        username: "svc.three@acme.com",
        password: "p3",
        platform: "tangoe",
        identifier: "svc.three@acme.com",
      },
    ]
    const sim = await start({
      serviceAccounts: accounts.map(({ username, password }) => ({ username, password })),
    })
    const client = firstClient(sim)
    for (const account of accounts) {
      const res = await passwordGrant(sim, client, account.username, account.password)
      expect(res.status).toBe(200)
      const validated = json(await validate(sim, client, String(json(res).access_token)))
      expect(validated.access_token).toMatchObject({
        platform: account.platform,
        identifier: account.identifier,
      })
    }
    expect(sim.stats().passwordGrants).toBe(3)
  })

  it("takes a form body with parameter or HTTP Basic client authentication", async () => {
    const sim = await start({ serviceAccounts: [SVC] })
    const client = firstClient(sim)
    const viaParams = await passwordGrantWithBody(sim, client, SVC.username, SVC.password)
    expect(viaParams.status).toBe(200)
    const viaBasic = await passwordGrantWithBody(sim, client, SVC.username, SVC.password, true)
    expect(viaBasic.status).toBe(200)
    expect(json(viaBasic).refresh_token).not.toBe(json(viaParams).refresh_token)
    expect(sim.requests().map((r) => [r.placement, r.clientAuth])).toEqual([
      ["body", "params"],
      ["body", "basic"],
    ])
  })

  it("without any service account the server does not offer the grant: unsupported_grant_type, as before", async () => {
    const sim = await start()
    const client = firstClient(sim)
    expectOAuthError(
      await passwordGrant(sim, client, SVC.username, SVC.password),
      400,
      "unsupported_grant_type",
    )
    sim.addServiceAccount(SVC)
    expect((await passwordGrant(sim, client, SVC.username, SVC.password)).status).toBe(200)
  })
})

describe("password grant failures", () => {
  it("answers invalid_grant for a wrong password and for an unknown user, with the same description", async () => {
    const sim = await start({ serviceAccounts: [SVC] })
    const client = firstClient(sim)
    const wrong = expectOAuthError(
      await passwordGrant(sim, client, SVC.username, "not-it"),
      400,
      "invalid_grant",
    )
    const unknown = expectOAuthError(
      await passwordGrant(sim, client, "command://nobody", SVC.password),
      400,
      "invalid_grant",
    )
    expect(wrong).toBe(unknown)
    expect(sim.stats()).toMatchObject({ passwordGrants: 0, failures: 2, errors: { invalid_grant: 2 } })
    expect(sim.serviceAccountStats()[0]).toMatchObject({ passwordGrants: 0, failedPasswords: 1 })
  })

  it("answers invalid_grant naming the documented forms for a malformed username", async () => {
    const sim = await start({ serviceAccounts: [SVC] })
    const client = firstClient(sim)
    for (const username of [
      "ldap://svc.acme",
      "command://",
      "command://a b",
      "command:/svc",
      "rivermine://x/y",
      "a b",
    ]) {
      const description = expectOAuthError(
        await passwordGrant(sim, client, username, SVC.password),
        400,
        "invalid_grant",
      )
      expect(description).toContain("command://")
    }
    expect(sim.serviceAccountStats()[0]).toMatchObject({ failedPasswords: 0 })
  })

  it("answers invalid_request for a missing username or password, and for a repeated or conflicting parameter", async () => {
    const sim = await start({ serviceAccounts: [SVC] })
    const client = firstClient(sim)
    const base = `${sim.tokenUrl}?grant_type=password&client_id=${client.clientId}&client_secret=${client.clientSecret}`
    const pw = encodeURIComponent(SVC.password)
    const user = encodeURIComponent(SVC.username)
    for (const url of [
      `${base}&password=${pw}`,
      `${base}&username=${user}`,
      `${base}&username=${user}&password=`,
      `${base}&username=${user}&password=${pw}&password=${pw}`,
      `${base}&username=${user}&username=${user}&password=${pw}`,
    ]) {
      expectOAuthError(await send(url, { method: "POST" }), 400, "invalid_request")
    }
    const conflicting = await send(`${base}&username=${user}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `username=${encodeURIComponent("command://other")}&password=${pw}`,
    })
    expectOAuthError(conflicting, 400, "invalid_request")
    expect(sim.stats()).toMatchObject({ passwordGrants: 0, errors: { invalid_request: 6 } })
    expect(sim.serviceAccountStats()[0]).toMatchObject({ failedPasswords: 0 })
  })

  it("answers unauthorized_client for a client not allowed the password grant, invalid_client for a wrong client", async () => {
    const sim = await start({ serviceAccounts: [SVC], clients: [{}, { grantTypes: ["refresh_token"] }] })
    const [allowed, refused] = sim.clients
    if (allowed === undefined || refused === undefined) throw new Error("two clients expected")
    expectOAuthError(
      await passwordGrant(sim, refused, SVC.username, SVC.password),
      400,
      "unauthorized_client",
    )
    expectOAuthError(
      await passwordGrant(
        sim,
        { clientId: allowed.clientId, clientSecret: "wrong" },
        SVC.username,
        SVC.password,
      ),
      401,
      "invalid_client",
    )
    expectOAuthError(
      await passwordGrant(
        sim,
        { clientId: "unknown", clientSecret: allowed.clientSecret },
        SVC.username,
        SVC.password,
      ),
      401,
      "invalid_client",
    )
    // None of it was a failed sign-in of the account.
    expect(sim.serviceAccountStats()[0]).toMatchObject({ failedPasswords: 0, passwordGrants: 0 })
  })

  it("checks the scope: the client's scopes by default, invalid_scope for another (not a failed sign-in)", async () => {
    const sim = await start({ serviceAccounts: [SVC], clients: [{ scopes: ["MOBPROC", "X"] }] })
    const client = firstClient(sim)
    expectOAuthError(
      await passwordGrant(sim, client, SVC.username, SVC.password, "OTHER"),
      400,
      "invalid_scope",
    )
    const all = json(await passwordGrant(sim, client, SVC.username, SVC.password, null))
    expect(json(await validate(sim, client, String(all.access_token))).scope).toBe("MOBPROC X")
    const narrow = json(await passwordGrant(sim, client, SVC.username, SVC.password, "X"))
    expect(json(await validate(sim, client, String(narrow.access_token))).scope).toBe("X")
    // The family keeps what was granted: a refresh cannot widen it.
    expectOAuthError(
      await refresh(sim, client, String(narrow.refresh_token), "MOBPROC"),
      400,
      "invalid_scope",
    )
    expect(sim.serviceAccountStats()[0]).toMatchObject({ failedPasswords: 0, passwordGrants: 2 })
  })
})

describe("lockout", () => {
  it("locks an account after N wrong passwords in a row, refuses the right one while locked, until unlocked", async () => {
    const sim = await start({ serviceAccounts: [SVC], lockoutThreshold: 3 })
    const client = firstClient(sim)
    for (let i = 0; i < 3; i++) {
      expectOAuthError(await passwordGrant(sim, client, SVC.username, `wrong-${i}`), 400, "invalid_grant")
    }
    const locked = expectOAuthError(
      await passwordGrant(sim, client, SVC.username, SVC.password),
      400,
      "invalid_grant",
    )
    expect(locked).toMatch(/locked/)
    expect(sim.serviceAccountStats()[0]).toMatchObject({
      locked: true,
      failedPasswords: 4,
      consecutiveFailures: 3,
    })

    const unlocked = await admin(sim, "/service-accounts/unlock", "POST", { username: SVC.username })
    expect(json(unlocked)).toEqual({ unlocked: 1 })
    expect((await passwordGrant(sim, client, SVC.username, SVC.password)).status).toBe(200)
    expect(sim.serviceAccountStats()[0]).toMatchObject({
      locked: false,
      consecutiveFailures: 0,
      passwordGrants: 1,
    })
  })

  it("counts failures in a row only: a success starts the count again; threshold 0 never locks", async () => {
    const sim = await start({ serviceAccounts: [SVC], lockoutThreshold: 3 })
    const client = firstClient(sim)
    for (const password of ["x", "y", SVC.password, "x", "y"])
      await passwordGrant(sim, client, SVC.username, password)
    expect(sim.serviceAccountStats()[0]).toMatchObject({ locked: false, consecutiveFailures: 2 })
    sim.configure({ lockoutThreshold: 0 })
    for (let i = 0; i < 5; i++) await passwordGrant(sim, client, SVC.username, "x")
    expect((await passwordGrant(sim, client, SVC.username, SVC.password)).status).toBe(200)
    // Through the programmatic API, too.
    sim.configure({ lockoutThreshold: 1 })
    await passwordGrant(sim, client, SVC.username, "x")
    expect(sim.serviceAccountStats()[0]?.locked).toBe(true)
    expect(sim.unlockServiceAccount()).toBe(1)
    expect(() => sim.unlockServiceAccount("command://nobody")).toThrow(/username/)
  })
})

describe("seeding service accounts", () => {
  it("from the options, addServiceAccount and the admin endpoint (a random password when none is given)", async () => {
    const sim = await start({ serviceAccounts: [SVC] })
    const client = firstClient(sim)
    const added = sim.addServiceAccount({ username: "rivermine://api.two" })
    expect(added.password).toMatch(/^[A-Za-z0-9]{24}$/)
    const created = await admin(sim, "/service-accounts", "POST", { username: "svc.three", password: "pw3" })
    expect(created.status).toBe(201)
    expect(json(created)).toEqual({ username: "svc.three", password: "pw3" })
    expect(sim.serviceAccounts).toEqual([SVC, added, { username: "svc.three", password: "pw3" }])
    expect((await passwordGrant(sim, client, added.username, added.password)).status).toBe(200)
    expect((await passwordGrant(sim, client, "svc.three", "pw3")).status).toBe(200)
    const listed = await admin(sim, "/service-accounts")
    expect(json(listed).serviceAccounts).toMatchObject([
      { username: SVC.username, passwordGrants: 0 },
      { username: "rivermine://api.two", passwordGrants: 1 },
      { username: "svc.three", passwordGrants: 1 },
    ])
    for (const secret of [SVC.password, added.password, "pw3"]) expect(listed.text).not.toContain(secret)
    const state = await admin(sim, "/state")
    expect(json(state).serviceAccounts).toHaveLength(3)
    for (const secret of [SVC.password, added.password, "pw3"]) expect(state.text).not.toContain(secret)
  })

  it("rejects a malformed or taken username, and a bad password, naming the field but never the password", async () => {
    const sim = await start({ serviceAccounts: [SVC] })
    for (const body of [
      { username: "ldap://x", password: "hidden-pw-1" },
      { username: "command://", password: "hidden-pw-1" },
      { username: SVC.username, password: "hidden-pw-1" },
      { username: "svc.ok", password: 42 },
      { username: "svc.ok", password: "hidden\u0007pw" },
      { username: "svc.ok", password: "hidden-pw-1", extra: true },
      { password: "hidden-pw-1" },
    ]) {
      const res = await admin(sim, "/service-accounts", "POST", body)
      expect(res.status).toBe(400)
      expect(json(res).error_description).toMatch(/serviceAccount\./)
      expect(res.text).not.toContain("hidden")
    }
    await expect(startSimulator({ serviceAccounts: [{ username: "x y" }] })).rejects.toThrow(
      /serviceAccounts\[0\]\.username/,
    )
    expect(sim.serviceAccounts).toHaveLength(1)
  })
})
