import { describe, expect, it } from "vitest"
import { type Fault, SimulatorOptionsError } from "../src/index.ts"
import {
  firstClient,
  JSON_HEADERS,
  json,
  refresh,
  send,
  sendExpectingSocketError,
  start,
  tutorialUrl,
  until,
} from "./helpers.ts"

/** A simulator with one client, and the refresh tokens other than the seeded one that are live. */
const setup = async () => {
  const sim = await start()
  const client = firstClient(sim)
  const rotatedTo = () => sim.liveRefreshTokens(client.clientId).filter((t) => t !== client.refreshToken)
  return { sim, client, rotatedTo }
}

describe("status faults", () => {
  it("answers 503 with Retry-After in seconds and a JSON body, without rotating; the queue then empties", async () => {
    const { sim, client } = await setup()
    sim.injectFaults({ kind: "status", status: 503, retryAfter: 5 })
    const res = await refresh(sim, client, client.refreshToken)
    expect(res.status).toBe(503)
    expect(res.headers["retry-after"]).toBe("5")
    expect(res.headers).toMatchObject(JSON_HEADERS)
    expect(json(res).error).toBe("temporarily_unavailable")
    expect(sim.isLive(client.refreshToken)).toBe(true)
    expect((await refresh(sim, client, client.refreshToken)).status).toBe(200)
    expect(sim.stats()).toMatchObject({ tokenRequests: 2, refreshes: 1, failures: 1, errors: { status: 1 } })
  })

  it("sends Retry-After as an HTTP date when given a Date, and an empty body when asked", async () => {
    const { sim, client } = await setup()
    const when = new Date(Date.UTC(2026, 9, 21, 7, 28, 0))
    sim.injectFaults({ kind: "status", status: 429, retryAfter: when, body: "empty" })
    const res = await refresh(sim, client, client.refreshToken)
    expect(res.status).toBe(429)
    expect(res.headers["retry-after"]).toBe("Wed, 21 Oct 2026 07:28:00 GMT")
    expect(res.text).toBe("")
  })

  it("with rotate: true, answers 500 after rotating: the sent token is dead, a new one is live", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults({ kind: "status", status: 500, rotate: true })
    const res = await refresh(sim, client, client.refreshToken)
    expect(res.status).toBe(500)
    expect(json(res).error).toBe("server_error")
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(rotatedTo()).toHaveLength(1)
    expect(sim.stats()).toMatchObject({ refreshes: 1, failures: 1 })
  })

  it("applies queued faults in order, one per token request, then serves normally", async () => {
    const { sim, client } = await setup()
    sim.injectFaults({ kind: "status", status: 502 }, { kind: "html" }, { kind: "status", status: 504 })
    expect(sim.pendingFaults()).toHaveLength(3)
    const statuses: Array<number> = []
    for (let i = 0; i < 4; i++) statuses.push((await refresh(sim, client, client.refreshToken)).status)
    expect(statuses).toEqual([502, 502, 504, 200])
    expect(sim.requests().map((r) => r.fault?.split(":")[0])).toEqual(["status", "html", "status", undefined])
    expect(sim.stats().errors).toEqual({ status: 2, html: 1 })
  })

  it("does not consume a fault on requests that are not token requests", async () => {
    const { sim } = await setup()
    sim.injectFaults({ kind: "status", status: 503 })
    await send(sim.apiUrl)
    await send(sim.tokenUrl) // GET: 405
    expect(sim.pendingFaults()).toHaveLength(1)
    sim.clearFaults()
    expect(sim.pendingFaults()).toEqual([])
  })

  it("rejects a malformed fault with an error naming the field", () => {
    return setup().then(({ sim }) => {
      expect(() => sim.injectFaults({ kind: "status", status: 418 } as unknown as Fault)).toThrow(
        SimulatorOptionsError,
      )
      expect(() => sim.injectFaults({ kind: "delay" } as unknown as Fault)).toThrow(/faults\[0\]\.ms/)
      expect(() => sim.injectFaults({ kind: "explode" } as unknown as Fault)).toThrow(/faults\[0\]\.kind/)
      expect(sim.pendingFaults()).toEqual([])
    })
  })
})

