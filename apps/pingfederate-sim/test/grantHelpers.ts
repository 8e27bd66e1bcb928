/**
 * Request builders for the password and validate_bearer grants (Tangoe's documented query form, a
 * form body, HTTP Basic), the admin endpoint, and the Tangoe-style API with its required headers.
 */
import type { SeededClient, Simulator } from "../src/index.ts"
import { basicAuth, queryGrantUrl, type RawResponse, type RequestInit, send } from "./helpers.ts"

/** PingFederate's validate_bearer grant type. */
export const VALIDATE_BEARER = "urn:pingidentity.com:oauth2:grant_type:validate_bearer"

type Credentials = Pick<SeededClient, "clientId" | "clientSecret">

/** The docs' password request: POST with every parameter in the query string. */
export const passwordUrl = (
  sim: Simulator,
  client: Credentials,
  username: string,
  password: string,
  scope: string | null = "MOBPROC",
): string =>
  queryGrantUrl(
    sim,
    client,
    "password",
    [
      ["username", username],
      ["password", password],
    ],
    scope,
  )

/** A password grant, the documented way. */
export const passwordGrant = (
  sim: Simulator,
  client: Credentials,
  username: string,
  password: string,
  scope: string | null = "MOBPROC",
): Promise<RawResponse> => send(passwordUrl(sim, client, username, password, scope), { method: "POST" })

/** A password grant with a form body, client auth by parameters or (with `basic`) HTTP Basic. */
export const passwordGrantWithBody = (
  sim: Simulator,
  client: Credentials,
  username: string,
  password: string,
  basic = false,
): Promise<RawResponse> => {
  const params = new URLSearchParams({ grant_type: "password", scope: "MOBPROC", username, password })
  if (!basic) {
    params.set("client_id", client.clientId)
    params.set("client_secret", client.clientSecret)
  }
  return send(sim.tokenUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      ...(basic ? { Authorization: basicAuth(client.clientId, client.clientSecret) } : {}),
    },
    body: params.toString(),
  })
}

/** The docs' validation request: the token endpoint, every parameter in the query string. */
export const validate = (sim: Simulator, client: Credentials, token: string): Promise<RawResponse> =>
  send(
    `${sim.tokenUrl}?${new URLSearchParams({
      grant_type: VALIDATE_BEARER,
      token,
      client_id: client.clientId,
      client_secret: client.clientSecret,
    })}`,
    { method: "POST" },
  )

/** An admin call with a JSON body. */
export const admin = (sim: Simulator, path: string, method = "GET", body?: unknown): Promise<RawResponse> =>
  send(`${sim.adminUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

/** A call to the Tangoe-style API with the documented headers (override or drop any with `headers`). */
export const callApi = (
  sim: Simulator,
  pathAndQuery: string,
  accessToken: string | undefined,
  client: Pick<SeededClient, "clientId" | "tenant">,
  headers: Record<string, string | undefined> = {},
  init: RequestInit = {},
): Promise<RawResponse> => {
  const all: Record<string, string | undefined> = {
    "X-TNGO-TENANT": client.tenant,
    client_id: client.clientId,
    ...(accessToken === undefined ? {} : { Authorization: `Bearer ${accessToken}` }),
    ...headers,
  }
  const defined = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >
  const url = pathAndQuery.startsWith("http") ? pathAndQuery : `${sim.url}${pathAndQuery}`
  return send(url, { ...init, headers: defined })
}
