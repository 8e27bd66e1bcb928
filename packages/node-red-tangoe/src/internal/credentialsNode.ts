/**
 * The `tangoe-credentials` config node. It owns ONE token client, so every `tangoe token` node
 * that uses it shares one cache and one refresh (core's single flight). The client's store is
 * the node's encrypted side store under the user dir; each rotated refresh token saved there is
 * also mirrored into the node's credentials (`rotatedRefreshToken`), so the next deploy writes
 * it to flows_cred.json too. The user-entered `refreshToken` is handed to core as the
 * provisioned token: core keeps the stored (rotated) one unless a new token was typed.
 *
 * With the optional Redis URL set, the store is the shared Redis store instead (see
 * redisStore.ts, a chunk of the bundle loaded only then): the same mirroring and seeding apply,
 * and the store's connection is closed with the node.
 *
 * @internal
 */

import { StoreError } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import {
  CREDENTIAL_FIELDS,
  type CredentialsConfig,
  type CredentialsSecrets,
  isProblem,
  resolveClientOptions,
} from "./clientOptions.ts"
import {
  createTokenClient,
  fileStore,
  memoryStore,
  mirrorSaves,
  originOf,
  type SavedRotation,
  type Seed,
  seedWhenEmpty,
  type TokenClient,
  type TokenStore,
} from "./core.ts"
import type { TokenProblem } from "./problem.ts"
import type { NodeAPI, RuntimeNode } from "./red.ts"
import { redisUrlPassword } from "./redisUrl.ts"
import { sideStoreKey, sideStorePath } from "./sideStore.ts"

/** The config node's type name. */
export const CREDENTIALS_TYPE = "tangoe-credentials"

/** What a config node offers the nodes that use it: a client, or the problem that prevents one. */
export type TokenSource =
  | {
      readonly client: TokenClient
      readonly secrets: ReadonlyArray<string | undefined>
      /** Releases the store (the Redis connection) once the client is closed. */
      readonly closeStore: () => Promise<void>
    }
  | { readonly problem: TokenProblem; readonly secrets: ReadonlyArray<string | undefined> }

/** A `tangoe-credentials` node as the runtime holds it. */
export interface TangoeCredentialsNode extends RuntimeNode {
  tangoe: TokenSource
}

/**
 * Mirrors a rotated refresh token (and the origin it descends from) into the node's runtime
 * credentials: Node-RED writes them to flows_cred.json on the next deploy.
 */
const mirrorIntoCredentials = (RED: NodeAPI, id: string, saved: SavedRotation): void => {
  const current = RED.nodes.getCredentials(id) ?? {}
  if (current.rotatedRefreshToken === saved.refreshToken) return
  const next: Record<string, string> = {}
  for (const [key, value] of Object.entries(current)) if (typeof value === "string") next[key] = value
  next.rotatedRefreshToken = saved.refreshToken
  if (saved.origin === undefined) delete next.rotatedOrigin
  else next.rotatedOrigin = saved.origin
  void RED.nodes.addCredentials(id, next)
}

/**
 * The rotated token a deploy saved in flows_cred.json, to seed an empty side store with (a user
 * dir restored without its `tangoe-token` folder): only when it descends from the refresh token
 * in the editor, so a token pasted since always wins.
 */
const seedFrom = (secrets: CredentialsSecrets, provisioned: string): Seed | undefined => {
  // With a service account and nothing pasted, the chain began with a grant: any saved rotation is its.
  if (provisioned === "") {
    return secrets.rotatedRefreshToken && secrets.rotatedOrigin
      ? { refreshToken: secrets.rotatedRefreshToken, origin: secrets.rotatedOrigin }
      : undefined
  }
  const origin = originOf(provisioned)
  return secrets.rotatedRefreshToken && secrets.rotatedOrigin === origin
    ? { refreshToken: secrets.rotatedRefreshToken, origin }
    : undefined
}

/**
 * The node's side store: core's encrypted file store under the user dir (opened lazily by the
 * client, so a key or folder problem fails token requests with a `StoreError` that says what to
 * fix), or memory when the runtime has no user dir.
 */
const openStore = (
  RED: NodeAPI,
  node: RuntimeNode,
  seed: Seed | undefined,
): TokenStore | Effect.Effect<TokenStore, StoreError> => {
  const userDir = RED.settings.userDir
  if (typeof userDir !== "string" || userDir === "") {
    node.warn(RED._("tangoe-credentials.warn.noUserDir"))
    return seedWhenEmpty(memoryStore(), seed)
  }
  const path = sideStorePath(userDir, node.id)
  return Effect.suspend(() => {
    let encryptionKey: Uint8Array
    try {
      encryptionKey = sideStoreKey(RED.settings, userDir)
    } catch (cause) {
      const detail = (cause as NodeJS.ErrnoException).code ?? "key file"
      return Effect.fail(new StoreError({ operation: "load", location: path, reason: "NotWritable", detail }))
    }
    return fileStore(path, { encryptionKey })
  }).pipe(
    Effect.map((store) =>
      seedWhenEmpty(
        mirrorSaves(store, (saved) => mirrorIntoCredentials(RED, node.id, saved)),
        seed,
      ),
    ),
  )
}

