/**
 * A scripted HttpTransport for unit tests: each call takes the next scripted outcome and records
 * the request it got.
 */
import * as Effect from "effect/Effect"
import {
  HttpTransport,
  HttpTransportFailure,
  type HttpTransportRequest,
  type HttpTransportResponse,
} from "../../src/HttpTransport.ts"

export type Outcome =
  | { readonly respond: HttpTransportResponse }
  | { readonly fail: { readonly code: string; readonly mayHaveReachedServer: boolean } }
  | { readonly hang: true }

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Outcome => ({
  respond: {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  },
})

export const oauthError = (status: number, error: string, headers: Record<string, string> = {}): Outcome =>
  json(status, { error, error_description: `simulated ${error}` }, headers)

export const ok = (fields: Record<string, unknown> = {}): Outcome =>
  json(200, {
    token_type: "Bearer",
    expires_in: 7200,
    access_token: "access-1",
    refresh_token: "refresh-2",
    ...fields,
  })

export const refused: Outcome = { fail: { code: "ECONNREFUSED", mayHaveReachedServer: false } }
export const reset: Outcome = { fail: { code: "ECONNRESET", mayHaveReachedServer: true } }
export const hang: Outcome = { hang: true }

export interface FakeTransport {
  readonly transport: HttpTransport
  readonly requests: Array<HttpTransportRequest>
  readonly calls: () => number
}

/** Outcomes are consumed in order; the last one repeats. */
export const fakeTransport = (...outcomes: ReadonlyArray<Outcome>): FakeTransport => {
  const requests: Array<HttpTransportRequest> = []
  const transport: HttpTransport = {
    send: (request) =>
      Effect.suspend(() => {
        const outcome = outcomes[Math.min(requests.length, outcomes.length - 1)]
        requests.push(request)
        if (outcome === undefined) return Effect.die(new Error("no scripted outcome"))
        if ("respond" in outcome) return Effect.succeed(outcome.respond)
        if ("fail" in outcome) return Effect.fail(new HttpTransportFailure(outcome.fail))
        return Effect.never
      }),
  }
  return { transport, requests, calls: () => requests.length }
}

export const provideTransport =
  (fake: FakeTransport) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, HttpTransport, fake.transport)
