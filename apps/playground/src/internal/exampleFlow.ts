/**
 * The flow the playground deploys: the example shipped with @tangoe-token/node-red-tangoe
 * (inject -> tangoe token -> http request -> debug, and a catch for token errors), pointed at
 * this run's simulator, its credentials filled in, and the API call repeated every few seconds.
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
  readonly apiUrl: string
  readonly clientId: string
  readonly clientSecret: string
  readonly refreshToken: string
  /** Seconds between API calls. */
  readonly interval: number
}

/** The example file inside the node package. */
export const EXAMPLE_FILE = join("examples", "tangoe-token.json")

/** What the "API response" debug node shows in the sidebar (a JSONata expression): never the headers. */
export const DEBUG_OUTPUT = '$string(statusCode) & " " & $string(payload)'

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
export const playgroundInfo = (interval: number): string =>
  [
    "Deployed by `pnpm start` (apps/playground) against its local PingFederate simulator.",
    "",
    `Nothing to fill in: the **Tangoe simulator** credentials node already holds this run's client and refresh token (kept in Node-RED's encrypted credentials; the playground prints no secret), and **call the API** fires every ${interval} s.`,
    "",
    "Watch the **tangoe token** node's status, the debug sidebar (bug icon, bottom right) and the `[sim]` lines in the terminal. **force a refresh** rotates the refresh token at once.",
    "",
    "For the real Tangoe API: import the package's example flow (Import > Examples > @tangoe-token/node-red-tangoe), set the environment to Production or QA and paste the credentials Tangoe issued you.",
  ].join("\n")

/** The flow to deploy: the example aimed at `target`, credentials embedded (the admin API stores them). */
export const playgroundFlow = (nodes: ReadonlyArray<FlowNode>, target: FlowTarget): Array<FlowNode> => {
  const tab = exampleTab(nodes)
  const credentials = only(nodes, "tangoe-credentials config node", (n) => n.type === "tangoe-credentials")
  const api = only(nodes, "http request node", (n) => n.type === "http request")
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
          info: playgroundInfo(target.interval),
        }
      case credentials.id:
        return {
          ...node,
          environment: "custom",
          tokenUrl: target.tokenUrl,
          credentials: {
            clientId: target.clientId,
            clientSecret: target.clientSecret,
            refreshToken: target.refreshToken,
          },
        }
      case api.id:
        return { ...node, url: target.apiUrl }
      case debug.id:
        // The sidebar shows the HTTP status and the body of every call: 200 {"ok":true,…}.
        return { ...node, complete: DEBUG_OUTPUT, targetType: "jsonata" }
      case caller.id:
        return { ...node, repeat: String(target.interval), once: true, onceDelay: 0.5 }
      default:
        return node
    }
  })
}
