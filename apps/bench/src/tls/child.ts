/**
 * The TLS round trip, run in a child process whose `NODE_EXTRA_CA_CERTS` holds the self-signed
 * certificate (every contender then trusts it as users would, without code of its own): the simulator
 * serves HTTPS, each contender refreshes in interleaved rounds, and the TLS handshakes the server
 * completes during each contender's turns are counted. Prints one JSON line.
 *
 * Usage: node src/tls/child.ts <key.pem> <cert.pem> <warmup> <rounds>
 */
import { readFileSync } from "node:fs"
import { performance } from "node:perf_hooks"
import { startSimulator } from "@tangoe-token/pingfederate-sim"
import { allRefreshers } from "../contenders/refreshers.ts"
import { newEndpoint } from "../endpoint.ts"
import { interleave } from "../interleave.ts"
import { summarize } from "../stats.ts"

const [keyPath, certPath, warmup, rounds] = process.argv.slice(2)
if (keyPath === undefined || certPath === undefined)
  throw new Error("usage: child.ts <key> <cert> <warmup> <rounds>")
const sim = await startSimulator({ tls: { key: readFileSync(keyPath), cert: readFileSync(certPath) } })
const contenders = allRefreshers(() => newEndpoint(sim))
const handshakes = new Map(contenders.map((c) => [c.name, 0]))
const failures = new Map(contenders.map((c) => [c.name, 0]))
try {
  const before = sim.stats()
  const samples = await interleave(
    contenders,
    { warmup: Number(warmup), rounds: Number(rounds) },
    async (c) => {
      const shakes = sim.tlsHandshakes()
      const start = performance.now()
      try {
        await c.once()
      } catch {
        failures.set(c.name, (failures.get(c.name) ?? 0) + 1)
      }
      const elapsed = performance.now() - start
      handshakes.set(c.name, (handshakes.get(c.name) ?? 0) + sim.tlsHandshakes() - shakes)
      return elapsed
    },
  )
  const after = sim.stats()
  const out = {
    url: sim.url.replace(/:\d+$/, ""),
    contenders: contenders.map((c) => ({
      name: c.name,
      ...summarize(samples.get(c.name) ?? []),
      handshakes: handshakes.get(c.name) ?? 0,
      failures: failures.get(c.name) ?? 0,
    })),
    tokenRequests: after.tokenRequests - before.tokenRequests,
    successfulRotations: after.refreshes - before.refreshes,
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
} finally {
  for (const c of contenders) await c.close()
  await sim.close()
}
process.exit(0)
