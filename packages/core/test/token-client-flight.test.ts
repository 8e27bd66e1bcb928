/**
 * The Promise client's side of a flight (`flightPromise`): callers wait on the flight's Promise, not
 * in a fiber each; the refresh still runs in the client's scope, so `close()` ends it. And the token
 * call's own time limit (`sendWithinDeadline`) for a send that throws instead of rejecting.
 */
import { assert, describe, it } from "vitest"
import { fromPromise, type HttpTransportRequest, type HttpTransportResponse } from "../src/HttpTransport.ts"
import { RefreshError } from "../src/RefreshError.ts"
import { createTokenClient } from "../src/TokenClient.ts"
import { TokenManagerClosed } from "../src/TokenManagerError.ts"
import { offlineClientOptions } from "./support/clientOptions.ts"

const options = offlineClientOptions

const tokenResponse = (n: number): HttpTransportResponse => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    token_type: "Bearer",
    expires_in: 7200,
    access_token: `access-${n}`,
    refresh_token: `refresh-${n + 1}`,
  }),
})

/** A transport whose sends wait until the test releases them; `sent` resolves at each send. */
const gatedTransport = () => {
  const signals: Array<AbortSignal> = []
  const releases: Array<() => void> = []
  let onSend: (() => void) | undefined
  const transport = fromPromise(
    (_request: HttpTransportRequest, signal: AbortSignal) =>
      new Promise<HttpTransportResponse>((resolve, reject) => {
        signals.push(signal)
        const n = signals.length
        releases.push(() => resolve(tokenResponse(n)))
        signal.addEventListener("abort", () =>
          reject(Object.assign(new Error("aborted"), { code: "ABORT_ERR" })),
        )
        onSend?.()
      }),
  )
  const nextSend = () =>
    new Promise<void>((resolve) => {
      onSend = resolve
    })
  return { transport, signals, releases, nextSend }
}

describe("the Promise client's flight", () => {
  it("concurrent getAccessToken and refresh callers share one token request and one answer", async () => {
    const gate = gatedTransport()
    const client = createTokenClient({ ...options, transport: gate.transport })
    const sent = gate.nextSend()
    const tokens = Array.from({ length: 50 }, () => client.getAccessToken())
    const forced = client.refresh()
    await sent
    gate.releases[0]?.()
    const all = await Promise.all(tokens)
    assert.deepStrictEqual(new Set(all), new Set(["access-1"]))
    assert.strictEqual((await forced).accessToken, "access-1")
    assert.strictEqual(gate.signals.length, 1)
    // Served from the cache afterwards: no second request.
    assert.strictEqual(await client.getAccessToken(), "access-1")
    assert.strictEqual(gate.signals.length, 1)
    await client.close()
  })

  it("close() during a refresh aborts the request and rejects every waiting caller with TokenManagerClosed", async () => {
    const gate = gatedTransport()
    const client = createTokenClient({ ...options, transport: gate.transport })
    const sent = gate.nextSend()
    const waiting = [client.getAccessToken(), client.refresh(), client.getToken()]
    await sent
    await client.close()
    for (const caller of waiting) {
      const error = await caller.then(
        () => undefined,
        (e: unknown) => e,
      )
      assert.instanceOf(error, TokenManagerClosed)
    }
    assert.isTrue(gate.signals[0]?.aborted)
    const later = await client.getAccessToken().then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.instanceOf(later, TokenManagerClosed)
  })

  it("a send that throws instead of rejecting is a transport failure that names its code", async () => {
    const transport = fromPromise(() => {
      throw Object.assign(
        new Error("connect ECONNREFUSED https://127.0.0.1:9/?client_secret=client-secret-value"),
        {
          code: "ECONNREFUSED",
        },
      )
    })
    const client = createTokenClient({ ...options, transport })
    const error = await client.getAccessToken().then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.instanceOf(error, RefreshError)
    if (error instanceof RefreshError) {
      assert.strictEqual(error.reason._tag, "Transport")
      if (error.reason._tag === "Transport") assert.strictEqual(error.reason.code, "ECONNREFUSED")
      assert.notInclude(error.message, "client-secret-value")
    }
    await client.close()
  })
})
