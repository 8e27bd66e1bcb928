/**
 * Prepares the Node-RED user dir: our node package linked (not copied) into its node_modules, a
 * settings.js bound to 127.0.0.1 with a credential secret kept across starts, and the example
 * flow's nodes removed from flows.json so an old flow with dead credentials never runs (the
 * flow is deployed again, with the new simulator's credentials, once the runtime is up).
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { existsSync } from "node:fs"
import { lstat, mkdir, readdir, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { LOOPBACK } from "./ports.ts"

const require = createRequire(import.meta.url)

/** The npm name of our Node-RED package. */
export const NODE_PACKAGE = "@tangoe-token/node-red-tangoe"

/** Marks a folder the playground created, so `--fresh` never deletes anything else. */
const MARKER = ".tangoe-playground"
/** Keeps the credential secret stable across starts (flows_cred.json and the side store use it). */
const SECRET_FILE = ".credential-secret"

/** What `prepareUserDir` set up. */
export interface PreparedUserDir {
  readonly userDir: string
  readonly settingsFile: string
  /** The real folder of the linked node package. */
  readonly packageDir: string
  /** True when the playground had not set this folder up before (or `fresh` wiped it). */
  readonly created: boolean
}

/** The real folder of our Node-RED package, built (its dist/tangoe.js exists). */
export const nodePackageDir = async (): Promise<string> => {
  const dir = await realpath(dirname(require.resolve(`${NODE_PACKAGE}/package.json`)))
  if (!existsSync(join(dir, "dist", "tangoe.js"))) {
    throw new Error(
      `${NODE_PACKAGE} is not built (no ${join(dir, "dist", "tangoe.js")}): run \`pnpm start\` from the repository root, or \`pnpm --filter ${NODE_PACKAGE} build\`.`,
    )
  }
  return dir
}

/** Deletes `dir` when it is a playground user dir (or empty); refuses any other folder. */
const wipe = async (dir: string): Promise<void> => {
  if (!existsSync(dir)) return
  const entries = await readdir(dir)
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new Error(
      `--fresh: ${dir} is not a playground user dir (no ${MARKER} file in it), so it was not deleted: pick another --user-dir.`,
    )
  }
  await rm(dir, { recursive: true, force: true })
}

/** Links `<userDir>/node_modules/@tangoe-token/node-red-tangoe` to the package folder. */
const linkPackage = async (userDir: string, packageDir: string): Promise<void> => {
  const link = join(userDir, "node_modules", NODE_PACKAGE)
  await mkdir(dirname(link), { recursive: true })
  const existing = await lstat(link).catch(() => undefined)
  if (existing?.isSymbolicLink() && (await realpath(link).catch(() => "")) === packageDir) return
  if (existing) await rm(link, { recursive: true, force: true })
  await symlink(packageDir, link, "dir")
}

const credentialSecret = async (userDir: string): Promise<string> => {
  const file = join(userDir, SECRET_FILE)
  const existing = await readFile(file, "utf8").catch(() => undefined)
  if (existing !== undefined && existing.trim() !== "") return existing.trim()
  const secret = randomBytes(32).toString("hex")
  await writeFile(file, `${secret}\n`, { mode: 0o600 })
  return secret
}

/** The settings.js text: loopback only, no installs from the palette, no telemetry, no tours. */
const settingsText = (userDir: string, port: number, secret: string): string => {
  const settings = {
    uiHost: LOOPBACK,
    uiPort: port,
    userDir,
    flowFile: "flows.json",
    credentialSecret: secret,
    logging: { console: { level: "info", metrics: false, audit: false } },
    externalModules: { palette: { allowInstall: false }, modules: { allowInstall: false } },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    editorTheme: { tours: false, palette: { catalogues: [] }, projects: { enabled: false } },
  }
  return `// Written by apps/playground on every start: edits here are overwritten.\nmodule.exports = ${JSON.stringify(settings, null, 2)}\n`
}

/** Removes the nodes of `flowIds` (and the nodes on those tabs) from flows.json, if there is one. */
const removeFlowNodes = async (userDir: string, flowIds: ReadonlySet<string>): Promise<void> => {
  const file = join(userDir, "flows.json")
  const text = await readFile(file, "utf8").catch(() => undefined)
  if (text === undefined) return
  let nodes: unknown
  try {
    nodes = JSON.parse(text)
  } catch {
    throw new Error(`${file} is not valid JSON: fix it, or start with --fresh to begin again.`)
  }
  if (!Array.isArray(nodes)) return
  const kept = nodes.filter(
    (n: { id?: unknown; z?: unknown }) =>
      !(flowIds.has(String(n?.id)) || (typeof n?.z === "string" && flowIds.has(n.z))),
  )
  if (kept.length !== nodes.length) await writeFile(file, `${JSON.stringify(kept, null, 2)}\n`)
}

/**
 * Creates or reuses the user dir at `userDir` for a runtime on `port`, with the package at
 * `packageDir` linked in and the nodes of `exampleIds` taken out of flows.json.
 */
export const prepareUserDir = async (options: {
  readonly userDir: string
  readonly fresh: boolean
  readonly port: number
  readonly packageDir: string
  readonly exampleIds: ReadonlySet<string>
}): Promise<PreparedUserDir> => {
  const { userDir, packageDir } = options
  if (options.fresh) await wipe(userDir)
  const created = !existsSync(join(userDir, MARKER))
  await mkdir(userDir, { recursive: true })
  await writeFile(join(userDir, MARKER), "A Node-RED user dir made by apps/playground (pnpm start).\n")
  await writeFile(
    join(userDir, "package.json"),
    `${JSON.stringify(
      {
        name: "tangoe-playground-user-dir",
        description: "Node-RED user dir of the tangoe-token playground",
        private: true,
        dependencies: { [NODE_PACKAGE]: `file:${packageDir}` },
      },
      null,
      2,
    )}\n`,
  )
  await linkPackage(userDir, packageDir)
  const settingsFile = join(userDir, "settings.js")
  await writeFile(settingsFile, settingsText(userDir, options.port, await credentialSecret(userDir)), {
    mode: 0o600,
  })
  await removeFlowNodes(userDir, options.exampleIds)
  return { userDir, settingsFile, packageDir, created }
}
