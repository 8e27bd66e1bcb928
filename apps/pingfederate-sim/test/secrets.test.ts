import { describe, expect, it } from "vitest"
import { admin, callApi, passwordGrant, passwordGrantWithBody, validate } from "./grantHelpers.ts"
import {
  basicAuth,
  firstClient,
  json,
  ping,
  refresh,
  refreshWithBody,
  send,
  sendExpectingSocketError,
  start,
  tutorialUrl,
} from "./helpers.ts"

describe("secrets", () => {
  it("never appear in the request log or the log lines, whatever the request did", async () => {
    const lines: Array<string> = []
    const sim = await start({ log: (line) => lines.push(line), gracePeriod: 1 })
    const client = firstClient(sim)
    const secrets = new Set<string>([client.clientSecret, client.refreshToken])
    const remember = (body: Record<string, unknown>) => {
      for (const key of ["refresh_token", "access_token"])
        if (typeof body[key] === "string") secrets.add(body[key])
    }
    const first = json(await refresh(sim, client, client.refreshToken))
    remember(first)
    await refresh(
      sim,
      { clientId: client.clientId, clientSecret: "wrong-secret-value" },
      String(first.refresh_token),
    )
    secrets.add("wrong-secret-value")
    remember(
      json(
        await refreshWithBody(
          sim,
          { grant_type: "refresh_token", refresh_token: String(first.refresh_token) },
          { Authorization: basicAuth(client.clientId, client.clientSecret) },
        ),
      ),
    )
    await send(`${tutorialUrl(sim, client, client.refreshToken)}&scope=X`, { method: "POST" }) // duplicate scope
    await ping(sim, String(first.access_token))
    await ping(sim, "bogus-access-token")
    secrets.add("bogus-access-token")
    sim.injectFaults({ kind: "resetAfterRotation" }, { kind: "status", status: 500, rotate: true })
    await sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), { method: "POST" })
    await refresh(sim, client, client.refreshToken)
    for (const token of sim.liveRefreshTokens()) secrets.add(token)
    await send(`${sim.url}/unknown?client_secret=${client.clientSecret}`)

    const everything = `${JSON.stringify(sim.requests())}\n${lines.join("\n")}\n${JSON.stringify(sim.stats())}`
    expect(sim.requests().length).toBeGreaterThanOrEqual(8)
    expect(lines.length).toBe(sim.requests().length)
    for (const secret of secrets) expect(everything).not.toContain(secret)
    expect(everything).not.toContain("client_secret")
  })

  it("never appear for the password grant, validate_bearer, the Tangoe-style API or the chain-killing admin calls", async () => {
    const lines: Array<string> = []
    const passwords = ["pw-first secret", "pw:second", "pw-third-rivermine"]
    const sim = await start({
      log: (line) => lines.push(line),
      lockoutThreshold: 2,
      serviceAccounts: [
        { username: "command://svc.one", password: passwords[0] },
        { username: "svc.two", password: passwords[1] },
      ],
    })
    const client = firstClient(sim)
    const secrets = new Set<string>([client.clientSecret, client.refreshToken, ...passwords])
    const remember = (body: Record<string, unknown>) => {
      for (const key of ["refresh_token", "access_token"])
        if (typeof body[key] === "string") secrets.add(body[key])
    }
    const created = json(
      await admin(sim, "/service-accounts", "POST", {
        username: "rivermine://svc.three",
        password: passwords[2],
      }),
    )
    expect(created.password).toBe(passwords[2])
    const random = sim.addServiceAccount({ username: "svc.random" })
    secrets.add(random.password)

    remember(json(await passwordGrant(sim, client, "command://svc.one", String(passwords[0]))))
    remember(json(await passwordGrantWithBody(sim, client, "svc.two", String(passwords[1]))))
    remember(
      json(await passwordGrantWithBody(sim, client, "rivermine://svc.three", String(passwords[2]), true)),
    )
    for (const wrong of ["wrong-password-one", "wrong-password-two"]) {
      secrets.add(wrong)
      await passwordGrant(sim, client, "svc.random", wrong)
    }
    await passwordGrant(sim, client, "svc.random", random.password) // locked: refused with the right password
    await passwordGrant(sim, client, "ldap://svc.one", String(passwords[0])) // malformed
    await passwordGrant(sim, client, "command://nobody", String(passwords[0])) // unknown
    await passwordGrant(
      sim,
      { clientId: client.clientId, clientSecret: "wrong-client-secret" },
      "svc.two",
      String(passwords[1]),
    )
    secrets.add("wrong-client-secret")
    await send(
      `${sim.tokenUrl}?grant_type=password&client_id=${client.clientId}&client_secret=${client.clientSecret}&username=svc.two&password=${encodeURIComponent(String(passwords[1]))}&password=x`,
      { method: "POST" },
    )

    const fresh = json(await refresh(sim, client, client.refreshToken))
    remember(fresh)
    await validate(sim, client, String(fresh.access_token))
    await validate(sim, client, "bogus-token-for-validation")
    secrets.add("bogus-token-for-validation")
    await callApi(sim, "/mobileprocurement/v1/orders?limit=2", String(fresh.access_token), client, {
      "X-TNGO-CONTEXT-CORRELATIONID": "c-1",
    })
    await callApi(sim, "/mobileprocurement/v1/orders", String(fresh.access_token), client, {
      "X-TNGO-TENANT": undefined,
    })
    await callApi(
      sim,
      "/mobileprocurement/v1/orders?access_token=query-token-value",
      "bogus-api-token",
      client,
    )
    secrets.add("bogus-api-token")
    secrets.add("query-token-value")
    await admin(sim, "/revoke", "POST", { refreshToken: String(fresh.refresh_token) })
    await admin(sim, "/age-refresh-tokens", "POST", { seconds: 10 })
    const state = await admin(sim, "/state")
    const accounts = await admin(sim, "/service-accounts")
    const received = await admin(sim, "/api-requests")

    const everything = [
      JSON.stringify(sim.requests()),
      lines.join("\n"),
      JSON.stringify(sim.stats()),
      JSON.stringify(sim.serviceAccountStats()),
      JSON.stringify(sim.apiRequests()),
      state.text,
      accounts.text,
      received.text,
    ].join("\n")
    expect(sim.stats()).toMatchObject({ passwordGrants: 3, validations: 1 })
    expect(lines.filter((l) => l.includes("granted=password"))).toHaveLength(3)
    for (const secret of secrets) expect(everything).not.toContain(secret)
    expect(everything).not.toContain("password=")
    expect(everything).not.toContain("client_secret")
  })
})
