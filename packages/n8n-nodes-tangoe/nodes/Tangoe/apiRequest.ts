/**
 * The "API Request" operation: one request per item (or one per page with "Tangoe Collection") to the
 * Tangoe API, through `httpRequestWithAuthentication` so that n8n adds the token and Tangoe's headers.
 *
 * A rejected token (401, or 403: Tangoe documents no 401, `concepts/errors`) is handled here, not by
 * n8n's retry (`preAuthenticationRetryStatusCode`): the call is sent once more with a fresh token, which
 * n8n's credential hook produces and saves (the stored credential with its access token emptied, which
 * n8n 2.41.1 refreshes and persists), or with the token another item already got. A second refusal is
 * reported as such: a 403 with a fresh token is an authorization failure, and costs no more refreshes.
 * Doing it here keeps the whole answer (status and Tangoe's error body) and gives each send its own
 * correlation id, which n8n's replay would reuse from the first send.
 */

import { randomUUID } from "node:crypto"
import { DEFAULT_MAX_PAGES, pageItems } from "@tangoe-token/core/host"
import {
  type ICredentialDataDecryptedObject,
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
import { CORRELATION_ID_HEADER } from "../../shared/apiHeaders"
import { CREDENTIAL_NAME, readCredentialData } from "../../shared/credentialData"
import { resolveApiUrl } from "./apiUrl"
import { mapWithConcurrency } from "./concurrency"
import { DEFAULT_CONCURRENCY, DEFAULT_LIMIT } from "./description"
import { nextPage } from "./pages"
import { withRefusalRecovery } from "./refusalRecovery"
import { tangoeApiError } from "./tangoeError"

/** Statuses that mean "token rejected": one fresh token, one more send. */
const REJECTION_STATUSES = new Set([401, 403])

interface NameValue {
  readonly name?: string
  readonly value?: string
}

interface RequestOptionsParameter {
  readonly fullResponse?: boolean
  readonly neverError?: boolean
  readonly timeout?: number
  readonly concurrency?: number
  readonly maxPages?: number
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
    // Every status comes back as a response: a rejected token (401/403) is replayed here, once.
    ignoreHttpStatusErrors: true,
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

/** One answer of the API, with what the node knows about how it was obtained. */
interface Sent {
  readonly response: FullResponse
  readonly correlationId: string
  readonly afterFreshToken: boolean
  /** The access token the send carried (to mask it out of error bodies). */
  readonly accessToken: string
}

/** Fails with the Tangoe error for an error status, unless "Never Error" is on. */
function checkStatus(
  this: IExecuteFunctions,
  sent: Sent,
  itemIndex: number,
  options: RequestOptionsParameter,
) {
  if (sent.response.statusCode >= 400 && options.neverError !== true) {
    throw tangoeApiError(this.getNode(), {
      status: sent.response.statusCode,
      body: sent.response.body,
      correlationId: sent.correlationId,
      afterFreshToken: sent.afterFreshToken,
      itemIndex,
      secrets: [sent.accessToken],
    })
  }
}

/** The items for one response. */
function toItems(
  response: FullResponse,
  itemIndex: number,
  options: RequestOptionsParameter,
): INodeExecutionData[] {
  const pairedItem = { item: itemIndex }
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
  if (Array.isArray(body)) return body.map((entry) => asItem(entry, itemIndex))
  if (typeof body === "object" && body !== null) return [{ json: body as IDataObject, pairedItem }]
  return [{ json: body === undefined || body === "" ? {} : { data: body as string }, pairedItem }]
}

const asItem = (entry: unknown, itemIndex: number): INodeExecutionData => ({
  json:
    typeof entry === "object" && entry !== null && !Array.isArray(entry)
      ? (entry as IDataObject)
      : { data: entry as string },
  pairedItem: { item: itemIndex },
})

/** The correlation id the request sets itself (any case), if any. */
const ownCorrelationId = (headers: IDataObject | undefined): string | undefined => {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === CORRELATION_ID_HEADER.toLowerCase() && typeof value === "string") return value
  }
  return undefined
}

/**
 * Sends `request` once with the stored token; on a rejected token (401/403) once more with a fresh one:
 * the token another item already got, else a refresh through n8n (which saves it).
 */
