#!/usr/bin/env node
/**
 * Measures (does not assert) the start-up time of `tangoe-token token` with a valid cached token
 * against `node -e 0`: the median of 10 runs each, interleaved. Needs a built dist/cli.mjs; writes
 * a store with a token valid for an hour into a temporary HOME, so no server is contacted.
 *
 *   node scripts/startup.mjs [runs]
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const runs = Number(process.argv[2] ?? 10)
const cli = join(import.meta.dirname, "..", "dist", "cli.mjs")
const home = mkdtempSync(join(tmpdir(), "tangoe-startup-"))
const state = join(home, "state", "tangoe-token")
const config = join(home, "config", "tangoe-token")
mkdirSync(state, { recursive: true })
mkdirSync(config, { recursive: true })
const now = Date.now()
writeFileSync(
  join(state, "token.json"),
  JSON.stringify({
    version: 1,
    token: {
      refreshToken: "startup-refresh-token",
      accessToken: "startup-access-token",
      tokenType: "Bearer",
      expiresAt: now + 3_600_000,
      issuedAt: now,
      scope: "MOBPROC",
      generation: 1,
      updatedAt: now,
    },
  }),
  { mode: 0o600 },
)
writeFileSync(
  join(config, "config.json"),
  JSON.stringify({
    environment: "http://127.0.0.1:9/as/token.oauth2",
    clientId: "startup",
    clientSecret: "startup-secret",
  }),
  { mode: 0o600 },
)
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_STATE_HOME: join(home, "state"),
  XDG_CONFIG_HOME: join(home, "config"),
}

const time = (args) => {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { env, encoding: "utf8" })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`)
  return ms
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2
}

const out = spawnSync(process.execPath, [cli, "token"], { env, encoding: "utf8" })
if (out.stdout.trim() !== "startup-access-token")
  throw new Error(`unexpected output: ${out.stdout} ${out.stderr}`)
time(["-e", "0"])
const base = []
const cmd = []
for (let i = 0; i < runs; i++) {
  base.push(time(["-e", "0"]))
  cmd.push(time([cli, "token"]))
}
const b = median(base)
const c = median(cmd)
console.log(`node -e 0:          median ${b.toFixed(1)} ms`)
console.log(`tangoe-token token: median ${c.toFixed(1)} ms (${(c / b).toFixed(2)}x)`)
console.log(`dist/cli.mjs: ${(statSync(cli).size / 1024).toFixed(1)} kB`)
rmSync(home, { recursive: true, force: true })
