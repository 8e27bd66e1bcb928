/**
 * The page rules of Tangoe's collections (`concepts/pagination`, `concepts/metadata`), effect-free so
 * that an adapter can bundle them into a node file: which items a page holds, and where the next page
 * is (`_meta.hrefNext`, present only while another page follows). Core's own pager (`TangoeApi.pages`)
 * uses the same functions.
 *
 * @since 0.3.0
 */

/**
 * The items of a collection page: the body itself when it is an array, else its `items` array, else its
 * only other array property besides `_meta` (Tangoe's docs do not show a collection's envelope);
 * otherwise none.
 *
 * @category pages
 * @since 0.3.0
 */
export const pageItems = (body: unknown): ReadonlyArray<unknown> => {
  if (Array.isArray(body)) return body
  if (typeof body !== "object" || body === null) return []
  const o = body as Record<string, unknown>
  if (Array.isArray(o.items)) return o.items
  const arrays = Object.entries(o).filter(([key, value]) => key !== "_meta" && Array.isArray(value))
  return arrays.length === 1 ? (arrays[0]?.[1] as ReadonlyArray<unknown>) : []
}

/**
 * The `_meta.hrefNext` of a page body (a non-empty string), or `undefined` at the last page. The caller
 * must still check where it points before sending a token there.
 *
 * @category pages
 * @since 0.3.0
 */
export const nextPageHref = (body: unknown): string | undefined => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined
  const meta = (body as Record<string, unknown>)._meta
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) return undefined
  const next = (meta as Record<string, unknown>).hrefNext
  return typeof next === "string" && next.length > 0 ? next : undefined
}

/**
 * The default cap on the pages one listing follows (a server that always links a next page cannot keep
 * a caller going forever).
 *
 * @category pages
 * @since 0.3.0
 */
export const DEFAULT_MAX_PAGES = 500
