/**
 * @tangoe-token/node-red-tangoe: the Node-RED entry point. Registers the `tangoe-credentials`
 * config node and the `tangoe token` node. Built into `dist/tangoe.js` (CommonJS, with core and
 * effect bundled in), which package.json's `node-red.nodes` names.
 *
 * @since 0.1.0
 */
import { registerCredentialsNode } from "./internal/credentialsNode.ts"
import type { NodeAPI } from "./internal/red.ts"
import { registerTokenNode } from "./internal/tokenNode.ts"

/**
 * Registers both node types with the runtime. Node-RED calls this with its `RED` API when it
 * loads the module.
 *
 * @since 0.1.0
 */
export default function tangoe(RED: NodeAPI): void {
  registerCredentialsNode(RED)
  registerTokenNode(RED)
}
