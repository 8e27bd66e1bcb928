/**
 * Headless Chromium for the editor test: Debian's /usr/bin/chromium driven by playwright-core
 * (which never downloads a browser), a fresh profile folder, and a record of any request to a
 * non-loopback host (there must be none).
 */
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type BrowserContext, chromium, type Page } from "playwright-core"

/** Where the system Chromium is (CI installs Debian's `chromium` package). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

/** Folder for the screenshots (gitignored by the root .gitignore's `test-artifacts/`). */
export const ARTIFACTS_DIR = join(import.meta.dirname, "..", "..", "test-artifacts")

/** A browser with one page. */
export interface Browser {
  readonly page: Page
  /** URLs of requests to anything but 127.0.0.1 / localhost. */
  readonly externalRequests: Array<string>
  close(): Promise<void>
}

/** Launches headless Chromium with a fresh profile. */
export const launchBrowser = async (): Promise<Browser> => {
  const profile = await mkdtemp(join(tmpdir(), "tangoe-playground-chromium-"))
  let context: BrowserContext
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    })
  } catch (error) {
    await rm(profile, { recursive: true, force: true })
    throw error
  }
  const page = context.pages()[0] ?? (await context.newPage())
  const externalRequests: Array<string> = []
  context.on("request", (request) => {
    const { protocol, hostname } = new URL(request.url())
    if (
      (protocol === "http:" || protocol === "https:" || protocol === "ws:") &&
      !/^(127\.0\.0\.1|localhost)$/.test(hostname)
    ) {
      externalRequests.push(request.url())
    }
  })
  return {
    page,
    externalRequests,
    close: async () => {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
