/**
 * A real Node-RED runtime (node-red 5, a devDependency of this app) on a fresh user dir where the
 * published Node-RED package was installed with npm, driven through its admin API on 127.0.0.1:
 * list the node sets, deploy a flow, fire an inject node.
 */
import { randomBytes } from "node:crypto"
import { writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { freePort } from "@tangoe-token/test-support/ports"
import { type Running, start } from "./consumer.ts"
import { cleanEnv } from "./exec.ts"

const require = createRequire(import.meta.url)

/** A node of a Node-RED flow, as flows.json holds it. */
export interface FlowNode {
  readonly id: string
  readonly type: string
  readonly [key: string]: unknown
}

/** A node set as `GET /nodes` lists it. */
export interface NodeSet {
  readonly id: string
  readonly module: string
  readonly enabled: boolean
  readonly types: readonly string[]
  readonly err?: unknown
}

/** A running Node-RED and its admin API. */
export interface NodeRed {
  readonly url: string
  readonly process: Running
  nodes(): Promise<NodeSet[]>
  deploy(flow: readonly FlowNode[]): Promise<void>
  inject(id: string): Promise<void>
}

/** Starts Node-RED on `userDir` (loopback, telemetry and palette installs off) and waits for its API. */
export const startNodeRed = async (userDir: string): Promise<NodeRed> => {
  const port = await freePort()
  const settings = {
    uiHost: "127.0.0.1",
    uiPort: port,
    userDir,
    flowFile: "flows.json",
    credentialSecret: randomBytes(24).toString("hex"),
    logging: { console: { level: "info", metrics: false, audit: false } },
    externalModules: { palette: { allowInstall: false }, modules: { allowInstall: false } },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
  }
  const settingsFile = join(userDir, "settings.js")
  await writeFile(settingsFile, `module.exports = ${JSON.stringify(settings, null, 2)}\n`)
  const redJs = join(dirname(require.resolve("node-red/package.json")), "red.js")
  const running = start(process.execPath, [redJs, "--userDir", userDir, "--settings", settingsFile], {
    cwd: userDir,
    env: cleanEnv({ NODE_RED_ENABLE_TOURS: "false" }),
  })
  const url = `http://127.0.0.1:${port}`
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { accept: "application/json", "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    })
    const text = await response.text()
    if (!response.ok)
      throw new Error(`Node-RED ${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`)
    const json = response.headers.get("content-type")?.includes("json") === true
    return json ? (JSON.parse(text) as unknown) : text
  }
  const until = Date.now() + 60_000
  for (;;) {
    if (running.child.exitCode !== null)
      throw new Error(`Node-RED exited while starting:\n${running.output()}`)
    const ready = await fetch(`${url}/settings`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (Date.now() > until) {
      await running.stop()
      throw new Error(`Node-RED did not answer on ${url} in 60 s:\n${running.output()}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    process: running,
    nodes: async () => (await api("GET", "/nodes")) as NodeSet[],
    deploy: async (flow) => {
      await api("POST", "/flows", flow, { "Node-RED-Deployment-Type": "full" })
    },
    inject: async (id) => {
      await api("POST", `/inject/${id}`)
    },
  }
}
