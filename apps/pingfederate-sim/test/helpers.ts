/**
 * Test helpers: a raw `node:http` client (one connection per request, so every test sees exactly what
 * the server sent, socket errors included), request builders for Tangoe's documented query form, the
 * form body and HTTP Basic, and a manual clock.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http"
import { onTestFinished } from "vitest"
import { type SeededClient, type Simulator, type SimulatorOptions, startSimulator } from "../src/index.ts"

/** A response read in full. */
export interface RawResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
}

/** What a request may set. */
export interface RequestInit {
  readonly method?: string
  readonly headers?: Record<string, string>
  readonly body?: string | Buffer
  /** Abort (destroy the socket) after this many milliseconds. */
  readonly timeoutMs?: number
}

/** Sends one request on a fresh connection; rejects on any socket error, also one in the middle of the body. */
export const send = (url: string, init: RequestInit = {}): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: init.method ?? "GET", headers: init.headers ?? {}, agent: false },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("error", reject)
        res.on("aborted", () => reject(Object.assign(new Error("response aborted"), { code: "ECONNRESET" })))
        res.on("end", () => {
          if (!res.complete)
            return reject(Object.assign(new Error("incomplete response"), { code: "ECONNRESET" }))
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          })
        })
      },
    )
    req.on("error", reject)
    if (init.timeoutMs !== undefined) {
      req.setTimeout(init.timeoutMs, () =>
        req.destroy(Object.assign(new Error("client timeout"), { code: "ETIMEDOUT" })),
      )
    }
    req.end(init.body)
  })

/** Sends a request that must fail at the socket level; returns the error. */
export const sendExpectingSocketError = async (
  url: string,
  init: RequestInit = {},
): Promise<NodeJS.ErrnoException> => {
  try {
    const res = await send(url, init)
    throw new Error(`expected a socket error, got HTTP ${res.status}`)
  } catch (error) {
    if (error instanceof Error && error.message.startsWith("expected a socket error")) throw error
    return error as NodeJS.ErrnoException
  }
}

/** Parses a JSON body. */
export const json = (res: RawResponse): Record<string, unknown> =>
  JSON.parse(res.text) as Record<string, unknown>

/** Starts a simulator that closes when the test ends. */
export const start = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  const sim = await startSimulator(options)
  onTestFinished(() => sim.close())
  return sim
}

/** The only client of a simulator started with defaults. */
export const firstClient = (sim: Simulator): SeededClient => {
  const client = sim.clients[0]
  if (client === undefined) throw new Error("no client")
  return client
}

/**
 * A token request in Tangoe's documented form: POST with every parameter in the query string, in the
 * docs' order (grant type, client, scope, then the grant's own parameters). `scope: null` leaves it out.
 */
export const queryGrantUrl = (
  sim: Simulator,
  client: Pick<SeededClient, "clientId" | "clientSecret">,
  grantType: string,
  grantParams: ReadonlyArray<readonly [string, string]>,
  scope: string | null = "MOBPROC",
): string => {
  const params = new URLSearchParams({
    grant_type: grantType,
    client_id: client.clientId,
    client_secret: client.clientSecret,
  })
  if (scope !== null) params.set("scope", scope)
  for (const [name, value] of grantParams) params.set(name, value)
  return `${sim.tokenUrl}?${params}`
}

/** The tutorial's URL: every parameter in the query string, in the tutorial's order. */
export const tutorialUrl = (
  sim: Simulator,
  client: Pick<SeededClient, "clientId" | "clientSecret">,
  refreshToken: string,
  /** `null` leaves scope out. */
  scope: string | null = "MOBPROC",
): string => queryGrantUrl(sim, client, "refresh_token", [["refresh_token", refreshToken]], scope)

export const refresh = (
  sim: Simulator,
  client: Pick<SeededClient, "clientId" | "clientSecret">,
  refreshToken: string,
  scope: string | null = "MOBPROC",
  init: RequestInit = {},
): Promise<RawResponse> => send(tutorialUrl(sim, client, refreshToken, scope), { method: "POST", ...init })

/** Every refresh parameter with client authentication by parameters, for a form body. */
export const bodyParams = (
  client: Pick<SeededClient, "clientId" | "clientSecret">,
  refreshToken: string,
) => ({
  grant_type: "refresh_token",
  client_id: client.clientId,
  client_secret: client.clientSecret,
  refresh_token: refreshToken,
})

/** Refreshes with a form body. */
export const refreshWithBody = (
  sim: Simulator,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<RawResponse> =>
  send(sim.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(params).toString(),
  })

/** RFC 6749 Appendix B: form-urlencode id and secret, then base64 `id:secret`. */
export const basicAuth = (id: string, secret: string): string => {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+")
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString("base64")}`
}

/** A clock the test moves by hand. */
export const manualClock = (): { readonly clock: () => number; advance(ms: number): void } => {
  let now = Date.now()
  return {
    clock: () => now,
    advance: (ms) => {
      now += ms
    },
  }
}

/** Calls the protected API with a bearer token. */
export const ping = (sim: Simulator, accessToken?: string): Promise<RawResponse> =>
  send(sim.apiUrl, accessToken === undefined ? {} : { headers: { Authorization: `Bearer ${accessToken}` } })

/** Asserts the headers every token endpoint JSON response carries. */
export const JSON_HEADERS = {
  "content-type": "application/json;charset=UTF-8",
  "cache-control": "no-store",
  pragma: "no-cache",
} as const

/** A promise that resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves once `condition` holds, checked every 5 ms: waits for a state, not for a time (bounded by the test's own time limit). */
export const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await sleep(5)
}
