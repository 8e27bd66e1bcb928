/**
 * The Redis server to connect to, from a `redis://` or `rediss://` URL plus explicit options,
 * and its display form for messages: the URL without its password.
 *
 * The URL is parsed here rather than handed to the client library, so that no library error
 * (which may quote the URL) ever carries the password.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import { RedisStoreConfigError } from "../RedisStoreConfigError.ts"

/** Where and how to connect. */
export interface Endpoint {
  readonly host: string
  readonly port: number
  readonly tls: boolean
  readonly username: string | undefined
  readonly password: Redacted.Redacted<string> | undefined
  readonly database: number
  /** The URL without its password, e.g. `rediss://app@cache.internal:6380/2`. */
  readonly display: string
}

/** Explicit settings that override the URL's. */
export interface EndpointOverrides {
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | string | undefined
  readonly database?: number | undefined
}

const invalid = (field: string, expected: string) => new RedisStoreConfigError({ field, expected })

const decode = (part: string, field: string): string => {
  try {
    return decodeURIComponent(part)
  } catch {
    throw invalid(field, "a percent-encoded value in the URL")
  }
}

/** Parses the URL and applies the overrides. Throws `RedisStoreConfigError` (never quoting the URL). */
export const parseEndpoint = (
  raw: string | Redacted.Redacted<string>,
  overrides: EndpointOverrides,
): Endpoint => {
  const text: unknown = Redacted.isRedacted(raw) ? Redacted.value(raw) : raw
  if (typeof text !== "string" || text.trim().length === 0)
    throw invalid("url", "a redis:// or rediss:// URL")
  const givenUser: unknown = overrides.username
  if (givenUser !== undefined && (typeof givenUser !== "string" || givenUser.trim().length === 0)) {
    throw invalid("username", "a non-empty ACL user name")
  }
  const givenPassword: unknown = Redacted.isRedacted(overrides.password)
    ? Redacted.value(overrides.password)
    : overrides.password
  if (givenPassword !== undefined && (typeof givenPassword !== "string" || givenPassword.length === 0)) {
    throw invalid("password", "a non-empty string (or Redacted string)")
  }
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalid("url", "a redis:// or rediss:// URL, e.g. redis://user:password@host:6379/0")
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw invalid(
      "url",
      `a redis:// or rediss:// URL, not ${url.protocol}// (unix sockets are not supported)`,
    )
  }
  if (url.hostname.length === 0) throw invalid("url", "a host name in the URL")
  const tls = url.protocol === "rediss:"
  const port = url.port === "" ? 6379 : Number(url.port)
  let database = 0
  if (url.pathname.length > 1) {
    database = Number(url.pathname.slice(1))
    if (!Number.isInteger(database) || database < 0)
      throw invalid("url", "a database number as the URL path, e.g. /0")
  }
  if (overrides.database !== undefined) {
    if (!Number.isInteger(overrides.database) || overrides.database < 0) {
      throw invalid("database", "a non-negative integer")
    }
    database = overrides.database
  }
  const username = overrides.username ?? (url.username === "" ? undefined : decode(url.username, "url"))
  const password =
    overrides.password !== undefined
      ? Redacted.isRedacted(overrides.password)
        ? overrides.password
        : Redacted.make(overrides.password)
      : url.password === ""
        ? undefined
        : Redacted.make(decode(url.password, "url"))
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1")
  const displayHost = host.includes(":") ? `[${host}]` : host
  const user = username === undefined ? "" : `${encodeURIComponent(username)}@`
  return {
    host,
    port,
    tls,
    username,
    password,
    database,
    display: `${url.protocol}//${user}${displayHost}:${port}/${database}`,
  }
}
