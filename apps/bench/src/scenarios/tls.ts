/**
 * Scenario 9, refresh round trip over TLS: the simulator behind a loopback HTTPS server with a
 * self-signed certificate made at run time with `openssl`, trusted through `NODE_EXTRA_CA_CERTS` in a
 * child process (src/tls/child.ts). Every contender refreshes in interleaved rounds; the server counts
 * TLS handshakes, so a contender that opens a connection per refresh shows it.
 */
import { execFile } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { round, type ScenarioResult, target } from "../result.ts"
import type { Settings } from "../settings.ts"
import { ratio } from "../stats.ts"

const run = promisify(execFile)
const CHILD = join(import.meta.dirname, "..", "tls", "child.ts")
const OURS = "@tangoe-token/core (Promise)"
const PLAIN = "plain fetch"

interface ChildContender {
  readonly name: string
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
  readonly handshakes: number
  readonly failures: number
}

interface ChildReport {
  readonly contenders: ReadonlyArray<ChildContender>
  readonly tokenRequests: number
  readonly successfulRotations: number
}

/** A self-signed EC certificate for 127.0.0.1, valid one day. */
const makeCertificate = async (dir: string): Promise<{ key: string; cert: string }> => {
  const key = join(dir, "key.pem")
  const cert = join(dir, "cert.pem")
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "1",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1",
  ])
  return { key, cert }
}

/** Runs the TLS scenario. */
export const tls = async (settings: Settings): Promise<ScenarioResult> => {
  const dir = await mkdtemp(join(tmpdir(), "tangoe-bench-tls-"))
  try {
    const { key, cert } = await makeCertificate(dir)
    const { stdout } = await run(
      process.execPath,
      [CHILD, key, cert, String(settings.tls.warmup), String(settings.tls.rounds)],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert }, timeout: 300_000, maxBuffer: 1 << 20 },
    )
    const report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as ChildReport
    const byName = new Map(report.contenders.map((c) => [c.name, c]))
    const plain = byName.get(PLAIN)?.median ?? Number.NaN
    const ours = byName.get(OURS)
    const perContender = settings.tls.warmup + settings.tls.rounds
    const rows = report.contenders.map((c) => ({
      contender: c.name,
      "median ms": round(c.median),
      "min ms": round(c.min),
      "max ms": round(c.max),
      "x plain fetch": round(ratio(c.median, plain) ?? Number.NaN),
      "TLS handshakes": c.handshakes,
      failures: c.failures,
    }))
    const peers = report.contenders.filter((c) => c.name !== OURS && c.name !== PLAIN && c.failures === 0)
    const best = peers.reduce<ChildContender | undefined>(
      (a, b) => (a === undefined || b.median < a.median ? b : a),
      undefined,
    )
    const vsPlain = ours === undefined ? null : ratio(ours.median, plain)
    const vsBest = ours === undefined || best === undefined ? null : ratio(ours.median, best.median)
    return {
      id: "tls",
      title: `9. Refresh round trip over TLS: ${settings.tls.rounds} refreshes per contender (loopback HTTPS)`,
      columns: ["contender", "median ms", "min ms", "max ms", "x plain fetch", "TLS handshakes", "failures"],
      rows,
      targets: [
        target(
          "ours vs plain fetch over TLS",
          vsPlain === null ? null : round(vsPlain),
          "<= 1.10x",
          (v) => v <= 1.1,
          `${round(ours?.median ?? Number.NaN)} ms vs ${round(plain)} ms (medians of ${settings.tls.rounds})`,
        ),
        target(
          "ours vs fastest peer over TLS",
          vsBest === null ? null : round(vsBest),
          "< 1.0x",
          (v) => v < 1,
          `fastest peer: ${best?.name ?? "none"} at ${round(best?.median ?? Number.NaN)} ms`,
        ),
        target(
          "our TLS handshakes (connection reuse)",
          ours?.handshakes ?? null,
          "<= 1",
          (v) => v <= 1,
          `over ${perContender} refreshes`,
        ),
      ],
      facts: {
        refreshesExpected: report.contenders.length * perContender,
        tokenRequests: report.tokenRequests,
        successfulRotations: report.successfulRotations,
        ourHandshakes: ours?.handshakes ?? null,
        ourFailures: ours?.failures ?? null,
      },
      notes: [
        "The certificate is made at run time (`openssl req -x509`, EC P-256, CN and SAN 127.0.0.1) and trusted through NODE_EXTRA_CA_CERTS in the child process: no contender is given a CA in code.",
        "TLS handshakes are the server's `secureConnection` events during each contender's turns; a reused connection costs none.",
      ],
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
