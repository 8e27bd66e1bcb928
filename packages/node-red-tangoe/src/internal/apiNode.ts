/**
 * The `tangoe api` node: makes the Tangoe API call itself, through core's API layer over its config
 * node's shared token client. Core adds `Authorization`, `X-TNGO-TENANT`, `client_id` and a fresh
 * correlation id (never over the flow's own `msg.headers`), replays once with a new token on 401/403,
 * decodes Tangoe's error bodies and follows `_meta.hrefNext` (never onto another host). This node only
 * turns a message into a call and the answer into messages: the body (`paging: none`), one message per
 * page (`pages`) or one message with every item (`all`). A failure goes to `done(err)` for a Catch
 * node, with `msg.error` holding the secret-free problem (errorCode, status, ids, what to do).
 *
 * @internal
 */
import type { ApiProblem } from "./apiProblem.ts"
import { ApiCallError, toApiProblem } from "./apiProblem.ts"
import { type ApiRequest, type ApiRequestConfig, apiRequestOf, isRequestProblem } from "./apiRequest.ts"
import { apiActionOf, apiErrorStatus, apiOkStatus, callingStatus } from "./apiStatus.ts"
import { createTangoeApi, type TangoeApiClient } from "./core.ts"
import type { TangoeCredentialsNode } from "./credentialsNode.ts"
import type { NodeAPI, NodeMessage, NodeStatus, RuntimeNode } from "./red.ts"

/** The API node's type name. */
export const API_TYPE = "tangoe api"

/** The editor settings of a `tangoe api` node. */
export interface ApiNodeConfig extends ApiRequestConfig {
  readonly id: string
  readonly name?: string
  /** The id of the `tangoe-credentials` config node. */
  readonly account?: string
}

const missingConfig: ApiProblem = {
  _tag: "NotConfigured",
  field: "account",
  message:
    "The node has no Tangoe credentials: open it and select (or add) a tangoe-credentials config node.",
}

type ApiSource =
  | { readonly api: TangoeApiClient; readonly secrets: ReadonlyArray<string | undefined> }
  | { readonly problem: ApiProblem; readonly secrets: ReadonlyArray<string | undefined> }

/** The config node's API client for this node, or the problem that prevents one. */
const openApi = (owner: TangoeCredentialsNode | null): ApiSource => {
  if (owner === null || owner.tangoe === undefined) return { problem: missingConfig, secrets: [] }
  const source = owner.tangoe
  if ("problem" in source) return { problem: source.problem, secrets: source.secrets }
  if ("problem" in owner.apiSettings) return { problem: owner.apiSettings.problem, secrets: source.secrets }
  try {
    return {
      api: createTangoeApi({ ...owner.apiSettings.settings, tokenClient: source.client }),
      secrets: source.secrets,
    }
  } catch (cause) {
    // core's InvalidConfig: the API base URL (the only API setting the config node adds) is unusable.
    const problem = toApiProblem(cause, source.secrets)
    return {
      problem: {
        _tag: "NotConfigured",
        field: problem.field === "baseUrl" ? "apiBase" : (problem.field ?? "apiBase"),
        message: `The Tangoe credentials are not usable for API calls: ${problem.message}`,
      },
      secrets: source.secrets,
    }
  }
}

/** Makes the call of `request` and sends its answer on as `msg` says; resolves once all is sent. */
const call = async (
  RED: NodeAPI,
  api: TangoeApiClient,
  request: ApiRequest,
  msg: NodeMessage,
  send: (msg: NodeMessage) => void,
): Promise<{ readonly pages: number; readonly items: number }> => {
  if (request.paging === "none") {
    msg.payload = await api.json(request.url, request.init)
    send(msg)
    return { pages: 0, items: 0 }
  }
  const options = {
    init: request.init,
    ...(request.limit === undefined ? {} : { limit: request.limit }),
    ...(request.maxPages === undefined ? {} : { maxPages: request.maxPages }),
  }
  const all: unknown[] = []
  let pages = 0
  let totalCount: number | undefined
  for await (const page of api.pages(request.url, options)) {
    pages += 1
    totalCount = page.meta?.totalCount
    if (request.paging === "all") {
      all.push(...page.items)
      continue
    }
    all.length += page.items.length
    const out = RED.util.cloneMessage(msg)
    out.payload = page.items
    out.page = { index: page.index, last: page.meta?.hrefNext === undefined, meta: page.meta ?? {} }
    send(out)
  }
  if (request.paging === "all") {
    msg.payload = all
    msg.page = { count: pages, ...(totalCount === undefined ? {} : { totalCount }) }
    send(msg)
  }
  return { pages, items: all.length }
}

/** Registers the `tangoe api` node type. */
export const registerApiNode = (RED: NodeAPI): void => {
  RED.nodes.registerType(API_TYPE, function (this: RuntimeNode, config: ApiNodeConfig) {
    RED.nodes.createNode(this, config)
    const owner = config.account ? (RED.nodes.getNode(config.account) as TangoeCredentialsNode | null) : null
    const source = openApi(owner)
    const show = (status: NodeStatus): void => this.status(status)

    this.on("input", (msg, send, done) => {
      const fail = (problem: ApiProblem): void => {
        show(apiErrorStatus(RED, problem))
        msg.error = { ...problem, action: apiActionOf(RED, problem) }
        done(new ApiCallError(problem))
      }
      if ("problem" in source) return fail(source.problem)
      const request = apiRequestOf(config, msg)
      if (isRequestProblem(request)) return fail(request)
      show(callingStatus(RED))
      call(RED, source.api, request, msg, send).then(
        (sent) => {
          show(apiOkStatus(RED, request.paging, sent, new Date()))
          done()
        },
        (cause: unknown) => fail(toApiProblem(cause, source.secrets)),
      )
    })

    this.on("close", (_removed, done) => {
      this.status({})
      if ("api" in source) void source.api.close().finally(done)
      else done()
    })
  })
}
