/**
 * The small part of Node-RED's node API these nodes use, typed here so the package needs no
 * `@types/node-red` (whose types lag behind Node-RED 4 and 5).
 *
 * @internal
 */

/** A message flowing through a flow. */
export interface NodeMessage {
  _msgid?: string
  headers?: unknown
  refresh?: unknown
  token?: unknown
  error?: unknown
  [key: string]: unknown
}

/** What a node shows under itself in the editor. */
export interface NodeStatus {
  readonly fill?: "red" | "green" | "yellow" | "blue" | "grey"
  readonly shape?: "ring" | "dot"
  readonly text?: string
}

/** A node instance as the runtime hands it to a constructor (after `createNode`). */
export interface RuntimeNode {
  readonly id: string
  readonly type: string
  name?: string
  credentials?: Record<string, string | undefined>
  on(
    event: "input",
    listener: (msg: NodeMessage, send: (msg: NodeMessage) => void, done: (err?: Error) => void) => void,
  ): void
  on(event: "close", listener: (removed: boolean, done: () => void) => void): void
  send(msg: NodeMessage): void
  status(status: NodeStatus): void
  log(message: string): void
  warn(message: string): void
  error(message: string | Error, msg?: NodeMessage): void
}

/** The runtime's settings as a node sees them: settings.js values as properties, the rest via `get`. */
export interface RuntimeSettings {
  readonly userDir?: string
  readonly credentialSecret?: string | false
  readonly get?: (name: string) => unknown
  readonly [name: string]: unknown
}

/** The `RED` object a node module receives. */
export interface NodeAPI {
  readonly nodes: {
    createNode(node: object, config: object): void
    registerType(
      type: string,
      definition: (this: RuntimeNode, config: never) => void,
      options?: { credentials?: Record<string, { type: "text" | "password" }> },
    ): void
    getNode(id: string): unknown
    addCredentials(id: string, credentials: Record<string, string>): void | Promise<void>
    getCredentials(id: string): Record<string, string | undefined> | undefined
  }
  readonly settings: RuntimeSettings
  readonly util: { cloneMessage<T>(msg: T): T }
  readonly log: { warn(message: string): void; info(message: string): void }
  _(key: string, substitutions?: Record<string, string>): string
}
