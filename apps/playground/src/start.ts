#!/usr/bin/env node
/**
 * `pnpm start` (apps/playground): the PingFederate simulator and a real Node-RED 5 runtime with
 * @tangoe-token/node-red-tangoe and its example flow, on 127.0.0.1 only. SIGINT (Ctrl-C),
 * SIGTERM and SIGHUP stop both; so does this process's parent going away (the Node-RED child
 * also stops itself if this process is killed outright). Exit codes: 0 after a stop signal or
 * --help, 2 for a bad flag or a port in use, 1 for any other failure.
 *
 * @since 0.1.0
 */
import { OptionsError, parseCommand, USAGE } from "./internal/options.ts"
import { type Started, startPlayground, stopStarted } from "./internal/playground.ts"

/** Writes one line to stdout; a closed stdout (the terminal went away) is not an error. */
const write = (line: string): void => {
  process.stdout.write(`${line}\n`)
}
process.stdout.on("error", () => {})
process.stderr.on("error", () => {})

const started: Started = {}
let stopping = false

/** Stops everything once; a second signal while stopping kills Node-RED at once. */
const shutdown = (why: string, exitCode: number): void => {
  if (stopping) {
    write(`[playground] ${why} again: killing Node-RED now`)
    void started.nodeRed?.stop(0).finally(() => process.exit(exitCode || 130))
    return
  }
  stopping = true
  write(`[playground] ${why}: stopping Node-RED and the simulator`)
  stopStarted(started).then(
    () => {
      write("[playground] stopped")
      process.exit(exitCode)
    },
    (error: unknown) => {
      process.stderr.write(`[playground] stop failed: ${(error as Error).message}\n`)
      process.exit(1)
    },
  )
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => shutdown(signal, 0))
}

// The parent (pnpm, a terminal, a test) going away re-parents this process: stop then too.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) shutdown("parent process exited", 0)
}, 1_000).unref()

const main = async (): Promise<void> => {
  const command = parseCommand(process.argv.slice(2), process.env)
  if (command.kind === "help") {
    process.stdout.write(USAGE)
    return
  }
  const { nodeRed } = await startPlayground(command.options, write, started)
  const code = await nodeRed.exited
  if (!stopping) {
    process.stderr.write(`[playground] Node-RED exited on its own (${code}); stopping the simulator\n`)
    shutdown("Node-RED exited", 1)
  }
}

main().catch((error: unknown) => {
  const usage = error instanceof OptionsError
  process.stderr.write(`[playground] ${error instanceof Error ? error.message : String(error)}\n`)
  void stopStarted(started, 2_000).finally(() => process.exit(usage ? 2 : 1))
})
