/**
 * Opens core's token client and file store for resolved settings. Every token rule (refresh ahead,
 * single flight across processes through the store's lock, write-ahead of the rotated refresh
 * token, replay on 401) is core's; this module only wires settings to it.
 *
 * @internal
 */
import {
  createTokenClient,
  fileStore,
  type StoredToken,
  type TokenClient,
  type TokenStoreShape,
} from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { clientRequest, type Settings } from "./settings.ts"

/** The file store of the settings (encrypted when `TANGOE_STORE_KEY` is set). Throws core's `StoreError`. */
export const openStore = (settings: Settings): TokenStoreShape => {
  const result = Effect.runSync(
    Effect.result(
      fileStore(
        settings.storePath,
        settings.storeKey === undefined ? {} : { encryptionKey: settings.storeKey },
      ),
    ),
  )
  if (Result.isFailure(result)) throw result.failure
  return result.success
}

/** What the store holds, read without refreshing (for `status`). Throws core's `StoreError`. */
export const loadStored = async (settings: Settings): Promise<StoredToken | undefined> => {
  const store = openStore(settings)
  const result = await Effect.runPromise(Effect.result(store.load))
  if (Result.isFailure(result)) throw result.failure
  return result.success
}

/** A token client on the settings' file store; a provisioned refresh token (env, flag, stdin) seeds it. */
export const openClient = (settings: Settings): TokenClient => {
  const request = clientRequest(settings)
  return createTokenClient({
    ...request,
    ...(settings.refreshToken === undefined ? {} : { refreshToken: settings.refreshToken }),
    store: openStore(settings),
    ...(settings.noRetry ? { retry: false as const } : {}),
  })
}

/** Runs `use` with a client and closes the client afterwards, whatever happens. */
export const withClient = async <A>(
  settings: Settings,
  use: (client: TokenClient) => Promise<A>,
): Promise<A> => {
  const client = openClient(settings)
  try {
    return await use(client)
  } finally {
    await client.close()
  }
}
