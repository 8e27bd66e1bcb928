/**
 * The "API Request" operation: one request per item to the Tangoe API, through
 * `httpRequestWithAuthentication` so that n8n adds the token, refreshes it only on a 401 (through the
 * credential, which saves the rotated refresh token) and resends once.
 */
import {
  type IDataObject,
  type IExecuteFunctions,
  type IHttpRequestMethods,
  type IHttpRequestOptions,
  type INode,
  type INodeExecutionData,
  type JsonObject,
  jsonParse,
  NodeApiError,
  NodeOperationError,
} from "n8n-workflow"
import { CREDENTIAL_NAME, readCredentialData } from "../../shared/credentialData"
import { resolveApiUrl } from "./apiUrl"
import { mapWithConcurrency } from "./concurrency"
import { DEFAULT_CONCURRENCY } from "./description"
import { withRefusalRecovery } from "./refusalRecovery"

interface NameValue {
  readonly name?: string
  readonly value?: string
}

interface RequestOptionsParameter {
  readonly fullResponse?: boolean
  readonly neverError?: boolean
  readonly timeout?: number
  readonly concurrency?: number
}

interface FullResponse {
  readonly body: unknown
  readonly headers: IDataObject
  readonly statusCode: number
  readonly statusMessage?: string
}

const BODY_METHODS = new Set(["PATCH", "POST", "PUT", "DELETE"])

const toRecord = (pairs: readonly NameValue[] | undefined): IDataObject => {
  const record: IDataObject = {}
  for (const { name, value } of pairs ?? []) {
    if (typeof name === "string" && name !== "") record[name] = value ?? ""
  }
  return record
}

/** An n8n error for anything an item failed with (n8n's own errors as they are). */
const asNodeError = (node: INode, error: unknown, itemIndex: number): NodeOperationError | NodeApiError =>
  error instanceof NodeOperationError || error instanceof NodeApiError
    ? error
    : new NodeApiError(node, error as JsonObject, { itemIndex })

/** The request for item `itemIndex`. */
async function buildRequest(this: IExecuteFunctions, itemIndex: number): Promise<IHttpRequestOptions> {
  const credentials = readCredentialData(await this.getCredentials(CREDENTIAL_NAME, itemIndex))
  const target = resolveApiUrl(credentials.apiBaseUrl, this.getNodeParameter("url", itemIndex) as string)
  if (!target.ok) throw new NodeOperationError(this.getNode(), target.reason, { itemIndex })
  const method = this.getNodeParameter("method", itemIndex) as IHttpRequestMethods
  const options = this.getNodeParameter("options", itemIndex, {}) as RequestOptionsParameter
  const request: IHttpRequestOptions = {
    method,
    url: target.url,
    returnFullResponse: true,
    // Every status but 401 comes back as a response; a 401 makes n8n refresh and resend once.
    ignoreHttpStatusErrors: { ignore: true, except: [401] },
    json: true,
    timeout: options.timeout ?? 30_000,
  }
  if (this.getNodeParameter("sendQuery", itemIndex, false) === true) {
    const query = this.getNodeParameter("queryParameters.parameters", itemIndex, []) as NameValue[]
    request.qs = toRecord(query)
  }
  if (this.getNodeParameter("sendHeaders", itemIndex, false) === true) {
    const headers = toRecord(
      this.getNodeParameter("headerParameters.parameters", itemIndex, []) as NameValue[],
    )
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === "authorization") {
        throw new NodeOperationError(
          this.getNode(),
          "Do not set an Authorization header: the Tangoe credential sets it, and refreshes the token behind it.",
          { itemIndex },
        )
      }
    }
    request.headers = headers
  }
  if (BODY_METHODS.has(method) && this.getNodeParameter("sendBody", itemIndex, false) === true) {
    const body = this.getNodeParameter("body", itemIndex, "{}") as unknown
    try {
      request.body = (typeof body === "string" ? jsonParse(body) : body) as IDataObject
    } catch {
      throw new NodeOperationError(this.getNode(), "The body is not valid JSON.", { itemIndex })
    }
  }
  return request
}

/** The items for one response. */
function toItems(
  this: IExecuteFunctions,
  response: FullResponse,
  itemIndex: number,
  options: RequestOptionsParameter,
): INodeExecutionData[] {
  const pairedItem = { item: itemIndex }
  if (response.statusCode >= 400 && options.neverError !== true) {
    const body = response.body
    throw new NodeApiError(
      this.getNode(),
      (typeof body === "object" && body !== null ? body : { message: String(body ?? "") }) as JsonObject,
      { httpCode: String(response.statusCode), itemIndex },
    )
  }
  if (options.fullResponse === true) {
    return [
      {
        json: {
          statusCode: response.statusCode,
          headers: response.headers,
          body: response.body as IDataObject,
        },
        pairedItem,
      },
    ]
  }
  const body = response.body
  if (Array.isArray(body)) {
    return body.map((entry) => ({
      json: typeof entry === "object" && entry !== null ? (entry as IDataObject) : { data: entry as string },
      pairedItem,
    }))
  }
  if (typeof body === "object" && body !== null) return [{ json: body as IDataObject, pairedItem }]
  return [{ json: body === undefined || body === "" ? {} : { data: body as string }, pairedItem }]
}

/** Runs the "API Request" operation over all input items. */
export async function executeApiRequests(
  this: IExecuteFunctions,
  items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
  const first = this.getNodeParameter("options", 0, {}) as RequestOptionsParameter
  const limit = Math.max(1, Math.floor(first.concurrency ?? DEFAULT_CONCURRENCY))
  const perItem = await mapWithConcurrency(items.length, limit, async (itemIndex) => {
    try {
      const options = this.getNodeParameter("options", itemIndex, {}) as RequestOptionsParameter
      const request = await buildRequest.call(this, itemIndex)
      // A fresh copy for each send: n8n writes the Authorization header into the options it gets.
      const send = async () =>
        (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_NAME, {
          ...request,
          headers: { ...request.headers },
        })) as FullResponse
      const response = await withRefusalRecovery(this, itemIndex, send)
      return toItems.call(this, response, itemIndex, options)
    } catch (error) {
      if (this.continueOnFail()) {
        return [{ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } }]
      }
      throw asNodeError(this.getNode(), error, itemIndex)
    }
  })
  return perItem.flat()
}
