/**
 * The Redis keys of one client's token: `<prefix>:{<environment>:<client id hash>}:token` and
 * `…:lock`. The braces are a Redis Cluster hash tag: both keys land in the same slot, which the
 * save script (it reads the lock and writes the token) needs. The client id is hashed, so keys
 * listed by `SCAN` do not show it; an environment that is a URL is hashed too.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { RedisStoreConfigError } from "../RedisStoreConfigError.ts"

/** An environment as core names it: `"production"`, `"qa"`, or a token URL. */
export type EnvironmentName = string | { readonly tokenUrl: string | URL }

/** The two keys of one client. */
export interface StoreKeys {
  readonly token: string
  readonly lock: string
}

const hash = (text: string, length: number): string =>
  createHash("sha256").update(text, "utf8").digest("hex").slice(0, length)

const LABEL = /^[A-Za-z0-9_.-]{1,40}$/

const ENVIRONMENT_EXPECTED = '"production", "qa", or { tokenUrl } (the environment of the token client)'

const environmentLabel = (environment: unknown): string => {
  const tokenUrl: unknown =
    typeof environment === "object" && environment !== null
      ? (environment as { tokenUrl?: unknown }).tokenUrl
      : undefined
  const text =
    typeof environment === "string"
      ? environment
      : typeof tokenUrl === "string" || tokenUrl instanceof URL
        ? String(tokenUrl)
        : undefined
  if (text === undefined || text.trim().length === 0)
    throw new RedisStoreConfigError({ field: "environment", expected: ENVIRONMENT_EXPECTED })
  return LABEL.test(text) ? text : `url-${hash(text, 12)}`
}

/** A key part: a non-empty string without braces or white space. */
const isKeyPart = (u: unknown): u is string => typeof u === "string" && u.length > 0 && !/[{}\s]/.test(u)

/** The keys for `namespace` (or `environment` + `clientId`) under `prefix`. */
export const storeKeys = (options: {
  readonly prefix: string
  readonly namespace: string | undefined
  readonly environment: EnvironmentName
  readonly clientId: string
}): StoreKeys => {
  if (!isKeyPart(options.prefix)) {
    throw new RedisStoreConfigError({
      field: "keyPrefix",
      expected: "a non-empty prefix without braces or spaces",
    })
  }
  let namespace = options.namespace
  // Checked even when a namespace replaces it in the keys: a wrong one is a wrong option.
  const environment =
    options.environment === undefined && namespace !== undefined
      ? undefined
      : environmentLabel(options.environment)
  if (namespace === undefined) {
    if (typeof options.clientId !== "string" || options.clientId.trim().length === 0) {
      throw new RedisStoreConfigError({
        field: "clientId",
        expected: "the non-empty client id the token belongs to (not only spaces)",
      })
    }
    namespace = `${environment}:${hash(options.clientId, 16)}`
  } else if (!isKeyPart(namespace)) {
    throw new RedisStoreConfigError({
      field: "namespace",
      expected: "a non-empty name without braces or spaces",
    })
  }
  const base = `${options.prefix}:{${namespace}}`
  return { token: `${base}:token`, lock: `${base}:lock` }
}
