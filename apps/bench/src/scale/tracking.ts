/**
 * What the scale probe tracks that Node's `process.getActiveResourcesInfo()` leaves out (it lists
 * ref'd handles only): open client sockets, and live timers.
 *
 * Sockets: counted through the `net.client.socket` diagnostics channel. Built-in `fetch` (undici)
 * unrefs its keep-alive sockets, so they are invisible to Node's list, yet closing 1,000 of them
 * costs real CPU: the probe waits for them before it measures idle CPU.
 *
 * Timers: counts live timers (`setTimeout`/`setInterval` not yet fired or cleared). Node's
 * `process.getActiveResourcesInfo()` leaves out unref'd timers, and keep-warm timers are unref'd on
 * purpose, so the scale probe imports this module first to see them. Timers that Node's built-in
 * `fetch` (undici) creates are left out: undici clears them through functions it captured before
 * this module ran, so they could not be tracked, and they belong to sockets, not to token clients.
 */
import { subscribe } from "node:diagnostics_channel"
import type { Socket } from "node:net"

let sockets = 0
subscribe("net.client.socket", (message) => {
  const { socket } = message as { socket: Socket }
  sockets++
  socket.once("close", () => {
    sockets--
  })
})

/** Client sockets opened and not yet closed. */
export const openSockets = (): number => sockets

const fromUndici = (): boolean => (new Error().stack ?? "").includes("undici")
const live = new Set<unknown>()
const realSetTimeout = globalThis.setTimeout
const realClearTimeout = globalThis.clearTimeout
const realSetInterval = globalThis.setInterval
const realClearInterval = globalThis.clearInterval

globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const handle = realSetTimeout(
    (...a: unknown[]) => {
      live.delete(handle)
      callback(...a)
    },
    ms,
    ...args,
  )
  if (!fromUndici()) live.add(handle)
  return handle
}) as typeof setTimeout
globalThis.clearTimeout = ((handle?: Parameters<typeof clearTimeout>[0]) => {
  live.delete(handle)
  realClearTimeout(handle)
}) as typeof clearTimeout
globalThis.setInterval = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const handle = realSetInterval(callback, ms, ...args)
  if (!fromUndici()) live.add(handle)
  return handle
}) as typeof setInterval
globalThis.clearInterval = ((handle?: Parameters<typeof clearInterval>[0]) => {
  live.delete(handle)
  realClearInterval(handle)
}) as typeof clearInterval

/** Timers created through the globals (outside undici) that have neither fired nor been cleared. */
export const liveTimers = (): number => live.size
