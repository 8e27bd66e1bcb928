/** The `tls` option: the same token endpoint over HTTPS, with a count of TLS handshakes. */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { Agent, request } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { startSimulator } from "../src/index.ts"

const dir = mkdtempSync(join(tmpdir(), "sim-tls-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
execFileSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "cert.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ],
  { stdio: "ignore" },
)
const key = readFileSync(join(dir, "key.pem"))
const cert = readFileSync(join(dir, "cert.pem"))

const post = (url: string, agent: Agent): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, ca: cert }, (res) => {
      let body = ""
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        body += chunk
      })
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on("error", reject)
    req.end()
  })

describe("tls", () => {
  it("serves the token endpoint over HTTPS and counts one handshake per connection", async () => {
    const sim = await startSimulator({ tls: { key, cert } })
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: cert })
    try {
      expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      let refreshToken = sim.clients[0]?.refreshToken ?? ""
      const client = sim.clients[0]
      for (let i = 0; i < 2; i++) {
        const url = new URL(sim.tokenUrl)
        url.search = new URLSearchParams({
          grant_type: "refresh_token",
          client_id: client?.clientId ?? "",
          client_secret: client?.clientSecret ?? "",
          refresh_token: refreshToken,
        }).toString()
        const { status, body } = await post(url.href, agent)
        expect(status).toBe(200)
        refreshToken = (JSON.parse(body) as { refresh_token: string }).refresh_token
      }
      expect(sim.stats().refreshes).toBe(2)
      expect(sim.tlsHandshakes()).toBe(1)
    } finally {
      agent.destroy()
      await sim.close()
    }
  })

  it("counts no handshake without tls", async () => {
    const sim = await startSimulator()
    try {
      expect(sim.url).toMatch(/^http:\/\//)
      expect(sim.tlsHandshakes()).toBe(0)
    } finally {
      await sim.close()
    }
  })
})