describe("connection faults", () => {
  it("resetBeforeProcessing: the client sees a socket error and nothing rotated", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults({ kind: "resetBeforeProcessing" })
    const error = await sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
    })
    expect(["ECONNRESET", "EPIPE"]).toContain(error.code)
    expect(sim.isLive(client.refreshToken)).toBe(true)
    expect(rotatedTo()).toEqual([])
    expect(sim.requests().at(-1)).toMatchObject({
      status: 0,
      refreshed: false,
      fault: "resetBeforeProcessing",
    })
  })

  it("resetAfterRotation: the client sees a socket error and the token DID rotate", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults({ kind: "resetAfterRotation" })
    const error = await sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
    })
    expect(error.code).toBe("ECONNRESET")
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(rotatedTo()).toHaveLength(1)
    expect(sim.stats()).toMatchObject({ refreshes: 1, failures: 1, errors: { resetAfterRotation: 1 } })
  })

  it("stallBody: headers and half the body arrive, then the socket dies; the token rotated", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults({ kind: "stallBody", ms: 200 })
    const started = Date.now()
    const error = await sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
    expect(error.code).toBe("ECONNRESET")
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(rotatedTo()).toHaveLength(1)
  })

  it("delay (after rotation): a client that times out has lost a rotated token", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults({ kind: "delay", ms: 5_000 })
    const error = await sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
      timeoutMs: 200,
    })
    expect(error.code).toBe("ETIMEDOUT")
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(rotatedTo()).toHaveLength(1)
  })

  it("delay (before processing): a client that gives up loses nothing; one that waits gets its tokens", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults(
      { kind: "delay", ms: 400, phase: "beforeProcessing" },
      { kind: "delay", ms: 100, phase: "beforeProcessing" },
    )
    const error = await sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
      timeoutMs: 100,
    })
    expect(error.code).toBe("ETIMEDOUT")
    // The server logs the abandoned request once its 400 ms delay is over.
    await until(() => sim.requests().length === 1)
    expect(sim.isLive(client.refreshToken)).toBe(true)
    expect(rotatedTo()).toEqual([])
    expect(sim.requests().at(-1)).toMatchObject({ status: 0, refreshed: false })
    const started = Date.now()
    const waited = await refresh(sim, client, client.refreshToken)
    expect(waited.status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(90)
    expect(sim.stats()).toMatchObject({ refreshes: 1, failures: 1, errors: { delay: 1 } })
  })
  it("hold (barrier, before processing): neither of two refreshes is processed or answered until both arrived", async () => {
    const { sim, client, rotatedTo } = await setup()
    const barrier = { kind: "hold", until: 2, phase: "beforeProcessing" } as const
    sim.injectFaults(barrier, barrier)
    const answered: number[] = []
    const first = refresh(sim, client, client.refreshToken).then((res) => {
      answered.push(res.status)
      return res
    })
    await sim.whenHeld(1)
    // Held, not slow: nothing has rotated and nothing was answered, however long this takes.
    expect(answered).toEqual([])
    expect(sim.isLive(client.refreshToken)).toBe(true)
    expect(rotatedTo()).toEqual([])
    const second = refresh(sim, client, client.refreshToken)
    const statuses = [(await first).status, (await second).status].sort()
    // Both carried the same refresh token: one rotated it, the other was refused.
    expect(statuses).toEqual([200, 400])
    expect(sim.heldRequests()).toBe(0)
    expect(rotatedTo()).toHaveLength(1)
    expect(sim.stats()).toMatchObject({
      tokenRequests: 2,
      refreshes: 1,
      failures: 1,
      errors: { invalid_grant: 1 },
    })
    expect(sim.requests().map((r) => r.fault)).toEqual([
      "hold:until=2:phase=beforeProcessing",
      "hold:until=2:phase=beforeProcessing",
    ])
  })

  it("hold (after rotation, released by the test): processed at once, answered when released, oldest first", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults({ kind: "hold" }, { kind: "hold" })
    const order: string[] = []
    const winner = refresh(sim, client, client.refreshToken).then((res) => {
      order.push("winner")
      return res
    })
    await sim.whenHeld(1)
    // Processed before it was held: the token has rolled, but its client has not seen the new one.
    expect(sim.isLive(client.refreshToken)).toBe(false)
    expect(rotatedTo()).toHaveLength(1)
    const loser = refresh(sim, client, client.refreshToken).then((res) => {
      order.push("loser")
      return res
    })
    await sim.whenHeld(2)
    expect(sim.heldRequests()).toBe(2)
    expect(sim.releaseHeld(1)).toBe(1)
    expect((await winner).status).toBe(200)
    expect(order).toEqual(["winner"])
    expect(sim.heldRequests()).toBe(1)
    expect(sim.releaseHeld()).toBe(1)
    const refused = await loser
    expect(refused.status).toBe(400)
    expect(json(refused).error).toBe("invalid_grant")
    expect(order).toEqual(["winner", "loser"])
    expect(sim.releaseHeld()).toBe(0)
    expect(sim.stats()).toMatchObject({
      tokenRequests: 2,
      refreshes: 1,
      failures: 1,
      errors: { invalid_grant: 1 },
    })
  })

  it("hold: a bad until or phase is refused naming the field; close() ends held requests and pending waits", async () => {
    const { sim, client } = await setup()
    expect(() => sim.injectFaults({ kind: "hold", until: 0 })).toThrow(
      /faults\[0\]\.until: expected an integer from 1/,
    )
    expect(() => sim.injectFaults({ kind: "hold", phase: "later" } as unknown as Fault)).toThrow(
      /faults\[0\]\.phase/,
    )
    expect(() => sim.releaseHeld(-1)).toThrow(SimulatorOptionsError)
    sim.injectFaults({ kind: "hold" })
    const held = sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), { method: "POST" })
    await sim.whenHeld(1)
    const never = expect(sim.whenHeld(2)).rejects.toThrow(/closed before 2 requests were held/)
    await sim.close()
    expect((await held).code).toBeDefined()
    await never
    await expect(sim.whenHeld(1)).rejects.toThrow(/closed/)
  })

  it("close() ends stalled and delayed connections at once", async () => {
    const { sim, client } = await setup()
    sim.injectFaults({ kind: "stallBody", ms: 60_000 }, { kind: "delay", ms: 60_000 })
    const stalled = sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
    })
    const delayed = sendExpectingSocketError(tutorialUrl(sim, client, client.refreshToken), {
      method: "POST",
    })
    await until(() => sim.pendingFaults().length === 0) // both requests are held by the server
    const started = Date.now()
    await sim.close()
    await Promise.all([stalled, delayed])
    // Without the close, both would hang for their 60 s faults.
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})

