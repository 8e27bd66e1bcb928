/**
 * The Node-RED editor of a running playground, in headless Chromium: our nodes are in the
 * palette, the deployed flow runs (the token node's status turns green "valid until HH:MM", the
 * debug sidebar fills with 200s), and the `tangoe-credentials` dialog renders every field, marks
 * bad values invalid with their message, and shows its help text. Screenshots of the running
 * flow and of the dialog go to test-artifacts/.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ARTIFACTS_DIR, type Browser, launchBrowser } from "./support/browser.ts"
import { PlaygroundProcess } from "./support/playgroundProcess.ts"
import { waitGone } from "./support/processes.ts"

/** Node ids of the example flow (packages/node-red-tangoe/examples/tangoe-token.json). */
const TOKEN_NODE = "#d1e2f3a4b5c6d701"
const API_NODE = "#d2e3f4a5b6c7d801"
const DEBUG_NODE = "#f1a2b3c4d5e6f701"

/** The config dialog's fields and the labels the message catalog gives them. */
const FIELDS = {
  name: "Name",
  environment: "Environment",
  tokenUrl: "Token URL",
  clientId: "Client ID",
  clientSecret: "Client secret",
  scope: "Scope",
  tenant: "Tenant",
  apiBase: "API base URL",
  refreshToken: "Refresh token",
  placement: "Parameters",
  clientAuth: "Client auth",
  refreshAhead: "Refresh ahead",
} as const

let userDir: string
let playground: PlaygroundProcess
let pids: Array<number> = []
let browser: Browser
let page: Page

beforeAll(async () => {
  userDir = await mkdtemp(join(tmpdir(), "tangoe-playground-editor-"))
  await mkdir(ARTIFACTS_DIR, { recursive: true })
  playground = await PlaygroundProcess.launch("node", {
    PLAYGROUND_USER_DIR: userDir,
    PLAYGROUND_ACCESS_TOKEN_LIFETIME: "60",
    PLAYGROUND_INTERVAL: "1",
  })
  await playground.ready()
  pids = playground.descendants()
  browser = await launchBrowser()
  page = browser.page
  await page.goto(playground.editorUrl)
  await page.locator('.red-ui-palette-node[data-palette-type="tangoe token"]').waitFor({ timeout: 30_000 })
}, 90_000)

afterAll(async () => {
  await browser?.close()
  if (playground) {
    process.kill(playground.pid, "SIGTERM")
    await playground.exited
    expect(await waitGone(pids, 15_000)).toEqual([])
  }
  await rm(userDir, { recursive: true, force: true })
})

/** Text with its whitespace runs collapsed (HTML layout spaces and line breaks). */
const squash = (text: string | null): string => (text ?? "").replace(/\s+/g, " ").trim()

const invalid = (field: string) => page.locator(`#node-config-input-${field}.input-error`)

