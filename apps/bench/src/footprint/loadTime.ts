/**
 * Cold load time: a fresh `node` process per measurement, timing only the `require`/`import` of one
 * module (Node's own start-up is excluded). A `preload` module is loaded before the clock starts.
 */
import { pathToFileURL } from "node:url"
import { runNode } from "../runNode.ts"

/** How a module is loaded: CommonJS `require` or ESM `import()`. */
export type LoadKind = "require" | "import"

/** One module to load in a fresh process. */
export interface LoadTarget {
  readonly name: string
  readonly kind: LoadKind
  /** Absolute path of the file to load. */
  readonly file: string
  /** Absolute path of a CommonJS module required before timing starts. */
  readonly preload?: string | undefined
}

/** The probe: `node -e` runs it as CommonJS, so `require` is there and `import()` works in an async function. */
const scriptOf = (t: LoadTarget): string => {
  const pre = t.preload === undefined ? "" : `require(${JSON.stringify(t.preload)});`
  const load =
    t.kind === "require"
      ? `require(${JSON.stringify(t.file)})`
      : `await import(${JSON.stringify(pathToFileURL(t.file).href)})`
  return `(async () => { ${pre} const t0 = performance.now(); ${load}; process.stdout.write(String(performance.now() - t0)) })()`
}

/** Milliseconds to load the module in a fresh process. */
export const coldLoadMillis = async (t: LoadTarget): Promise<number> => {
  const { stdout } = await runNode(["-e", scriptOf(t)], {
    what: `the load probe of ${t.name}`,
    boundMillis: 5 * 60_000,
  })
  const ms = Number(stdout.trim())
  if (!Number.isFinite(ms)) throw new Error(`${t.name}: the load probe printed no time`)
  return ms
}
