/**
 * Opens core's token client and the token store for resolved settings. Every token rule (refresh
 * ahead, single flight across processes through the store's lock, write-ahead of the rotated
 * refresh token, replay on 401) is core's; this module only wires settings to it.
 *
 * The store is core's file store, or, for a `redis://` / `rediss://` URL, the shared Redis store of
 * @tangoe-token/store-redis. That one (and its Redis client) is a separate chunk of the bundle,
 * loaded only when a Redis URL is given, so the file-store fast path does not pay for it.
 *
 * @internal
 */

import { dirname } from "node:path"
import {
  createTokenClient,
  fileStore,
  type StoredToken,
  type TokenClient,
  type TokenStoreShape,
} from "@tangoe-token/core"
import { isSealedSecret, openSealedSecret } from "@tangoe-token/core/store"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { UsageError } from "./errors.ts"
import { lastFailurePath, recordFailure } from "./lastFailure.ts"
import { defaultStorePath } from "./paths.ts"
import { clientRequest, PASSWORD_LABEL, type Settings, serviceAccountOf } from "./settings.ts"

/**
 * The service account of the settings, its password opened when the settings file holds it sealed
 * (`init --self-heal` with `TANGOE_STORE_KEY`): a `UsageError` says what to do when the key is missing
 * or is not the one it was sealed with.
 */
export const openServiceAccount = async (
  settings: Settings,
): Promise<ReturnType<typeof serviceAccountOf>> => {
  const account = serviceAccountOf(settings)
  if (account === undefined || !isSealedSecret(Redacted.value(account.password))) return account
  const fix = `or run tangoe-token init --self-heal again to store the password anew`
  if (settings.storeKey === undefined) {
    throw new UsageError({
      message: `the service account's password in ${settings.configPath} is encrypted — set TANGOE_STORE_KEY to the passphrase it was saved with, ${fix}`,
    })
  }
  const password = await openSealedSecret(settings.storeKey, Redacted.value(account.password), PASSWORD_LABEL)
  if (password === undefined) {
    throw new UsageError({
      message: `the service account's password in ${settings.configPath} does not open with TANGOE_STORE_KEY — set the passphrase it was saved with, ${fix}`,
    })
  }
  return { username: account.username, password: Redacted.make(password) }
}

/** Failures that say nothing about the token: a wrong setting (found before any request), a closed client. */
const NOT_REMEMBERED = new Set(["InvalidConfig", "TokenManagerClosed"])

/** A store and how to release it (the Redis connection; nothing for a file). */
export interface OpenStore {
  readonly store: TokenStoreShape
  /** What to show as the store's location (never a password). */
  readonly location: string
  readonly close: () => Promise<void>
}

const openFileStore = (settings: Settings): OpenStore => {
  const result = Effect.runSync(
    Effect.result(
      fileStore(
        settings.storePath,
        settings.storeKey === undefined ? {} : { encryptionKey: settings.storeKey },
      ),
    ),
  )
  if (Result.isFailure(result)) throw result.failure
  return { store: result.success, location: settings.storePath, close: async () => {} }
}

const openRedisStore = async (
  settings: Settings,
  url: NonNullable<Settings["storeUrl"]>,
): Promise<OpenStore> => {
  if (settings.clientId === undefined) {
    throw new UsageError({
      message:
        "no client id — a Redis token store keeps one token per client id: pass --client-id, set TANGOE_CLIENT_ID, or run tangoe-token init",
    })
  }
  const { redisStore } = await import("@tangoe-token/store-redis")
  // Throws RedisStoreConfigError (exit code 2) for an unusable URL; its message never quotes the URL.
  const store = redisStore({
    url,
    environment: settings.environment,
    clientId: settings.clientId,
    password: settings.redisPassword,
    encryptionKey: settings.storeKey,
    // A one-shot command: an idle connection must not keep it alive.
    unref: true,
  })
  return { store, location: store.url, close: store.close }
}

/**
 * The token store of the settings: the Redis store for a Redis URL, else the file store (both
 * encrypted when `TANGOE_STORE_KEY` is set). Throws core's `StoreError`, a `UsageError` or
 * store-redis's `RedisStoreConfigError`. Close it when done.
 */
export const openStore = (settings: Settings): Promise<OpenStore> =>
  settings.storeUrl === undefined
    ? Promise.resolve(openFileStore(settings))
    : openRedisStore(settings, settings.storeUrl)

/** What the store holds, read without refreshing (for `status`), and where it is. Throws core's `StoreError`. */
export const loadStored = async (
  settings: Settings,
): Promise<{ readonly record: StoredToken | undefined; readonly location: string }> => {
  const opened = await openStore(settings)
  try {
    const result = await Effect.runPromise(Effect.result(opened.store.load))
    if (Result.isFailure(result)) throw result.failure
    return { record: result.success, location: opened.location }
  } finally {
    await opened.close()
  }
}

/**
 * Runs `use` with a client on the settings' store (a provisioned refresh token from env, flag or
 * stdin seeds it), then closes the client and the store, whatever happens. With a service account in
 * the settings (username and password), the client takes the first grant itself and heals a dead
 * chain (`serviceAccount: false` leaves it out).
 */
export const withClient = async <A>(
  settings: Settings,
  use: (client: TokenClient) => Promise<A>,
  options: { readonly serviceAccount?: boolean } = {},
): Promise<A> => {
  const request = clientRequest(settings)
  const account = options.serviceAccount === false ? undefined : await openServiceAccount(settings)
  const opened = await openStore(settings)
  try {
    const client = createTokenClient({
      ...request,
      ...(settings.refreshToken === undefined ? {} : { refreshToken: settings.refreshToken }),
      ...(account === undefined ? {} : { serviceAccount: account, selfHeal: true }),
      store: opened.store,
      ...(settings.noRetry ? { retry: false as const } : {}),
    })
    // Failed refreshes are remembered for `status` (written before the command ends).
    const failurePath = lastFailurePath(settings, dirname(defaultStorePath(process.env)))
    const recording: Array<Promise<void>> = []
    client.on("refreshFailed", (event) => {
      if (!NOT_REMEMBERED.has(event.error._tag))
        recording.push(recordFailure(failurePath, event.error, event.at))
    })
    try {
      return await use(client)
    } finally {
      await client.close()
      await Promise.all(recording)
    }
  } finally {
    await opened.close()
  }
}
