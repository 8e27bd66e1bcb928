/**
 * One Tangoe client of the simulator, as every contender needs it: where to send the refresh and
 * with which credentials. Each contender gets its own client, so that rotations never collide.
 */
import type { SeededClient, Simulator } from "@tangoe-token/pingfederate-sim"

/** The token endpoint and one client's credentials (secrets: never printed). */
export interface Endpoint {
  readonly baseUrl: string
  readonly tokenPath: string
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly scope: string
  readonly refreshToken: string
}

/** An endpoint for a seeded client of `sim`. */
export const endpointOf = (sim: Simulator, client: SeededClient): Endpoint => ({
  baseUrl: sim.url,
  tokenPath: new URL(sim.tokenUrl).pathname,
  tokenUrl: sim.tokenUrl,
  clientId: client.clientId,
  clientSecret: client.clientSecret,
  scope: client.scope,
  refreshToken: client.refreshToken,
})

/** Registers a new client on `sim` and returns its endpoint. */
export const newEndpoint = (sim: Simulator): Endpoint => endpointOf(sim, sim.addClient())
