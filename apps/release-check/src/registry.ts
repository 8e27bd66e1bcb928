/**
 * A local npm registry for the release check: verdaccio, installed once with `npm ci` into a cache
 * folder outside the workspace (from `registry/package-lock.json`), run as a child process on
 * 127.0.0.1 with a free port, temporary storage and a temporary config. Packages under
 * `@tangoe-token/*` are served only from that storage (no uplink: a name that was not published
 * here does not exist); every other package is proxied to the npm registry.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { cleanEnv, killGroup, mustRun } from "./exec.ts"

/** The scope the release publishes under. */
export const SCOPE = "@tangoe-token"

/** The verdaccio version the manifest in `registry/` pins. */
export const VERDACCIO_VERSION = "6.10.4"

const MANIFEST_DIR = join(import.meta.dirname, "..", "registry")
const LAUNCHER = join(import.meta.dirname, "verdaccioServer.ts")

/** The cache root shared with the n8n install (`TANGOE_CACHE_DIR`, default `~/.cache/tangoe-token`). */
export const cacheRoot = (): string =>
  process.env.TANGOE_CACHE_DIR ?? join(homedir(), ".cache", "tangoe-token")

/**
 * Installs verdaccio into `<cache>/verdaccio-<version>` unless a finished install is there, and
 * returns that folder. A changed lockfile makes a new install.
 */
export const ensureVerdaccio = async (): Promise<string> => {
  const dir = join(cacheRoot(), `verdaccio-${VERDACCIO_VERSION}`)
  const lock = await readFile(join(MANIFEST_DIR, "package-lock.json"), "utf8")
  const marker = join(dir, ".installed")
  const installed = await readFile(marker, "utf8").catch(() => "")
  if (installed === lock) return dir
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await copyFile(join(MANIFEST_DIR, "package.json"), join(dir, "package.json"))
  await copyFile(join(MANIFEST_DIR, "package-lock.json"), join(dir, "package-lock.json"))
  await mustRun("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    timeout: 300_000,
  })
  await writeFile(marker, lock)
  return dir
}

/** The verdaccio config: local-only scope, everything else proxied, storage and users in `dir`. */
export const registryConfig = (dir: string): string =>
  [
    `storage: ${JSON.stringify(join(dir, "storage"))}`,
    "auth:",
    "  htpasswd:",
    `    file: ${JSON.stringify(join(dir, "htpasswd"))}`,
    "    max_users: 1",
    "uplinks:",
    "  npmjs:",
    "    url: https://registry.npmjs.org/",
    "    timeout: 60s",
    "packages:",
    // No `proxy`: these names are served from local storage only, never looked up upstream.
    `  "${SCOPE}/*":`,
    "    access: $all",
    "    publish: $authenticated",
    "    unpublish: $authenticated",
    '  "**":',
    "    access: $all",
    "    publish: $authenticated",
    "    proxy: npmjs",
    "publish:",
    "  allow_offline: true",
    "log: { type: stdout, format: json, level: warn }",
    "",
  ].join("\n")

/** A running local registry and a user that may publish to it. */
export interface LocalRegistry {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  /** The publishing user's token (a secret of this run only). */
  readonly token: string
  /**
   * An npm user config: the whole registry (for `changeset publish`) or only the scope (for the
   * clean installs: everything else from the npm registry) at the local one, with the token.
   */
  npmrc(mode: "publish" | "scope"): string
  /** Stops verdaccio. */
  close(): Promise<void>
}

/** Starts verdaccio from `verdaccioDir` with its config and storage in `dir`, and adds a user. */
export const startRegistry = async (verdaccioDir: string, dir: string): Promise<LocalRegistry> => {
  await mkdir(dir, { recursive: true })
  const config = join(dir, "config.yaml")
  await writeFile(config, registryConfig(dir))
  const child = spawn(process.execPath, [LAUNCHER, verdaccioDir, config], {
    cwd: dir,
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  const close = async () => {
    killGroup(child.pid, "SIGTERM")
    const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 5_000)
    await exited
    clearTimeout(timer)
  }
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`verdaccio did not start in 60 s:\n${stderr}`)), 60_000)
      void exited.then(() => reject(new Error(`verdaccio exited while starting:\n${stderr}`)))
      createInterface({ input: child.stdout }).on("line", (line) => {
        const started = /^\{"listening":"(http:\/\/127\.0\.0\.1:\d+\/)"\}$/.exec(line)
        if (started?.[1] !== undefined) {
          clearTimeout(timer)
          resolve(started[1])
        }
      })
    })
    const user = `release-${randomBytes(4).toString("hex")}`
    const response = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: user, password: randomBytes(18).toString("base64url") }),
    })
    const body = (await response.json()) as { token?: unknown }
    if (!response.ok || typeof body.token !== "string")
      throw new Error(`verdaccio refused to add the publishing user: HTTP ${response.status}`)
    const token = body.token
    const hostPath = url.replace(/^http:/, "")
    return {
      url,
      token,
      npmrc: (mode) =>
        [
          mode === "publish" ? `registry=${url}` : `${SCOPE}:registry=${url}`,
          `${hostPath}:_authToken=${token}`,
          "audit=false",
          "fund=false",
          "update-notifier=false",
          "",
        ].join("\n"),
      close,
    }
  } catch (error) {
    await close()
    throw error
  }
}
