/**
 * Pagination as Tangoe documents it (`concepts/pagination`, `concepts/metadata`): a collection answers
 * a `_meta` block with `totalCount`, `offset`, `limit` and `hrefNext` while another page follows. The
 * next page is fetched from `hrefNext` only when it stays on the API's origin, and never past `maxPages`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { DEFAULT_MAX_PAGES, pageItems } from "../../HostPages.ts"
import { TangoeApiError, TooManyPages } from "../../TangoeApiError.ts"
import { callUrl, shownUrl } from "./baseUrl.ts"
import { type CallContext, expectJson, send } from "./call.ts"

/**
 * The `_meta` block of a page (the fields Tangoe documents; links only when they point to another page).
 *
 * @internal
 */
export interface PageMeta {
  readonly href?: string | undefined
  readonly totalCount?: number | undefined
  readonly offset?: number | undefined
  readonly limit?: number | undefined
  readonly hrefStart?: string | undefined
  readonly hrefPrevious?: string | undefined
  readonly hrefNext?: string | undefined
  readonly hrefEnd?: string | undefined
}

/** One page. */
export interface PageOf<A> {
  /** The page's items. */
  readonly items: ReadonlyArray<A>
  /** Its `_meta` block, when it had one. */
  readonly meta: PageMeta | undefined
  /** The whole decoded body. */
  readonly body: unknown
  /** 0 for the first page. */
  readonly index: number
}

export { DEFAULT_MAX_PAGES }

const str = (u: unknown): string | undefined => (typeof u === "string" && u.length > 0 ? u : undefined)
const num = (u: unknown): number | undefined => (typeof u === "number" && Number.isFinite(u) ? u : undefined)

const metaOf = (u: unknown): PageMeta | undefined => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return undefined
  const m = u as Record<string, unknown>
  return {
    href: str(m.href),
    totalCount: num(m.totalCount),
    offset: num(m.offset),
    limit: num(m.limit),
    hrefStart: str(m.hrefStart),
    hrefPrevious: str(m.hrefPrevious),
    hrefNext: str(m.hrefNext),
    hrefEnd: str(m.hrefEnd),
  }
}

/** The items of a collection body (the rule is `HostPages.pageItems`). */
export const itemsOf = pageItems

/** Paging options. */
export interface PageOptions {
  /** Items per page (`limit`), added to the first URL when it has none. */
  readonly limit?: number | undefined
  /** The most pages followed; default 500. More fails with `TooManyPages`. */
  readonly maxPages?: number | undefined
  /** The request's other settings (headers, signal). */
  readonly init?: RequestInit | undefined
}

/** The first page's URL, with `limit` and `offset` when a limit was asked for and the URL has none. */
export const firstPageInput = (input: string | URL, limit: number | undefined): string | URL => {
  if (limit === undefined) return input
  const raw = String(input)
  const [path, query = ""] = raw.split("?", 2) as [string, string?]
  const params = new URLSearchParams(query)
  if (!params.has("limit")) params.set("limit", String(limit))
  if (!params.has("offset")) params.set("offset", "0")
  return `${path}?${params}`
}

/** Where the pager stands: the next page to fetch, or done. */
export type PagerState =
  | { readonly input: string | URL; readonly index: number; readonly source: "url" | "hrefNext" }
  | undefined

/** Fetches the page at `state` and works out the next state (refusing a foreign `hrefNext`). */
export const fetchPage = <E, A>(
  ctx: CallContext<E>,
  state: NonNullable<PagerState>,
  options: PageOptions,
): Effect.Effect<readonly [PageOf<A>, PagerState], E | TangoeApiError> =>
  Effect.gen(function* () {
    const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES
    if (state.index >= maxPages) {
      const url = callUrl(ctx.base, state.input, state.source)
      const shown = Result.isSuccess(url) ? shownUrl(url.success) : String(state.input)
      return yield* Effect.fail(new TangoeApiError({ reason: new TooManyPages({ url: shown, maxPages }) }))
    }
    const answer = yield* send(ctx, state.input, options.init, state.source)
    const body = yield* expectJson(answer)
    const meta =
      typeof body === "object" && body !== null ? metaOf((body as Record<string, unknown>)._meta) : undefined
    const page: PageOf<A> = { items: itemsOf(body) as ReadonlyArray<A>, meta, body, index: state.index }
    const next = meta?.hrefNext
    // A foreign link is refused when it is followed (`send` checks the origin before any token is had),
    // so this page is still handed out.
    return [
      page,
      next === undefined ? undefined : { input: next, index: state.index + 1, source: "hrefNext" },
    ] as const
  })
