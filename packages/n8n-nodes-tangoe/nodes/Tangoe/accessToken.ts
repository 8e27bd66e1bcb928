/**
 * The "Get Access Token" operation: a valid `Authorization` header value and its expiry, for nodes
 * that cannot use the credential themselves. When the stored token expires within the minimum
 * validity, it is refreshed first in the only way n8n then saves the result: an authenticated request
 * whose credential data has an empty access token, which makes n8n run the credential's refresh and
 * store the new tokens (the request itself, a GET on the API base URL, is only the vehicle).
 */
import { isExpiring } from "@tangoe-token/core/host"
import {
  type ICredentialDataDecryptedObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type JsonObject,
  NodeApiError,
  NodeOperationError,
} from "n8n-workflow"
import {
  CREDENTIAL_NAME,
  expiresAtMillis,
  readCredentialData,
  type TangoeCredentialData,
} from "../../shared/credentialData"
import { resolveApiUrl } from "./apiUrl"
import { DEFAULT_MIN_VALIDITY_SECONDS } from "./description"
import { withRefusalRecovery } from "./refusalRecovery"

/** Refreshes through n8n (which saves the new tokens) and returns the credential data it produced. */
async function refreshThroughN8n(this: IExecuteFunctions): Promise<TangoeCredentialData> {
  const reference = this.getNode().credentials?.[CREDENTIAL_NAME]
  if (reference?.id === undefined || reference.id === null) {
    throw new NodeOperationError(this.getNode(), "Select a saved Tangoe API credential for this node.")
  }
  const id = reference.id
  return await withRefusalRecovery(this, 0, async () => {
    const stored = await this.getCredentials<ICredentialDataDecryptedObject>(CREDENTIAL_NAME, 0)
    const target = resolveApiUrl(readCredentialData(stored).apiBaseUrl, "")
    if (!target.ok) throw new NodeOperationError(this.getNode(), target.reason)
    // n8n refreshes when the access token is empty and writes the result into this object too.
    const data: ICredentialDataDecryptedObject = { ...stored, accessToken: "" }
    try {
      await this.helpers.httpRequestWithAuthentication.call(
        this,
        CREDENTIAL_NAME,
        {
          method: "GET",
          url: target.url,
          ignoreHttpStatusErrors: true,
          returnFullResponse: true,
          timeout: 30_000,
        },
        { credentialsDecrypted: { id, name: reference.name, type: CREDENTIAL_NAME, data } },
      )
    } catch (error) {
      // The refresh worked (and was saved) when the access token is set: only the vehicle failed.
      if (data.accessToken === "") throw new NodeApiError(this.getNode(), error as JsonObject)
    }
    return readCredentialData(data)
  })
}

/** Runs the "Get Access Token" operation: one output item per input item, all with the same token. */
export async function executeGetAccessToken(
  this: IExecuteFunctions,
  items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
  const minValidity = this.getNodeParameter("minValidity", 0, DEFAULT_MIN_VALIDITY_SECONDS) as number
  const includeAccessToken = this.getNodeParameter("includeAccessToken", 0, false) as boolean
  let data = readCredentialData(await this.getCredentials(CREDENTIAL_NAME, 0))
  if (isExpiring(expiresAtMillis(data), Date.now(), minValidity * 1000)) {
    data = await refreshThroughN8n.call(this)
  }
  const expiresAt = expiresAtMillis(data)
  if (data.accessToken === "" || expiresAt === undefined) {
    throw new NodeOperationError(this.getNode(), "The credential holds no access token after the refresh.")
  }
  const json = {
    authorization: `Bearer ${data.accessToken}`,
    tokenType: "Bearer",
    expiresAt: new Date(expiresAt).toISOString(),
    expiresIn: Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
    ...(includeAccessToken ? { accessToken: data.accessToken } : {}),
  }
  return items.map((_, itemIndex) => ({ json: { ...json }, pairedItem: { item: itemIndex } }))
}
