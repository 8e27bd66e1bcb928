/**
 * `refresh` forces a refresh now, whatever the cached token's validity, and persists the rotated
 * refresh token (core's write-ahead). It prints no token.
 *
 * JSON shape: `{"refreshed":true,"tokenType","expiresAt","scope"}` (scope `null` when the server did not name one).
 *
 * @internal
 */
import { withClient } from "../internal/client.ts"
import type { Output } from "../internal/output.ts"
import { withProgress } from "../internal/progress.ts"
import { type CommonOptions, loadSettings } from "../internal/run.ts"

/** `tangoe-token refresh`. */
export const refreshCommand = async (options: CommonOptions, out: Output): Promise<number> => {
  const settings = await loadSettings(options, out)
  return withClient(settings, async (client) => {
    const token = await withProgress(client, out, "refreshing the access token…", () => client.refresh())
    const expiresAt = token.expiresAt.toISOString()
    if (out.json) {
      out.document({
        refreshed: true,
        tokenType: token.tokenType,
        expiresAt,
        scope: token.scope ?? null,
      })
    } else {
      out.line(
        `refreshed: the access token is valid until ${expiresAt}; the new refresh token is saved in ${settings.storePath}`,
      )
    }
    return 0
  })
}
