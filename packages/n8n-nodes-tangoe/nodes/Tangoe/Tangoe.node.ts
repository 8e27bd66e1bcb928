/**
 * The Tangoe node: calls the Tangoe API with the Tangoe API credential's access token (refreshed on a
 * 401, the rotated refresh token saved by n8n), or hands a valid Authorization header to other nodes.
 */
import {
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
  NodeConnectionTypes,
} from "n8n-workflow"
import { CREDENTIAL_NAME } from "../../shared/credentialData"
import { executeGetAccessToken } from "./accessToken"
import { executeApiRequests } from "./apiRequest"
import { apiRequestProperties, getAccessTokenProperties, OPERATION, operationProperty } from "./description"

/** The Tangoe node type (`tangoe`). */
export class Tangoe implements INodeType {
  description: INodeTypeDescription = {
    displayName: "Tangoe",
    name: "tangoe",
    icon: { light: "file:../../icons/tangoe.svg", dark: "file:../../icons/tangoe.dark.svg" },
    group: ["transform"],
    version: 1,
    subtitle:
      '={{$parameter["operation"] === "getAccessToken" ? "Get Access Token" : $parameter["method"] + " " + $parameter["url"]}}',
    description: "Call the Tangoe API with an access token that refreshes itself",
    defaults: { name: "Tangoe" },
    usableAsTool: true,
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    // The credential type has its own `test` (n8n runs it, and saves what its refresh returns).
    credentials: [{ name: CREDENTIAL_NAME, required: true }],
    properties: [operationProperty, ...apiRequestProperties, ...getAccessTokenProperties],
  }

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const items = this.getInputData()
    const operation = this.getNodeParameter("operation", 0) as string
    if (operation === OPERATION.getAccessToken) return [await executeGetAccessToken.call(this, items)]
    return [await executeApiRequests.call(this, items)]
  }
}
