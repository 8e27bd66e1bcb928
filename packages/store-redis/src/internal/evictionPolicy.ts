/**
 * Reading Redis's `maxmemory-policy` when a connection becomes ready, and deciding whether it may
 * drop the token key.
 *
 * - `CONFIG GET maxmemory-policy` first; where CONFIG is disabled, renamed or denied by an ACL (managed
 *   services often do that), `INFO memory`'s `maxmemory_policy`; when neither answers, the policy is
 *   `undefined` and the store proceeds (it cannot tell), saying so in a process warning.
 * - Refused: `allkeys-lru`, `allkeys-lfu`, `allkeys-random`: under memory pressure they may evict ANY
 *   key, the token hash included (it has no TTL and is read rarely, so an LRU/LFU picks it early).
 *   The next load finds an empty store: callers end with `InvalidGrant`, then `NotProvisioned`.
 * - Accepted: `noeviction` (writes fail with OOM instead, a retryable `StoreError`), and the
 *   `volatile-*` policies (`volatile-lru`, `volatile-lfu`, `volatile-random`, `volatile-ttl`): they
 *   evict only keys with a TTL, and the token hash never has one. They may evict the refresh lock
 *   (it has a lease TTL) early, which is like a lease that ran out: saves stay fenced.
 *
 * @internal
 */

/** The policies that may evict the token key. */
export const EVICTING_POLICIES: ReadonlyArray<string> = ["allkeys-lru", "allkeys-lfu", "allkeys-random"]

/**
 * Where the policy was read from: `CONFIG GET`, `INFO memory`, or neither (`unreadable`).
 *
 * @category models
 * @since 0.2.0
 */
export type PolicySource = "CONFIG" | "INFO" | "unreadable"

/**
 * What a connection learnt about the server's eviction policy.
 *
 * @category models
 * @since 0.2.0
 */
export interface PolicyReading {
  /** The `maxmemory-policy`, or `undefined` when neither CONFIG nor INFO could be read. */
  readonly policy: string | undefined
  readonly source: PolicySource
}

const text = (u: unknown): string | undefined =>
  typeof u === "string" ? u : u instanceof Buffer ? u.toString("utf8") : undefined

/** `CONFIG GET` answers `[name, value]` (RESP2) or `{ name: value }` (RESP3). */
const fromConfigReply = (reply: unknown): string | undefined => {
  if (Array.isArray(reply)) return text(reply[1])
  if (reply instanceof Map) return text(reply.get("maxmemory-policy"))
  if (typeof reply === "object" && reply !== null) {
    return text((reply as Record<string, unknown>)["maxmemory-policy"])
  }
  return undefined
}

const fromInfoReply = (reply: unknown): string | undefined =>
  /^maxmemory_policy:(.*)$/m.exec(text(reply) ?? "")?.[1]?.trim() || undefined

/** Reads the policy with `send` (a raw command); never throws. */
export const readEvictionPolicy = async (
  send: (args: ReadonlyArray<string>) => Promise<unknown>,
): Promise<PolicyReading> => {
  try {
    const policy = fromConfigReply(await send(["CONFIG", "GET", "maxmemory-policy"]))
    if (policy !== undefined && policy !== "") return { policy, source: "CONFIG" }
  } catch {
    // CONFIG disabled, renamed or denied: try INFO.
  }
  try {
    const policy = fromInfoReply(await send(["INFO", "memory"]))
    if (policy !== undefined) return { policy, source: "INFO" }
  } catch {
    // INFO denied too.
  }
  return { policy: undefined, source: "unreadable" }
}

/** Whether the policy may evict the token key. */
export const isEvicting = (policy: string | undefined): boolean =>
  policy !== undefined && EVICTING_POLICIES.includes(policy.toLowerCase())
