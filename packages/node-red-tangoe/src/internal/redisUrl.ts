/**
 * The optional Redis URL of a `tangoe-credentials` node, checked without loading the Redis store:
 * its scheme, and the password it may carry (so messages can be scrubbed of it too).
 *
 * @internal
 */

/** Whether a Redis URL has a scheme the store accepts (`redis://`, `rediss://` for TLS) and parses. */
export const isRedisUrl = (url: string): boolean => {
  if (!/^rediss?:\/\/\S+$/i.test(url)) return false
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}

/** The password a Redis URL carries (decoded), so messages can be scrubbed of it too. */
export const redisUrlPassword = (url: string): string | undefined => {
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === "" ? undefined : password
  } catch {
    return undefined
  }
}
