/**
 * Starts the playground: the simulator (in this process) with one seeded client, then Node-RED
 * (a child process) with our package linked into its user dir, then the example flow deployed
 * with the simulator's credentials. `stop` ends both; it is safe to call at any point.
 *
 * @internal
 */
import { type Simulator, SimulatorOptionsError, startSimulator } from "@tangoe-token/pingfederate-sim"
import { readyBanner, simulatorLogger } from "./banner.ts"
import { exampleIds, exampleTab, playgroundFlow, readExampleFlow } from "./exampleFlow.ts"
import { type NodeRedRuntime, startNodeRed } from "./nodeRed.ts"
import { OptionsError, type PlaygroundOptions } from "./options.ts"
import { ensurePortFree, LOOPBACK } from "./ports.ts"
import { nodePackageDir, prepareUserDir } from "./userDir.ts"

/** The client id the simulator is seeded with (not a secret: it shows in the simulator's log). */
export const PLAYGROUND_CLIENT_ID = "tangoe-playground"

/** A running playground. */
export interface Playground {
  readonly simulator: Simulator
  readonly nodeRed: NodeRedRuntime
}

/** What was started so far, so a stop during start-up ends exactly that. */
export interface Started {
  simulator?: Simulator
  nodeRed?: NodeRedRuntime
}

/** Stops whatever `started` holds: Node-RED first (its flows stop calling), then the simulator. */
export const stopStarted = async (started: Started, graceMs?: number): Promise<void> => {
  await started.nodeRed?.stop(graceMs)
  await started.simulator?.close()
}

/**
 * Starts everything and prints the banner through `write`. Fills `started` as it goes; on a
 * failure it stops what it started and rethrows.
 */
export const startPlayground = async (
  options: PlaygroundOptions,
  write: (line: string) => void,
  started: Started = {},
): Promise<Playground> => {
  try {
    await ensurePortFree(options.simPort, "The simulator", "--sim-port", "PLAYGROUND_SIM_PORT")
    await ensurePortFree(options.nodeRedPort, "Node-RED", "--node-red-port", "PLAYGROUND_NODE_RED_PORT")
    const packageDir = await nodePackageDir()
    const example = await readExampleFlow(packageDir)
    const ids = exampleIds(example)
    const userDir = await prepareUserDir({
      userDir: options.userDir,
      fresh: options.fresh,
      port: options.nodeRedPort,
      packageDir,
      exampleIds: ids,
    })
    const simulator = await startSimulator({
      host: LOOPBACK,
      port: options.simPort,
      accessTokenLifetime: options.accessTokenLifetime,
      clients: [{ clientId: PLAYGROUND_CLIENT_ID, scopes: ["MOBPROC"] }],
      log: simulatorLogger(write),
    }).catch((error: unknown) => {
      throw error instanceof SimulatorOptionsError && error.option === "port"
        ? new OptionsError(
            `The simulator cannot listen on ${LOOPBACK}:${options.simPort}: ${error.message}; pick another port with --sim-port <n> (or PLAYGROUND_SIM_PORT).`,
          )
        : error
    })
    started.simulator = simulator
    write(`[playground] simulator on ${simulator.url}; starting Node-RED (user dir ${userDir.userDir})`)
    const nodeRed = await startNodeRed({
      userDir: userDir.userDir,
      settingsFile: userDir.settingsFile,
      port: options.nodeRedPort,
      onLine: (line) => write(`[node-red] ${line}`),
    })
    started.nodeRed = nodeRed
    const [client] = simulator.clients
    if (client === undefined) throw new Error("The simulator has no seeded client")
    const flow = playgroundFlow(example, {
      tokenUrl: simulator.tokenUrl,
      apiBaseUrl: simulator.apiBaseUrl,
      tenant: client.tenant,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      refreshToken: client.refreshToken,
      interval: options.interval,
    })
    await nodeRed.deploy(flow, ids)
    write(
      readyBanner({
        editorUrl: nodeRed.url,
        simUrl: simulator.url,
        adminUrl: simulator.adminUrl,
        accessTokenLifetime: options.accessTokenLifetime,
        interval: options.interval,
        tenant: client.tenant,
        userDir: userDir.userDir,
        userDirCreated: userDir.created,
        tabLabel: String(exampleTab(flow).label),
      }),
    )
    return { simulator, nodeRed }
  } catch (error) {
    await stopStarted(started, 2_000)
    throw error
  }
}
