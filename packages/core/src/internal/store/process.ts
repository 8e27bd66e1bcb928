/**
 * Who this process is, and whether another process (named by a lock file) is still alive.
 *
 * On Linux a process is identified by host name + pid namespace + pid + start time (from
 * `/proc/<pid>/stat`), so a recycled pid or a zombie is recognised as dead at once. Elsewhere,
 * `process.kill(pid, 0)` on the same host decides. A holder on another host or in another pid
 * namespace cannot be checked: its lock expires by lease instead.
 *
 * @internal
 */
import { readFileSync, readlinkSync } from "node:fs"
import { hostname } from "node:os"
import { errnoCode } from "./fsError.ts"

/** The identity a lock holder writes into its lock file. */
export interface ProcessIdentity {
  readonly pid: number
  readonly hostname: string
  readonly pidNamespace?: string | undefined
  readonly startTicks?: number | undefined
}

interface ProcStat {
  readonly state: string
  readonly startTicks: number
}

const readStat = (pid: number | "self"): ProcStat | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8")
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ")
    const startTicks = Number(fields[19])
    const state = fields[0]
    return state === undefined || !Number.isFinite(startTicks) ? undefined : { state, startTicks }
  } catch {
    return undefined
  }
}

const readPidNamespace = (): string | undefined => {
  try {
    return readlinkSync("/proc/self/ns/pid")
  } catch {
    return undefined
  }
}

let self: ProcessIdentity | undefined

/** This process's identity (computed once; the pid is read each time, for forks). */
export const selfIdentity = (): ProcessIdentity => {
  if (self === undefined || self.pid !== process.pid) {
    self = {
      pid: process.pid,
      hostname: hostname(),
      pidNamespace: readPidNamespace(),
      startTicks: readStat("self")?.startTicks,
    }
  }
  return self
}

/**
 * `dead`: certainly gone (or its pid now belongs to another process); `alive`: running on this
 * host; `unknown`: on another host / pid namespace, or not identifiable.
 */
export type Liveness = "alive" | "dead" | "unknown"

/** Whether the process a lock file names is still running. */
export const liveness = (holder: Partial<ProcessIdentity>): Liveness => {
  const me = selfIdentity()
  const { pid } = holder
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return "unknown"
  if (holder.hostname !== me.hostname || holder.pidNamespace !== me.pidNamespace) return "unknown"
  let otherUser = false
  try {
    process.kill(pid, 0)
  } catch (e) {
    // ESRCH: no such process. EPERM: it exists but belongs to another user.
    if (errnoCode(e) === "ESRCH") return "dead"
    otherUser = true
  }
  const stat = readStat(pid)
  // No stat although the pid answered: it just exited, unless /proc hides other users' processes
  // (hidepid) or there is no /proc at all.
  if (stat === undefined) return otherUser || me.startTicks === undefined ? "alive" : "dead"
  if (stat.state === "Z" || stat.state === "X") return "dead"
  if (holder.startTicks !== undefined && stat.startTicks !== holder.startTicks) return "dead"
  return "alive"
}
