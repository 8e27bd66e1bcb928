/**
 * @tangoe-token/node-red-tangoe: the Node-RED entry point. Registers the `tangoe-credentials`
 * config node, the `tangoe token` node and the `tangoe api` node. Built into `dist/tangoe.js` (CommonJS, with core and
 * effect bundled in), which package.json's `node-red.nodes` names.
 *
 * @since 0.1.0
 */
import { registerApiNode } from "./internal/apiNode.ts"
import { registerCredentialsNode } from "./internal/credentialsNode.ts"
import type { NodeAPI } from "./internal/red.ts"
import { registerTokenNode } from "./internal/tokenNode.ts"

/**
 * Registers the node types with the runtime. Node-RED calls this with its `RED` API when it
 * loads the module.
 *
 * @since 0.1.0
 */
export default function tangoe(RED: NodeAPI): void {
  registerCredentialsNode(RED)
  registerTokenNode(RED)
  registerApiNode(RED)
}