async function sendWithFreshTokenOnRejection(
  this: IExecuteFunctions,
  itemIndex: number,
  request: IHttpRequestOptions,
): Promise<Sent> {
  const reference = this.getNode().credentials?.[CREDENTIAL_NAME]
  const given = ownCorrelationId(request.headers)
  const sendWith = async (forced: ICredentialDataDecryptedObject | undefined) => {
    const correlationId = given ?? randomUUID()
    const options: IHttpRequestOptions = {
      ...request,
      headers:
        given === undefined
          ? { ...request.headers, [CORRELATION_ID_HEADER]: correlationId }
          : { ...request.headers },
    }
    let sends = 0
    const send = async () => {
      // A resend after a refused refresh (another process won the race) uses what n8n stored since.
      const data = sends++ === 0 ? forced : undefined
      return (await this.helpers.httpRequestWithAuthentication.call(
        this,
        CREDENTIAL_NAME,
        { ...options, headers: { ...options.headers } },
        data === undefined || reference?.id === undefined || reference.id === null
          ? undefined
          : { credentialsDecrypted: { id: reference.id, name: reference.name, type: CREDENTIAL_NAME, data } },
      )) as FullResponse
    }
    return { response: await withRefusalRecovery(this, itemIndex, send), correlationId }
  }
  const before = readCredentialData(await this.getCredentials(CREDENTIAL_NAME, itemIndex))
  const first = await sendWith(undefined)
  const stored = await this.getCredentials(CREDENTIAL_NAME, itemIndex)
  const current = readCredentialData(stored)
  // With no stored token, n8n refreshed for the first send: its token was already fresh.
  const firstWasFresh = before.accessToken === ""
  if (!REJECTION_STATUSES.has(first.response.statusCode) || firstWasFresh) {
    return { ...first, afterFreshToken: firstWasFresh, accessToken: current.accessToken }
  }
  // Another item already stored a new token: use it; else n8n refreshes (an emptied token) and saves.
  const fresh: ICredentialDataDecryptedObject =
    current.accessToken !== "" && current.accessToken !== before.accessToken
      ? { ...stored }
      : { ...stored, accessToken: "" }
  const second = await sendWith(fresh)
  return { ...second, afterFreshToken: true, accessToken: String(fresh.accessToken ?? "") }
}

/** Collection settings of the item. */
interface CollectionParameters {
  readonly returnAll: boolean
  readonly limit: number
}

/** Follows `_meta.hrefNext` from the first page until the end, the limit or the page cap. */
async function fetchCollection(
  this: IExecuteFunctions,
  itemIndex: number,
  request: IHttpRequestOptions,
  options: RequestOptionsParameter,
  collection: CollectionParameters,
): Promise<INodeExecutionData[]> {
  const { apiBaseUrl } = readCredentialData(await this.getCredentials(CREDENTIAL_NAME, itemIndex))
  const maxPages = Math.max(1, Math.floor(options.maxPages ?? DEFAULT_MAX_PAGES))
  const items: INodeExecutionData[] = []
  let next: IHttpRequestOptions | undefined = request
  for (let page = 0; next !== undefined; page++) {
    if (page >= maxPages) {
      throw new NodeOperationError(
        this.getNode(),
        `Stopped after ${maxPages} pages: the collection has more. Raise "Max Pages", or narrow the query.`,
        { itemIndex },
      )
    }
    const sent = await sendWithFreshTokenOnRejection.call(this, itemIndex, next)
    checkStatus.call(this, sent, itemIndex, options)
    for (const entry of pageItems(sent.response.body)) {
      if (!collection.returnAll && items.length >= collection.limit) return items
      items.push(asItem(entry, itemIndex))
    }
    if (!collection.returnAll && items.length >= collection.limit) return items
    const after = nextPage(apiBaseUrl, sent.response.body)
    if (after.kind === "refused") throw new NodeOperationError(this.getNode(), after.reason, { itemIndex })
    // The next link carries its own query (offset, limit): nothing of the first page's is added.
    if (after.kind === "next") {
      next = { ...request, url: after.url }
      delete next.qs
    } else next = undefined
  }
  return items
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
      if (request.method === "GET" && this.getNodeParameter("collection", itemIndex, false) === true) {
        const returnAll = this.getNodeParameter("returnAll", itemIndex, false) === true
        const max = Math.max(
          1,
          Math.floor(this.getNodeParameter("limit", itemIndex, DEFAULT_LIMIT) as number),
        )
        if (!returnAll) request.qs = { limit: max, ...request.qs }
        return await fetchCollection.call(this, itemIndex, request, options, { returnAll, limit: max })
      }
      const sent = await sendWithFreshTokenOnRejection.call(this, itemIndex, request)
      checkStatus.call(this, sent, itemIndex, options)
      return toItems(sent.response, itemIndex, options)
    } catch (error) {
      if (this.continueOnFail()) {
        return [{ json: { error: (error as Error).message }, pairedItem: { item: itemIndex } }]
      }
      throw asNodeError(this.getNode(), error, itemIndex)
    }
  })
  return perItem.flat()
}
