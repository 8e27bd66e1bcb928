/**
 * The admin endpoint's routes for service accounts, killing token chains and the API's received
 * headers: seed and list service accounts, unlock them, revoke token families, age refresh tokens
 * past their idle timeout, and read what the protected APIs received. Only the route that creates a
 * service account answers a secret (its password), on purpose.
 */
import type { RevokeSpec, Simulator } from "../Simulator.ts"
import { fail, onlyKeys, record, text } from "./validate.ts"

/** One admin handler: the simulator and the parsed JSON body in, status and JSON body out. */
export type ChainHandler = (sim: Simulator, body: unknown) => readonly [status: number, body: unknown]

/** The routes, by path under `/__admin` and method. */
export const CHAIN_ROUTES: Readonly<Record<string, Readonly<Record<string, ChainHandler>>>> = {
  "/service-accounts": {
    GET: (sim) => [200, { serviceAccounts: sim.serviceAccountStats() }],
    POST: (sim, body) => {
      const spec = record("serviceAccount", body ?? {})
      onlyKeys("serviceAccount", spec, ["username", "password"])
      return [201, sim.addServiceAccount(spec as { username: string; password?: string })]
    },
  },
  "/service-accounts/unlock": {
    POST: (sim, body) => {
      const input = record("unlock", body ?? {})
      onlyKeys("unlock", input, ["username"])
      const username = input.username === undefined ? undefined : text("username", input.username)
      return [200, { unlocked: sim.unlockServiceAccount(username) }]
    },
  },
  "/revoke": {
    POST: (sim, body) => [200, { revoked: sim.revoke(record("revoke", body ?? {}) as RevokeSpec) }],
  },
  "/age-refresh-tokens": {
    POST: (sim, body) => {
      const input = record("age", body ?? {})
      onlyKeys("age", input, ["seconds", "clientId"])
      if (input.seconds === undefined) fail("seconds", "a number of seconds >= 0", undefined)
      const clientId = input.clientId === undefined ? undefined : text("clientId", input.clientId)
      return [200, { aged: sim.ageRefreshTokens(input.seconds as number, clientId) }]
    },
  },
  "/api-requests": {
    GET: (sim) => [200, { requests: sim.apiRequests() }],
  },
}
