/**
 * The `tangoe token` node: for each message, asks its config node's shared client for a valid
 * access token, sets `msg.headers.Authorization` and `msg.token`, adds Tangoe's `X-TNGO-TENANT`
 * (when the config node has a tenant), `client_id` and a fresh `X-TNGO-CONTEXT-CORRELATIONID`
 * unless the flow set them, and sends the message on (to an `http request` node, typically). `msg.refresh = true` forces a refresh. A failure goes to
 * `done(err)`, so a Catch node sees it, with `msg.error` holding the typed, secret-free problem
 * (`_tag`, `message`, `field`, and `action`: what to do, from the message catalog).
 *
 * @internal
 */

import { randomUUID } from "node:crypto"
import type { TangoeCredentialsNode } from "./credentialsNode.ts"
import { type TokenProblem, TokenRequestError, toProblem } from "./problem.ts"
import type { NodeAPI, NodeStatus, RuntimeNode } from "./red.ts"
import { actionOf, errorStatus, healedStatus, refreshingStatus, validStatus } from "./status.ts"
import { authorizationOf, messageToken, withAuthorization, withTangoeHeaders } from "./tokenMessage.ts"

/** The token node's type name. */
export const TOKEN_TYPE = "tangoe token"

/** The editor settings of a `tangoe token` node. */
export interface TokenNodeConfig {
  readonly id: string
  readonly name?: string
  /**
   * The id of the `tangoe-credentials` config node. (Not `credentials`: the runtime strips a
   * property of that name from a node's settings.)
   */
  readonly account?: string
  /** Put the access token itself in `msg.token.accessToken` too. */
  readonly includeAccessToken?: boolean
}

const missingConfig: TokenProblem = {
  _tag: "NotConfigured",
  field: "account",
  message:
    "The node has no Tangoe credentials: open it and select (or add) a tangoe-credentials config node.",
}

/** Registers the `tangoe token` node type. */
export const registerTokenNode = (RED: NodeAPI): void => {
  RED.nodes.registerType(TOKEN_TYPE, function (this: RuntimeNode, config: TokenNodeConfig) {
    RED.nodes.createNode(this, config)
    const includeAccessToken = config.includeAccessToken === true
    let shown: string | undefined
    const show = (status: NodeStatus): void => {
      const key = `${status.fill}:${status.text}`
      if (key === shown) return
      shown = key
      this.status(status)
    }
    const owner = config.account ? (RED.nodes.getNode(config.account) as TangoeCredentialsNode | null) : null

    this.on("input", (msg, send, done) => {
      const source = owner?.tangoe
      const fail = (problem: TokenProblem): void => {
        show(errorStatus(RED, problem))
        msg.error = { ...problem, action: actionOf(RED, problem) }
        done(new TokenRequestError(problem))
      }
      if (source === undefined) return fail(missingConfig)
      if ("problem" in source) return fail(source.problem)
      const { client, secrets } = source
      const force = msg.refresh === true
      if (force || client.status().state !== "valid") show(refreshingStatus(RED))
      const pending = force ? client.refresh() : client.getToken()
      pending.then(
        (token) => {
          msg.headers = withTangoeHeaders(withAuthorization(msg.headers, authorizationOf(token)), {
            ...owner?.apiHeaders,
            correlationId: randomUUID(),
          })
          msg.token = messageToken(token, includeAccessToken, Date.now())
          if (force) delete msg.refresh
          const heal = client.status().lastHeal
          show(
            heal === undefined ? validStatus(RED, token.expiresAt) : healedStatus(RED, token.expiresAt, heal),
          )
          send(msg)
          done()
        },
        (cause: unknown) => fail(toProblem(cause, secrets)),
      )
    })

    this.on("close", (_removed, done) => {
      this.status({})
      done()
    })
  })
}
