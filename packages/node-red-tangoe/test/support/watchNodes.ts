/**
 * How a helper suite watches the nodes under node-red-node-test-helper: the messages a helper node
 * receives, the statuses a node sets, a condition awaited, and everything the runtime logged.
 */
import { helper, type TestNode } from "./nodeRed.ts"

/** Collects the messages a helper node receives. */
export const collect = (id: string): Array<Record<string, unknown>> => {
  const seen: Array<Record<string, unknown>> = []
  ;(helper.getNode(id) as TestNode).on("input", (msg) => seen.push(msg as Record<string, unknown>))
  return seen
}

/** Collects the status objects a node sets (wrapping the instance's method, which outlives unload). */
export const statuses = (id: string): Array<{ fill?: string; text?: string }> => {
  const seen: Array<{ fill?: string; text?: string }> = []
  const node = helper.getNode(id) as TestNode & { status(s: object): void }
  const original = node.status
  node.status = (status: object) => {
    seen.push(status)
    original.call(node, status)
  }
  return seen
}

/** Waits until `check()` holds, failing with `what` after `ms`. */
export const waitFor = async (check: () => boolean, what: string, ms = 120_000): Promise<void> => {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Everything observable that must never contain a secret: `values` and the runtime's log. */
export const observable = (...values: unknown[]): string =>
  JSON.stringify([...values, helper.log().args.map((a) => String(a[0] && JSON.stringify(a[0])))])
