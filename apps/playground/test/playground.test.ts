/**
 * The playground end to end, started the way a user starts it: the real simulator, a real
 * Node-RED 5 process with the example flow, rotations every ~1.5 s (3 s access tokens), and
 * every way it can be stopped: Ctrl-C on `pnpm start` (SIGINT to the process group), SIGTERM to
 * the start process alone, and the start process killed outright (Node-RED must not outlive it).
 */
import { mkdtemp, rm } from "node:fs/promises"
import { createServer, type Server } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { READY_LINE } from "../src/internal/banner.ts"
import { type AdminState, type Launcher, PlaygroundProcess } from "./support/playgroundProcess.ts"
import { commandLine, waitGone } from "./support/processes.ts"

/** The example flow's credentials node id (packages/node-red-tangoe/examples/tangoe-token.json). */
const CREDENTIALS_ID = "c4d2e6f8a1b3c501"

let userDir: string
const running: Array<{ process: PlaygroundProcess; pids: Array<number> }> = []

beforeAll(async () => {
  userDir = await mkdtemp(join(tmpdir(), "tangoe-playground-test-"))
})

afterEach(() => {
  for (const { process, pids } of running.splice(0)) process.kill(pids)
})

afterAll(async () => {
  await rm(userDir, { recursive: true, force: true })
})

const launch = async (launcher: Launcher, env: Record<string, string> = {}) => {
  const playground = await PlaygroundProcess.launch(launcher, {
    PLAYGROUND_USER_DIR: userDir,
    PLAYGROUND_ACCESS_TOKEN_LIFETIME: "3",
    PLAYGROUND_INTERVAL: "1",
    ...env,
  })
  const entry = { process: playground, pids: [] as Array<number> }
  running.push(entry)
  await playground.ready()
  entry.pids = playground.descendants()
  return { playground, pids: entry.pids }
}

/** Every token and API request the simulator saw answered 200. */
const expectAllOk = (state: AdminState) => {
  expect(state.stats.apiUnauthorized).toBe(0)
  expect(state.stats.failures).toBe(0)
  expect(state.stats.errors).toEqual({})
  const notOk = state.requests.filter((r) => !r.path.startsWith("/__admin") && r.status !== 200)
  expect(notOk).toEqual([])
}

/** Throws naming the processes still alive after `timeoutMs`. */
const expectAllGone = async (pids: ReadonlyArray<number>, timeoutMs = 15_000) => {
  const alive = await waitGone(pids, timeoutMs)
  expect(alive.map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([])
}

describe("pnpm start", () => {
  it("rotates the refresh token 3 times with every API call answering 200, prints no secret, and Ctrl-C stops every process it started", async () => {
    const { playground, pids } = await launch("pnpm start")
    // pnpm, the shell it runs the script in, node src/start.ts, and Node-RED at least.
    expect(pids.length).toBeGreaterThanOrEqual(2)
    const commands = pids.map(commandLine)
    expect(commands.some((c) => c.includes("src/start.ts"))).toBe(true)
    expect(commands.some((c) => c.includes("red.js") || c === "node-red")).toBe(true)

    const state = await playground.waitForState(
      (s) => s.stats.refreshes >= 3 && s.stats.apiRequests >= 3,
      45_000,
    )
    expectAllOk(state)
    // The documented Tangoe call: the orders collection, with the tenant and client on every request,
    // and its pages followed (offsets 0, 10, 20 of the 24 orders).
    const api = await playground.apiRequests()
    expect(api.length).toBeGreaterThanOrEqual(4)
    for (const request of api) {
      expect(request).toMatchObject({ method: "GET", path: "/mobileprocurement/v1/orders", status: 200 })
      expect(request.headers["x-tngo-tenant"]).toBe("ACME")
      expect(request.headers.client_id).toBe("tangoe-playground")
      expect(request.headers["x-tngo-context-correlationid"]).toMatch(/^[0-9a-f-]{36}$/)
    }
    expect(new Set(api.map((r) => r.query.offset))).toEqual(new Set(["0", "10", "20"]))
    expect(playground.output).toMatch(/rotation #3: the refresh token rolled/)
    expect(playground.output).toContain(`Node-RED editor   ${playground.editorUrl}`)

    // The seeded secrets, read back from Node-RED's encrypted credentials, never appear in the
    // output; nor does anything shaped like a token (client secrets are 32 hex characters,
    // refresh tokens 42 and access tokens longer: the rotated ones are never on disk in clear).
    const creds = (await playground.flowCredentials())[CREDENTIALS_ID]
    expect(creds?.clientId).toBe("tangoe-playground")
    for (const secret of [creds?.clientSecret, creds?.refreshToken]) {
      expect(secret).toMatch(/^[A-Za-z0-9]{32,}$/)
      expect(playground.output).not.toContain(secret)
    }
    expect(playground.output).not.toMatch(/[A-Za-z0-9_-]{32,}/)

    playground.signalGroup("SIGINT")
    await playground.closed
    await expectAllGone([playground.pid, ...pids])
    expect(playground.output).toContain("[playground] stopped")
  })
})

describe("node src/start.ts", () => {
  it("reuses the user dir with the new simulator's credentials (200s again) and SIGTERM to it alone stops Node-RED too", async () => {
    const { playground, pids } = await launch("node")
    expect(playground.output).toContain("(reused; --fresh starts over)")
    const state = await playground.waitForState(
      (s) => s.stats.refreshes >= 2 && s.stats.apiRequests >= 2,
      30_000,
    )
    expectAllOk(state)

    process.kill(playground.pid, "SIGTERM")
    expect(await playground.exited).toBe(0)
    await expectAllGone(pids)
  })

  it("stops Node-RED when the start process itself is killed (SIGKILL)", async () => {
    const { playground, pids } = await launch("node", { PLAYGROUND_FRESH: "1" })
    expect(playground.output).toContain("(new)")
    expect(pids.length).toBeGreaterThanOrEqual(1)
    process.kill(playground.pid, "SIGKILL")
    await expectAllGone(pids)
  })

  it("stops everything when its parent dies without a word (the start process is re-parented)", async () => {
    const { playground, pids } = await launch("sh")
    const start = pids.find((pid) => commandLine(pid).includes("src/start.ts"))
    expect(start).toBeDefined()
    process.kill(playground.pid, "SIGKILL") // the shell: start.ts and Node-RED are orphaned
    await expectAllGone(pids)
  })

  it("refuses a port in use with exit code 2 and names the flag that moves it", async () => {
    const busy: Server = createServer()
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()))
    const address = busy.address()
    const port = typeof address === "object" && address ? address.port : 0
    try {
      const playground = await PlaygroundProcess.launch("node", {
        PLAYGROUND_USER_DIR: userDir,
        PLAYGROUND_NODE_RED_PORT: String(port),
      })
      running.push({ process: playground, pids: [] })
      expect(await playground.exited).toBe(2)
      expect(playground.output).toContain(`Node-RED cannot listen on 127.0.0.1:${port}`)
      expect(playground.output).toContain("--node-red-port <n> (or PLAYGROUND_NODE_RED_PORT)")
      expect(playground.output).not.toContain(READY_LINE)
    } finally {
      await new Promise((r) => busy.close(r))
    }
  })
})
