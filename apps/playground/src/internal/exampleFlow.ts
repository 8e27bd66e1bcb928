/**
 * The flow the playground deploys: the example shipped with @tangoe-token/node-red-tangoe (one inject
 * firing both inject -> tangoe token -> http request -> debug, the first page of the documented
 * `GET /mobileprocurement/v1/orders`, and inject -> tangoe api -> debug, every page of it; a catch for
 * token and API errors), pointed at this run's simulator with its tenant, its credentials filled in,
 * and the calls repeated every few seconds.
 *
 * @internal
 */
import { readFile } from "node:fs/promises"
import { join } from "node:path"

/** A node of a Node-RED flow, as flows.json holds it. */
export interface FlowNode {
  readonly id: string
  readonly type: string
  readonly z?: string
  readonly name?: string
  readonly props?: ReadonlyArray<{ readonly p: string }>
  readonly [key: string]: unknown
}

/** The simulator values the flow needs. Holds secrets: never print it. */
export interface FlowTarget {
  readonly tokenUrl: string
  /** The simulator's Tangoe-style API base, e.g. `http://127.0.0.1:9031/mobileprocurement/v1`. */
  readonly apiBaseUrl: string
  /** The tenant of the simulator's client (`X-TNGO-TENANT`). */
  readonly tenant: string
  readonly clientId: string
  readonly clientSecret: string
  readonly refreshToken: string
  /** Seconds between API calls. */
  readonly interval: number
}

/** The example file inside the node package. */
export const EXAMPLE_FILE = join("examples", "tangoe-token.json")

/** The API base the example flow is written for (the simulator on its default port). */
export const EXAMPLE_API_BASE = "http://127.0.0.1:9031/mobileprocurement/v1"

/**
 * What the "API response" debug node shows in the sidebar (a JSONata expression), short enough for the
 * sidebar's one-line summary: the HTTP status, the page's orders out of `_meta.totalCount`, and the
 * query of `_meta.hrefNext` (e.g. `200: 10 orders of 24, next page: limit=10&offset=10`). Never the headers.
 */
export const DEBUG_OUTPUT =
  '$string(statusCode) & ": " & $string($count(payload.items)) & " orders of " & $string(payload._meta.totalCount) & ($exists(payload._meta.hrefNext) ? ", next page: " & $substringAfter(payload._meta.hrefNext, "?") : "")'

/** Reads the package's example flow. */
export const readExampleFlow = async (packageDir: string): Promise<ReadonlyArray<FlowNode>> => {
  const file = join(packageDir, EXAMPLE_FILE)
  const nodes = JSON.parse(await readFile(file, "utf8")) as unknown
  if (!Array.isArray(nodes)) throw new Error(`${file}: expected an array of flow nodes`)
  return nodes as ReadonlyArray<FlowNode>
}

const only = (nodes: ReadonlyArray<FlowNode>, what: string, test: (n: FlowNode) => boolean): FlowNode => {
  const found = nodes.filter(test)
  if (found.length !== 1 || found[0] === undefined) {
    throw new Error(
      `The node package's example flow should have exactly one ${what}; it has ${found.length}.`,
    )
  }
  return found[0]
}

/** The ids of every node of the example (the tab, the config node and the tab's nodes). */
export const exampleIds = (nodes: ReadonlyArray<FlowNode>): ReadonlySet<string> =>
  new Set(nodes.map((n) => n.id))

/** The example's tab id (the one whose status and debug output the user looks at). */
export const exampleTab = (nodes: ReadonlyArray<FlowNode>): FlowNode =>
  only(nodes, "tab", (n) => n.type === "tab")

/**
 * The tab's description in the playground. It replaces the example's own, which tells a user who
 * imports the example by hand to paste the simulator's credentials: here they are filled in already,
 * and the playground prints none.
 */
export const playgroundInfo = (interval: number, tenant: string): string =>
  [
    "Deployed by `pnpm start` (apps/playground) against its local PingFederate simulator.",
    "",
    `Nothing to fill in: the **Tangoe simulator** credentials node already holds this run's client and refresh token (kept in Node-RED's encrypted credentials; the playground prints no secret) and the tenant \`${tenant}\`, and **call the API** fires every ${interval} s.`,
    "",
    `Each time it calls Tangoe's documented \`GET /mobileprocurement/v1/orders\` (24 orders, 10 a page) with \`X-TNGO-TENANT: ${tenant}\` and \`client_id\`, two ways: **tangoe token** + **http request** read the first page (the debug sidebar shows "200: 10 orders of 24, next page: limit=10&offset=10", from its \`_meta\`), and **tangoe api** follows \`hrefNext\` through all 3 pages ("page 1: 10 orders of 24", …).`,
    "",
    "Watch the **tangoe token** and **tangoe api** nodes' status, the debug sidebar (bug icon, bottom right) and the `[sim]` lines in the terminal. **force a refresh** rotates the refresh token at once.",
    "",
    "For the real Tangoe API: import the package's example flow (Import > Examples > @tangoe-token/node-red-tangoe), set the environment to Production or QA and paste the credentials Tangoe issued you.",
  ].join("\n")

/** The flow to deploy: the example aimed at `target`, credentials embedded (the admin API stores them). */
export const playgroundFlow = (nodes: ReadonlyArray<FlowNode>, target: FlowTarget): Array<FlowNode> => {
  const tab = exampleTab(nodes)
  const credentials = only(nodes, "tangoe-credentials config node", (n) => n.type === "tangoe-credentials")
  const api = only(nodes, "http request node", (n) => n.type === "http request")
  const apiUrl = String(api.url ?? "")
  if (!apiUrl.startsWith(`${EXAMPLE_API_BASE}/`)) {
    throw new Error(
      `The node package's example http request node should call under ${EXAMPLE_API_BASE}; it calls ${apiUrl}.`,
    )
  }
  const debug = only(
    nodes,
    'debug node "API response"',
    (n) => n.type === "debug" && n.name === "API response",
  )
  const caller = only(
    nodes,
    "inject node without msg.refresh",
    (n) => n.type === "inject" && !(n.props ?? []).some((p) => p.p === "refresh"),
  )
  return nodes.map((node): FlowNode => {
    switch (node.id) {
      case tab.id:
        return {
          ...node,
          label: "Tangoe token (playground)",
          info: playgroundInfo(target.interval, target.tenant),
        }
      case credentials.id:
        return {
          ...node,
          environment: "custom",
          tokenUrl: target.tokenUrl,
          tenant: target.tenant,
          apiBase: target.apiBaseUrl,
          credentials: {
            clientId: target.clientId,
            clientSecret: target.clientSecret,
            refreshToken: target.refreshToken,
          },
        }
      case api.id:
        return { ...node, url: target.apiBaseUrl + apiUrl.slice(EXAMPLE_API_BASE.length) }
      case debug.id:
        // The sidebar shows the HTTP status and the page: 200: 10 orders of 24, next page: limit=10&offset=10.
        return { ...node, complete: DEBUG_OUTPUT, targetType: "jsonata" }
      case caller.id:
        return { ...node, repeat: String(target.interval), once: true, onceDelay: 0.5 }
      default:
        return node
    }
  })
}