const openTokenSource = (
  RED: NodeAPI,
  node: RuntimeNode,
  config: CredentialsConfig,
  secrets: CredentialsSecrets,
): TokenSource => {
  const known = [
    secrets.clientSecret,
    secrets.refreshToken,
    secrets.rotatedRefreshToken,
    secrets.redisUrl,
    secrets.redisUrl === undefined ? undefined : redisUrlPassword(secrets.redisUrl),
    secrets.username,
    secrets.password,
  ]
  const notConfigured = (problem: TokenProblem): TokenSource => {
    node.warn(RED._("tangoe-credentials.warn.notConfigured", { message: problem.message }))
    return { problem, secrets: known }
  }
  const resolved = resolveClientOptions(config, secrets)
  if (isProblem(resolved)) return notConfigured(resolved)
  const { redisUrl, refreshToken, ...rest } = resolved
  // No refresh token pasted (a service account's first grant starts the chain): core gets none.
  const options = refreshToken === "" ? rest : { ...rest, refreshToken }
  const seed = seedFrom(secrets, refreshToken)
  if (redisUrl === undefined) {
    const client = reportHeals(
      RED,
      node,
      warnOnRollback(RED, node, createTokenClient({ ...options, store: openStore(RED, node, seed) })),
    )
    return { client, secrets: known, closeStore: async () => {} }
  }
  // The Redis store and its client are a separate chunk, loaded only by nodes that use Redis.
  const opening = import("./redisStore.ts").then((m) => m.openRedisStore(redisUrl, options))
  void opening.then((redis) => {
    if ("_tag" in redis) node.warn(RED._("tangoe-credentials.warn.notConfigured", { message: redis.message }))
  })
  const store = Effect.flatMap(
    Effect.promise(() => opening),
    (redis) =>
      "_tag" in redis
        ? Effect.fail(
            new StoreError({
              operation: "load",
              location: "Redis",
              reason: "InvalidInput",
              detail: "redisUrl",
            }),
          )
        : Effect.succeed(
            seedWhenEmpty(
              mirrorSaves(redis, (saved) => mirrorIntoCredentials(RED, node.id, saved)),
              seed,
            ),
          ),
  )
  const closeStore = () => opening.then((redis) => ("_tag" in redis ? undefined : redis.close()))
  return {
    client: reportHeals(RED, node, warnOnRollback(RED, node, createTokenClient({ ...options, store }))),
    secrets: known,
    closeStore,
  }
}

/**
 * Warns (in the log and the debug sidebar) when the store went back in time: core then kept the newer
 * token and wrote it back; the user should find out why the store lost writes. Generations only.
 */
const warnOnRollback = (RED: NodeAPI, node: RuntimeNode, client: TokenClient): TokenClient => {
  client.on("storeRolledBack", (event) =>
    node.warn(
      RED._("tangoe-credentials.warn.storeRolledBack", {
        stored: String(event.storedGeneration),
        held: String(event.heldGeneration),
      }),
    ),
  )
  return client
}

/**
 * Reports a new chain from the service account: the first grant in the log, a healed dead chain as a
 * warning too (the debug sidebar), saying what killed it. Reasons and times only, never a secret.
 */
const reportHeals = (RED: NodeAPI, node: RuntimeNode, client: TokenClient): TokenClient => {
  client.on("chainReestablished", (event) => {
    const text = RED._(`tangoe-credentials.event.${event.reason}`, { cause: event.cause })
    if (event.reason === "deadChain") node.warn(text)
    else node.log(text)
  })
  return client
}

/** Registers the `tangoe-credentials` config node type. */
export const registerCredentialsNode = (RED: NodeAPI): void => {
  RED.nodes.registerType(
    CREDENTIALS_TYPE,
    function (this: RuntimeNode, config: CredentialsConfig) {
      RED.nodes.createNode(this, config)
      const node = this as TangoeCredentialsNode
      node.tangoe = openTokenSource(RED, node, config, (this.credentials ?? {}) as CredentialsSecrets)
      node.on("close", (_removed, done) => {
        // The side store file is kept even when the node is deleted: undoing the deletion (or
        // importing the flow again) must find the live refresh token, never a dead one.
        const source = node.tangoe
        if ("client" in source) {
          void source.client.close().finally(source.closeStore).finally(done)
        } else done()
      })
    },
    { credentials: CREDENTIAL_FIELDS },
  )
}
