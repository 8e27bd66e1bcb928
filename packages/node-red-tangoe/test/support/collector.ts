/**
 * A loopback HTTP server that flows under test POST their results to (an `http request` node at
 * the end of the flow), so a test can wait for what a real Node-RED process did.
 */
import { createServer, type Server } from "node:http"

/** One JSON body a flow posted, with the path it posted to. */
export interface Posted {
  readonly path: string
  readonly body: Record<string, unknown>
  readonly raw: string
}

/** The collector: its URL, what it received, and a way to wait for more. */
export interface Collector {
  readonly url: string
  readonly posts: Posted[]
  waitFor(path: string, count: number, ms?: number): Promise<Posted[]>
  close(): Promise<void>
}

/** Starts a collector on 127.0.0.1 (ephemeral port). */
export const startCollector = async (): Promise<Collector> => {
  const posts: Posted[] = []
  const server: Server = createServer((req, res) => {
    let raw = ""
    req.setEncoding("utf8")
    req.on("data", (chunk: string) => {
      raw += chunk
    })
    req.on("end", () => {
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(raw) as Record<string, unknown>
      } catch {
        body = { unparsed: raw }
      }
      posts.push({ path: req.url ?? "/", body, raw })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (typeof address !== "object" || address === null) throw new Error("collector has no address")
  const of = (path: string) => posts.filter((p) => p.path === path)
  return {
    url: `http://127.0.0.1:${address.port}`,
    posts,
    async waitFor(path, count, ms = 120_000) {
      const until = Date.now() + ms
      while (of(path).length < count) {
        if (Date.now() > until) {
          throw new Error(`waited ${ms} ms for ${count} posts to ${path}, got ${of(path).length}`)
        }
        await new Promise((r) => setTimeout(r, 25))
      }
      return of(path)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
