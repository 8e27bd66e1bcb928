/**
 * Small programs a user would write against the published packages, run with plain `node` in the
 * consumer folders (nothing of the workspace is reachable from there). Secrets come in through the
 * `CHECK` environment variable (JSON), never argv; each program prints one JSON line without them.
 */

/** The body both core programs share: simulator, refresh, API call, one JSON line. */
const coreBody = (resolved: string) => `const sim = await startSimulator()
const [client] = sim.clients
const tokens = await refreshTokenSet({
  environment: { tokenUrl: sim.tokenUrl },
  clientId: client.clientId,
  clientSecret: client.clientSecret,
  refreshToken: client.refreshToken,
  scope: "MOBPROC",
})
const api = await fetch(sim.apiUrl, { headers: { authorization: "Bearer " + Redacted.value(tokens.accessToken) } })
const next = Redacted.value(tokens.refreshToken)
console.log(JSON.stringify({
  resolved: ${resolved},
  api: api.status,
  rotated: next !== client.refreshToken && sim.isLive(next) && !sim.isLive(client.refreshToken),
  refreshes: sim.stats().refreshes,
}))
await sim.close()
`

/** core through `import`, with the simulator started from its published package. */
export const CORE_ESM = `import { refreshTokenSet } from "@tangoe-token/core"
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Redacted from "effect/Redacted"

${coreBody('import.meta.resolve("@tangoe-token/core")')}`

/** core through `require`, with the simulator required from its published package. */
export const CORE_CJS = `const { refreshTokenSet } = require("@tangoe-token/core")
const { startSimulator } = require("@tangoe-token/pingfederate-sim")
const Redacted = require("effect/Redacted")

const main = async () => {
${coreBody('require.resolve("@tangoe-token/core")')}}
main().catch((error) => { console.error(String(error)); process.exit(1) })
`

/**
 * store-redis with its peers as npm installed them: two token clients (two "processes") share one
 * Redis store; both hand out the same access token after one refresh, and the API accepts it.
 */
export const STORE_REDIS_ESM = `import { createTokenClient } from "@tangoe-token/core"
import { redisStore } from "@tangoe-token/store-redis"
import { createRequire } from "node:module"

const check = JSON.parse(process.env.CHECK)
const environment = { tokenUrl: check.tokenUrl }
const make = () => {
  const store = redisStore({ url: check.redisUrl, environment, clientId: check.clientId })
  const client = createTokenClient({
    environment,
    clientId: check.clientId,
    clientSecret: check.clientSecret,
    refreshToken: check.refreshToken,
    scope: "MOBPROC",
    store,
  })
  return { store, client }
}
const a = make()
const b = make()
const first = await a.client.getAccessToken()
const second = await b.client.getAccessToken()
const api = await b.client.fetch(check.apiUrl)
const require = createRequire(import.meta.url)
console.log(JSON.stringify({
  sameToken: first === second,
  api: api.status,
  cjs: typeof require("@tangoe-token/store-redis").redisStore,
  coreVersion: require("@tangoe-token/core/package.json").version,
}))
for (const side of [a, b]) {
  await side.client.close()
  await side.store.close()
}
`
