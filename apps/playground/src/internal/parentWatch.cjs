/*
 * Preloaded into the Node-RED process (`node --require parentWatch.cjs red.js …`): when the
 * playground process that started it dies, even by SIGKILL, Node-RED stops itself instead of
 * living on as an orphan. The IPC channel to the parent closes when the parent dies; the parent
 * pid changing (re-parenting) is the fallback. Either way: SIGTERM (Node-RED stops its flows
 * and exits), and a hard exit if that has not happened within 10 s.
 */
"use strict"

const parent = process.ppid
let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  setTimeout(() => process.exit(1), 10_000).unref()
  process.kill(process.pid, "SIGTERM")
}

if (typeof process.send === "function") {
  process.once("disconnect", stop)
  // The channel alone must not keep the runtime alive.
  process.channel?.unref()
}
setInterval(() => {
  if (process.ppid !== parent) stop()
}, 1_000).unref()
