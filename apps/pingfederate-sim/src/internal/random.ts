/**
 * Random identifiers shaped like PingFederate's: opaque alphanumeric tokens (url-safe, no escaping
 * needed in a query string) and hex client ids/secrets like the ones in Tangoe's tutorial.
 */
import { randomBytes, randomInt } from "node:crypto"

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** Length of a refresh token, as in the tutorial (`a9AhNvcffquYkV4bSw0O6gt4gKZRvTUGR2lfR8nJf4`). */
export const REFRESH_TOKEN_LENGTH = 42
/** Length of an access token, as in the tutorial (`Ql0mwXlo8lWHmczeiopaDt5rLMTO`). */
export const ACCESS_TOKEN_LENGTH = 28

/** A uniformly random alphanumeric string (62 symbols, about 5.95 bits each). */
export const randomAlphanumeric = (length: number): string => {
  let out = ""
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]
  return out
}

/** A random lowercase hex string of `length` characters (a client id like `376af941…`). */
export const randomHex = (length: number): string =>
  randomBytes(Math.ceil(length / 2))
    .toString("hex")
    .slice(0, length)
