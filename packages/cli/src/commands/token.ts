/**
 * `token` prints the access token alone (for `$(tangoe-token token)`); `header` prints
 * `Authorization: Bearer …`. Both refresh first when core says the cached token is too close to
 * expiry.
 *
 * JSON shapes: `token` → `{"accessToken","tokenType","expiresAt","scope"}` (scope `null` when the server did not name one);
 * `header` → `{"name":"Authorization","value":"Bearer …"}`.
 *
 * @internal
 */
import { withClient } from "../internal/client.ts"
import type { Output } from "../internal/output.ts"
import { withProgress } from "../internal/progress.ts"
import { type CommonOptions, loadSettings } from "../internal/run.ts"

const REFRESHING = "refreshing the access token…"

/** `tangoe-token token`. */
export const tokenCommand = async (options: CommonOptions, out: Output): Promise<number> => {
  const settings = await loadSettings(options, out)
  return withClient(settings, async (client) => {
    if (!out.json) {
      out.line(await withProgress(client, out, REFRESHING, () => client.getAccessToken()))
      return 0
    }
    const token = await withProgress(client, out, REFRESHING, () => client.getToken())
    out.document({
      accessToken: token.accessToken,
      tokenType: token.tokenType,
      expiresAt: token.expiresAt.toISOString(),
      scope: token.scope ?? null,
    })
    return 0
  })
}

/** `tangoe-token header`. */
export const headerCommand = async (options: CommonOptions, out: Output): Promise<number> => {
  const settings = await loadSettings(options, out)
  return withClient(settings, async (client) => {
    const value = await withProgress(client, out, REFRESHING, () => client.authorizationHeader())
    if (out.json) out.document({ name: "Authorization", value })
    else out.line(`Authorization: ${value}`)
    return 0
  })
}
