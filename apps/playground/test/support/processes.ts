/**
 * Process helpers for the tests: two distinct free loopback ports, and the descendants of a pid read from
 * /proc (Linux), so a test can prove every process the playground started is gone.
 */
import { readdirSync, readFileSync } from "node:fs"
import { freePort } from "@tangoe-token/test-support/ports"

/** Two distinct free ports. */
export const freePorts = async (): Promise<[number, number]> => {
  const a = await freePort()
  let b = await freePort()
  while (b === a) b = await freePort()
  return [a, b]
}

/** pid -> parent pid, for every live process. */
const parents = (): Map<number, number> => {
  const map = new Map<number, number>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      if (fields[0] === "Z") continue // a zombie has exited already
      map.set(Number(entry), Number(fields[1]))
    } catch {
      // gone while reading
    }
  }
  return map
}

/** The pids of every live descendant of `root` (not `root` itself). */
export const descendants = (root: number): Array<number> => {
  const map = parents()
  const found: Array<number> = []
  const queue = [root]
  while (queue.length > 0) {
    const pid = queue.shift() as number
    for (const [child, parent] of map) {
      if (parent === pid && !found.includes(child)) {
        found.push(child)
        queue.push(child)
      }
    }
  }
  return found
}

/** Whether `pid` is a live (not zombie) process. */
export const isAlive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"
  } catch {
    return false
  }
}

/** The command line of `pid`, for messages. */
export const commandLine = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim()
  } catch {
    return "(gone)"
  }
}

/** Waits until none of `pids` is alive, or `timeoutMs` passed; returns the ones still alive. */
export const waitGone = async (pids: ReadonlyArray<number>, timeoutMs: number): Promise<Array<number>> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    const alive = pids.filter(isAlive)
    if (alive.length === 0 || Date.now() > until) return alive
    await new Promise((r) => setTimeout(r, 100))
  }
}