describe("response faults", () => {
  it("html: a gateway's HTML error page (502 by default, or the given status); nothing rotated", async () => {
    const { sim, client } = await setup()
    sim.injectFaults({ kind: "html" }, { kind: "html", status: 504 })
    const first = await refresh(sim, client, client.refreshToken)
    expect(first.status).toBe(502)
    expect(first.headers["content-type"]).toBe("text/html")
    expect(first.text).toContain("<html>")
    expect((await refresh(sim, client, client.refreshToken)).status).toBe(504)
    expect(sim.isLive(client.refreshToken)).toBe(true)
  })

  it("quoteRefreshToken: 400 invalid_grant quoting the start of the sent refresh token (30 characters by default); nothing rotated", async () => {
    const { sim, client } = await setup()
    sim.injectFaults({ kind: "quoteRefreshToken" }, { kind: "quoteRefreshToken", chars: 5 })
    const first = await refresh(sim, client, client.refreshToken)
    expect(first.status).toBe(400)
    expect(json(first).error).toBe("invalid_grant")
    expect(json(first).error_description).toBe(
      `Refresh token ${client.refreshToken.slice(0, 30)}... is not valid for this client`,
    )
    expect(json(first).error_description).not.toContain(client.refreshToken.slice(0, 31))
    const second = await refresh(sim, client, client.refreshToken)
    expect(json(second).error_description).toContain(` ${client.refreshToken.slice(0, 5)}...`)
    expect(sim.isLive(client.refreshToken)).toBe(true)
    expect((await refresh(sim, client, client.refreshToken)).status).toBe(200)
  })

  it("malformedJson: 200 application/json that does not parse; the token rotated", async () => {
    const { sim, client, rotatedTo } = await setup()
    sim.injectFaults({ kind: "malformedJson" })
    const res = await refresh(sim, client, client.refreshToken)
    expect(res.status).toBe(200)
    expect(res.headers["content-type"]).toBe("application/json;charset=UTF-8")
    expect(() => JSON.parse(res.text)).toThrow(SyntaxError)
    expect(rotatedTo()).toHaveLength(1)
    expect(sim.isLive(client.refreshToken)).toBe(false)
  })

  it("missingField: 200 without the named field, for each field; rotated each time", async () => {
    const { sim, client } = await setup()
    const fields = ["access_token", "token_type", "expires_in", "refresh_token"] as const
    sim.injectFaults(...fields.map((field) => ({ kind: "missingField" as const, field })))
    let token = client.refreshToken
    for (const field of fields) {
      const body = json(await refresh(sim, client, token))
      expect(body).not.toHaveProperty(field)
      expect(sim.isLive(token)).toBe(false)
      token = sim.liveRefreshTokens(client.clientId)[0] ?? ""
    }
    expect(sim.stats()).toMatchObject({ refreshes: 4, errors: { missingField: 4 } })
  })

  it("wrongTokenType and expiresInString change just that field", async () => {
    const { sim, client } = await setup()
    sim.injectFaults(
      { kind: "wrongTokenType" },
      { kind: "wrongTokenType", tokenType: "DPoP" },
      { kind: "expiresInString" },
    )
    const mac = json(await refresh(sim, client, client.refreshToken))
    expect(mac.token_type).toBe("mac")
    const dpop = json(await refresh(sim, client, String(mac.refresh_token)))
    expect(dpop.token_type).toBe("DPoP")
    const text = json(await refresh(sim, client, String(dpop.refresh_token)))
    expect(text).toMatchObject({ token_type: "Bearer", expires_in: "7200" })
    expect(sim.isLive(String(text.refresh_token))).toBe(true)
  })

  it("expiresIn sends the value as given, and the refresh token still rotates", async () => {
    const { sim, client } = await setup()
    sim.injectFaults(
      { kind: "expiresIn", value: 0 },
      { kind: "expiresIn", value: 1e308 },
      { kind: "expiresIn", value: "soon" },
    )
    const zero = await refresh(sim, client, client.refreshToken)
    expect(zero.text).toContain('"expires_in":0')
    const huge = await refresh(sim, client, String(json(zero).refresh_token))
    expect(huge.text).toContain('"expires_in":1e+308')
    const text = json(await refresh(sim, client, String(json(huge).refresh_token)))
    expect(text.expires_in).toBe("soon")
    expect(sim.isLive(String(text.refresh_token))).toBe(true)
  })

  it("oversizedBody: a valid JSON body of the asked size", async () => {
    const { sim, client } = await setup()
    sim.injectFaults({ kind: "oversizedBody", bytes: 1024 * 1024 })
    const res = await refresh(sim, client, client.refreshToken)
    expect(res.status).toBe(200)
    expect(Buffer.byteLength(res.text)).toBe(1024 * 1024)
    expect(sim.isLive(String(json(res).refresh_token))).toBe(true)
  })

  it("leaves an OAuth error as it is: a body fault changes only a success", async () => {
    const { sim, client } = await setup()
    sim.injectFaults({ kind: "malformedJson" })
    const res = await refresh(sim, client, "unknown-token")
    expect(res.status).toBe(400)
    expect(json(res).error).toBe("invalid_grant")
    expect(sim.pendingFaults()).toEqual([])
    expect(sim.stats().errors).toEqual({ invalid_grant: 1 })
  })
})
