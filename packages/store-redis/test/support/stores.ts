/**
 * Stores and token clients as the test files open them: each on its own key, each remembered so the
 * file's `afterAll` closes it.
 */
import { createTokenClient, type TokenClient, type TokenClientOptions } from "@tangoe-token/core"
import type { SeededClient, Simulator } from "@tangoe-token/pingfederate-sim"
import { type RedisStoreOptions, type RedisTokenStore, redisStore } from "../../src/index.ts"

/** Something a test file closes at its end. */
export interface Closable {
  readonly close: () => Promise<void>
}

/** Opens stores (`environment: "qa"`, a fresh client id each) and adds each to `opened`. */
export const storeOpener = (opened: Array<Closable>) => {
  let counter = 0
  return (url: string, options: Partial<RedisStoreOptions> = {}): RedisTokenStore => {
    const store = redisStore({ url, environment: "qa", clientId: `client-${++counter}`, ...options })
    opened.push(store)
    return store
  }
}

/** What {@link simulatorClients} opens: a simulator client, its store on `url` and a token client. */
export interface SimulatorClient {
  readonly seeded: SeededClient
  /** The store's namespace, for another process's store on the same key. */
  readonly namespace: string
  readonly store: RedisTokenStore
  readonly client: TokenClient
}

/**
 * Opens, for each call, a new client of the simulator (read at the call: test files start it in
 * `beforeAll`) with a token client on a Redis store of its own namespace (`<prefix>-<n>`); both are
 * added to `closing`.
 */
export const simulatorClients = (
  simulator: () => Simulator,
  prefix: string,
  closing: Array<() => Promise<void>>,
) => {
  let counter = 0
  return (
    url: string,
    options: {
      readonly store?: Partial<RedisStoreOptions>
      readonly client?: Partial<TokenClientOptions>
    } = {},
  ): SimulatorClient => {
    const sim = simulator()
    const seeded = sim.addClient()
    const namespace = `${prefix}-${++counter}`
    const store = redisStore({
      url,
      environment: { tokenUrl: sim.tokenUrl },
      clientId: seeded.clientId,
      namespace,
      ...options.store,
    })
    const client = createTokenClient({
      environment: { tokenUrl: sim.tokenUrl },
      clientId: seeded.clientId,
      clientSecret: seeded.clientSecret,
      refreshToken: seeded.refreshToken,
      scope: seeded.scope,
      store,
      ...options.client,
    })
    closing.push(store.close, client.close)
    return { seeded, namespace, store, client }
  }
}
