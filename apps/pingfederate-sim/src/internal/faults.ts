/**
 * Fault injection plumbing: describing a fault for the request log, telling whether it lets the
 * request be processed, and the FIFO queue the token endpoint takes one fault from per request.
 */
import type { Fault } from "../Fault.ts"

/** A short, secret-free description of a fault for logs, e.g. `status:503:retry-after=5`. */
export const describeFault = (fault: Fault): string => {
  const parts: Array<string> = [fault.kind]
  for (const [key, value] of Object.entries(fault)) {
    if (key === "kind" || value === undefined) continue
    parts.push(`${key}=${value instanceof Date ? value.toISOString() : String(value)}`)
  }
  return parts.join(":")
}

/** Whether the fault lets the server process the request (and so rotate a valid refresh token). */
export const processesRequest = (fault: Fault | undefined): boolean => {
  if (fault === undefined) return true
  switch (fault.kind) {
    case "resetBeforeProcessing":
    case "html":
    case "quoteRefreshToken":
      return false
    case "status":
      return fault.rotate === true
    default:
      return true
  }
}

/** The FIFO queue of faults for the next token requests. */
export class FaultQueue {
  #faults: Array<Fault> = []

  /** Adds faults at the end of the queue. */
  push(faults: ReadonlyArray<Fault>): void {
    this.#faults.push(...faults)
  }

  /** Takes the next fault, if any. */
  shift(): Fault | undefined {
    return this.#faults.shift()
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#faults = []
  }

  /** The faults still queued, first first. */
  get pending(): ReadonlyArray<Fault> {
    return [...this.#faults]
  }
}
