/**
 * Runs verdaccio (installed in the folder given as the first argument) with the config file given
 * as the second, on 127.0.0.1 and a free port, and prints `{"listening":"http://127.0.0.1:<port>/"}`
 * once it accepts connections. Started as a child process by `registry.ts`; SIGTERM stops it.
 */
import type { Server } from "node:http"
import { createRequire } from "node:module"
import { join } from "node:path"

const [verdaccioDir, configFile] = process.argv.slice(2)
if (verdaccioDir === undefined || configFile === undefined) {
  console.error("usage: node verdaccioServer.ts <verdaccio install folder> <config.yaml>")
  process.exit(2)
}
const require = createRequire(join(verdaccioDir, "package.json"))
const { runServer } = require("verdaccio") as { runServer: (config: string) => Promise<Server> }
const server = await runServer(configFile)
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${port}/` }))
})
process.once("SIGTERM", () => {
  server.close()
  server.closeAllConnections()
  process.exit(0)
})
