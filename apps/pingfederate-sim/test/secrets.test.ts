import { describe, expect, it } from "vitest"
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
})