describe("the Node-RED editor of a running playground", () => {
  it("shows our node in the palette and the flow running: green token status, 200s in the debug sidebar", async () => {
    await page.locator("#red-ui-palette-search input").pressSequentially("tangoe")
    const paletteNode = page.locator('.red-ui-palette-node[data-palette-type="tangoe token"]')
    await expect.poll(() => paletteNode.isVisible(), { timeout: 60_000 }).toBe(true)
    // The filter applies after a short delay: wait until only our category is left.
    const categories = page.locator(".red-ui-palette-category:visible .red-ui-palette-header")
    await expect
      .poll(async () => (await categories.allInnerTexts()).map((t) => t.trim()), { timeout: 60_000 })
      .toEqual(["Tangoe"])
    expect(squash(await paletteNode.textContent())).toBe("tangoe token")
    const apiPaletteNode = page.locator('.red-ui-palette-node[data-palette-type="tangoe api"]')
    expect(squash(await apiPaletteNode.textContent())).toBe("tangoe api")

    const status = page.locator(`${TOKEN_NODE} .red-ui-flow-node-status-label`)
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^valid until \d\d:\d\d$/)
    expect(await page.locator(`${TOKEN_NODE} .red-ui-flow-node-status-dot-green`).count()).toBe(1)
    const debugStatus = page.locator(`${DEBUG_NODE} .red-ui-flow-node-status-label`)
    await expect.poll(() => debugStatus.textContent(), { timeout: 60_000 }).toBe("200")
    // The tangoe api node followed the 3 pages of Tangoe's orders collection.
    const apiStatus = page.locator(`${API_NODE} .red-ui-flow-node-status-label`)
    await expect
      .poll(() => apiStatus.textContent(), { timeout: 60_000 })
      .toMatch(/^24 items, 3 pages at \d\d:\d\d$/)
    expect(await page.locator(`${API_NODE} .red-ui-flow-node-status-dot-green`).count()).toBe(1)

    // The debug sidebar: "API response" shows the status and the first page, from its _meta (the next
    // page's link); "orders, page by page" one line per page of the tangoe api node.
    const messages = page.locator(".red-ui-debug-msg")
    await expect.poll(() => messages.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(8)
    const texts = await messages.allInnerTexts()
    const firstPage = /node: API response[\s\S]*"200: 10 orders of 24, next page: limit=10&offset=10"/
    const onePage = /node: orders, page by page[\s\S]*page (1: 10|2: 10|3: 4) orders of 24/
    expect(
      texts.every((t) => firstPage.test(t) || onePage.test(t)),
      texts.join("\n"),
    ).toBe(true)
    expect(texts.some((t) => firstPage.test(t))).toBe(true)
    expect(texts.some((t) => /page 3: 4 orders of 24 \(last page\)/.test(t))).toBe(true)

    await page.screenshot({ path: join(ARTIFACTS_DIR, "flow-running.png") })
  })

  it("opens the tangoe api node's dialog: the call, its pages and its help", async () => {
    await page.locator(`${API_NODE} rect.red-ui-flow-node`).dblclick()
    const url = page.locator("#node-input-url")
    await url.waitFor({ state: "visible" })
    expect(await url.inputValue()).toBe("orders")
    expect(await page.locator("#node-input-method").inputValue()).toBe("GET")
    expect(await page.locator("#node-input-paging").inputValue()).toBe("pages")
    expect(await page.locator("#node-input-limit").inputValue()).toBe("10")
    expect(await page.locator("#node-input-limit").isVisible()).toBe(true)
    for (const [field, label] of [
      ["account", "Credentials"],
      ["method", "Method"],
      ["url", "URL"],
      ["paging", "Pages"],
      ["limit", "Items per page"],
      ["maxPages", "Max pages"],
    ]) {
      const labelText = await page.locator(`label[for="node-input-${field}"]`).textContent()
      expect(squash(labelText), field).toBe(label)
    }
    // One call: the page settings are hidden.
    await page.locator("#node-input-paging").selectOption("none")
    await expect.poll(() => page.locator("#node-input-limit").isVisible()).toBe(false)
    await page.locator(".red-ui-tray-footer-left button:has(i.fa-book)").last().click()
    const help = page.locator(".red-ui-help").filter({ hasText: "Calls a Tangoe API itself" }).last()
    await expect.poll(() => help.isVisible(), { timeout: 60_000 }).toBe(true)
    expect(await help.textContent()).toContain("X-TNGO-TENANT")
    await page.screenshot({ path: join(ARTIFACTS_DIR, "api-node-dialog.png") })
    await page.locator("#node-dialog-cancel").click()
    await url.waitFor({ state: "detached" })
  })

  it("opens the credentials dialog with every field and its help, and marks bad values invalid", async () => {
    await page.locator(`${TOKEN_NODE} rect.red-ui-flow-node`).dblclick()
    await page.locator("#node-input-btn-account-edit").click()
    const tokenUrl = page.locator("#node-config-input-tokenUrl")
    await tokenUrl.waitFor({ state: "visible" })

    for (const [field, label] of Object.entries(FIELDS)) {
      const input = page.locator(`#node-config-input-${field}`)
      expect(await input.count(), field).toBe(1)
      const labelText = await page.locator(`label[for="node-config-input-${field}"]`).textContent()
      expect(squash(labelText), field).toBe(label)
    }
    expect(await page.locator("#node-config-input-environment").inputValue()).toBe("custom")
    expect(await tokenUrl.inputValue()).toBe(`${playground.simUrl}/as/token.oauth2`)
    expect(await page.locator("#node-config-input-clientId").inputValue()).toBe("tangoe-playground")
    // Password credentials come back as a placeholder, never the value.
    expect(await page.locator("#node-config-input-clientSecret").getAttribute("type")).toBe("password")
    expect(await page.locator("#node-config-input-clientSecret").inputValue()).toBe("__PWRD__")
    expect(await page.locator(".form-tips", { hasText: "Tangoe rotates the refresh token" }).count()).toBe(1)
    expect(await invalid("tokenUrl").count()).toBe(0)
    expect(await invalid("clientId").count()).toBe(0)

    // The help text, in the sidebar, from the tray's help button.
    await page.locator(".red-ui-tray-footer-left button:has(i.fa-book)").last().click()
    await page.locator("#red-ui-sidebar-help-show-toc").click() // hide the topic list: more room for the text
    const help = page.locator(".red-ui-help").filter({ hasText: "A Tangoe API client" }).last()
    await expect.poll(() => help.isVisible(), { timeout: 60_000 }).toBe(true)
    expect(await help.textContent()).toContain("rotated")
    const documented = (await help.locator("dt").allInnerTexts()).map((t) => t.trim())
    for (const label of Object.values(FIELDS))
      expect(
        documented.some((dt) => dt.startsWith(label)),
        label,
      ).toBe(true)
    await page.waitForTimeout(500) // let the topic list finish collapsing
    await page.screenshot({ path: join(ARTIFACTS_DIR, "credentials-dialog.png") })

    // Bad values: plain http to a non-loopback host, an empty client id, an out-of-range refresh-ahead.
    await tokenUrl.fill("http://oauth.example.com/as/token.oauth2")
    await tokenUrl.dispatchEvent("change")
    await page.locator("#node-config-input-clientId").fill("")
    await page.locator("#node-config-input-clientId").dispatchEvent("change")
    await page.locator("#node-config-input-refreshAhead").fill("5000")
    await page.locator("#node-config-input-refreshAhead").dispatchEvent("change")
    await expect.poll(() => invalid("tokenUrl").count()).toBe(1)
    expect(await invalid("clientId").count()).toBe(1)
    expect(await invalid("refreshAhead").count()).toBe(1)
    await tokenUrl.hover() // shows the message as a tooltip (see the next test) for the screenshot
    await page.waitForTimeout(1_200)
    await page.screenshot({ path: join(ARTIFACTS_DIR, "credentials-dialog-invalid.png") })

    // An https URL, or http on loopback, is valid again.
    await tokenUrl.fill("https://oauth.example.com/as/token.oauth2")
    await tokenUrl.dispatchEvent("change")
    await expect.poll(() => invalid("tokenUrl").count()).toBe(0)
    await tokenUrl.fill("http://localhost:9031/as/token.oauth2")
    await tokenUrl.dispatchEvent("change")
    await expect.poll(() => invalid("tokenUrl").count()).toBe(0)

    expect(browser.externalRequests).toEqual([])
  })

  // Node-RED passes `opt = {}` to a validator of a property without a `label`: the message must
  // still come back, or the field turns red with no text.
  it("shows the token URL's validation message as the field's tooltip", async () => {
    const tokenUrl = page.locator("#node-config-input-tokenUrl")
    await tokenUrl.fill("http://oauth.example.com/as/token.oauth2")
    await tokenUrl.dispatchEvent("change")
    await expect.poll(() => invalid("tokenUrl").count()).toBe(1)
    const message = "Enter an https URL (http only on 127.0.0.1 or localhost)"
    // Node-RED mirrors a validation message into the input's aria-label and a hover tooltip.
    expect(await tokenUrl.getAttribute("aria-label")).toBe(message)
    await page.mouse.move(0, 0)
    await tokenUrl.hover()
    const tooltip = page.locator(".red-ui-popover").filter({ hasText: message })
    await expect.poll(() => tooltip.isVisible(), { timeout: 60_000 }).toBe(true)
    await page.waitForTimeout(500)
    await page.screenshot({ path: join(ARTIFACTS_DIR, "credentials-dialog-message.png") })
  })
})
