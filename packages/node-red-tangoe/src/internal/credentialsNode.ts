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

import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { StoreError } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import { type ApiSettings, apiSettingsOf } from "./apiSettings.ts"
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
import { deriveSideStoreKey, runtimeSecretOf, sideStorePath } from "./sideStore.ts"
import { type KeyOutcome, sideStoreDataKey } from "./sideStoreKeys.ts"

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
  /** Tangoe's API headers of this client: the tenant (when set) and the client id. */
  apiHeaders: { readonly tenant?: string | undefined; readonly clientId?: string | undefined }
  /** What a `tangoe api` node calls Tangoe with (see apiSettings.ts), or why it cannot. */
  apiSettings: { readonly settings: ApiSettings } | { readonly problem: TokenProblem }
}

/** A trimmed, non-empty header value without control characters, else `undefined`. */
const headerValue = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" && !/\p{Cc}/u.test(value) ? value.trim() : undefined

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

/** The side store of a config node: its file and what its key comes from. */
interface SideStoreInput {
  readonly clientId: string
  readonly clientSecret: string
  /** The refresh token entered in the editor ("" when a service account starts the chain). */
  readonly provisioned: string
  /** Whether the node has a service account (it can start a new chain itself). */
  readonly serviceAccount: boolean
}

/**
 * Whether a side store that no key opens may be set aside for a new, empty one. Yes when the user
 * entered a refresh token other than the one the store was keyed for (a newly provisioned token
 * replaces the chain anyway), and always for a node with a service account: its store, empty after
 * the set-aside, is provisioned by the service account's grant instead of the user.
 */
const mayStartAfresh =
  (provisionedOrigin: string, serviceAccount: boolean) =>
  (keyringOrigin: string | undefined): boolean =>
    serviceAccount || (keyringOrigin !== undefined && keyringOrigin !== provisionedOrigin)

/**
 * The node's side store: core's encrypted file store under the user dir, with the data key of
 * `sideStoreKeys.ts` (it survives a change of `credentialSecret` or of the client secret), or
 * memory when the runtime has no user dir. The key is settled now, while the node starts: a
 * store no key opens is a problem the node reports (status, log) with what to do. A file system
 * failure on the way fails the token requests instead, with a `StoreError` that says what to fix.
 */
const openStore = (
  RED: NodeAPI,
  node: RuntimeNode,
  input: SideStoreInput,
  seed: Seed | undefined,
):
  | { readonly store: TokenStore | Effect.Effect<TokenStore, StoreError> }
  | { readonly problem: TokenProblem } => {
  const userDir = RED.settings.userDir
  if (typeof userDir !== "string" || userDir === "") {
    node.warn(RED._("tangoe-credentials.warn.noUserDir"))
    return { store: seedWhenEmpty(memoryStore(), seed) }
  }
  const path = sideStorePath(userDir, node.id)
  let outcome: KeyOutcome
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    const runtimeSecret = runtimeSecretOf(RED.settings, userDir)
    const provisionedOrigin = originOf(input.provisioned)
    outcome = sideStoreDataKey(
      {
        storePath: path,
        runtimeSecret,
        clientId: input.clientId,
        clientSecret: input.clientSecret,
        provisionedOrigin,
        legacyKey: deriveSideStoreKey(runtimeSecret),
      },
      mayStartAfresh(provisionedOrigin, input.serviceAccount),
    )
  } catch (cause) {
    const detail = (cause as NodeJS.ErrnoException).code ?? "key file"
    return {
      store: Effect.fail(
        new StoreError({ operation: "load", location: path, reason: "NotWritable", detail }),
      ),
    }
  }
  switch (outcome._tag) {
    case "Unreadable":
      return { problem: sideStoreUnreadable(path) }
    case "SetAside":
      node.warn(RED._("tangoe-credentials.warn.sideStoreSetAside", { file: outcome.keptAs }))
      break
    case "Opened":
      if (outcome.rewrapped.length > 0 && outcome.rewrapped.length < 2) {
        node.log(RED._("tangoe-credentials.log.sideStoreRekeyed", { secret: outcome.rewrapped.join(", ") }))
      }
  }
  return {
    store: fileStore(path, { encryptionKey: outcome.key }).pipe(
      Effect.map((store) =>
        seedWhenEmpty(
          mirrorSaves(store, (saved) => mirrorIntoCredentials(RED, node.id, saved)),
          seed,
        ),
      ),
    ),
  }
}

/** The problem of a side store that no key opens: both secrets it was keyed with changed. */
const sideStoreUnreadable = (path: string): TokenProblem => ({
  _tag: "SideStoreUnreadable",
  message: `The saved refresh token cannot be decrypted: Node-RED's credential secret and the client secret have both changed since it was saved (the file is kept: ${path}). Paste a new refresh token from Tangoe into the credentials node and deploy; the token entered before was rotated away.`,
})

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
    const side = openStore(
      RED,
      node,
      {
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        provisioned: refreshToken,
        serviceAccount: options.serviceAccount !== undefined,
      },
      seed,
    )
    if ("problem" in side) {
      node.warn(RED._("tangoe-credentials.warn.notConfigured", { message: side.problem.message }))
      return { problem: side.problem, secrets: known }
    }
    const client = reportHeals(
      RED,
      node,
      warnOnRollback(RED, node, createTokenClient({ ...options, store: side.store })),
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
      const secrets = (this.credentials ?? {}) as CredentialsSecrets
      node.tangoe = openTokenSource(RED, node, config, secrets)
      node.apiHeaders = { tenant: headerValue(config.tenant), clientId: headerValue(secrets.clientId) }
      node.apiSettings = apiSettingsOf(config, secrets)
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
