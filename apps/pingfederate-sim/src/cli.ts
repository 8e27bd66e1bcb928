#!/usr/bin/env node
/**
 * The `pingfederate-sim` bin: starts a simulator from command-line flags, prints one JSON line with
 * the URLs and the seeded client credentials on stdout, logs requests (masked) to stderr, and stops
 * cleanly on SIGINT/SIGTERM. Exit codes: 0 after a signal or --help, 2 for bad flags, 1 otherwise.
 *
 * @since 0.1.0
 */
import { parseCliArgs, USAGE } from "./internal/cliArgs.ts"
import { startSimulator } from "./Simulator.ts"
import { SimulatorOptionsError } from "./SimulatorOptionsError.ts"

const main = async (): Promise<void> => {
  const command = parseCliArgs(process.argv.slice(2))
  if (command.kind === "help") {
    process.stdout.write(USAGE)
    return
  }
  const sim = await startSimulator({
    ...command.options,
    log: command.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  })
  // The one place secrets are printed, on purpose: these are the user's test credentials.
  process.stdout.write(
    `${JSON.stringify({
      tokenUrl: sim.tokenUrl,
      apiUrl: sim.apiUrl,
      adminUrl: sim.adminUrl,
      environment: sim.environment,
      clients: sim.clients,
      apiBaseUrl: sim.apiBaseUrl,
      serviceAccounts: sim.serviceAccounts,
    })}\n`,
  )
  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`pingfederate-sim: ${signal}, closing\n`)
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}

main().catch((error: unknown) => {
  if (error instanceof SimulatorOptionsError) {
    process.stderr.write(`pingfederate-sim: ${error.message}\nRun pingfederate-sim --help for the flags.\n`)
    process.exit(2)
  }
  process.stderr.write(`pingfederate-sim: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
