/**
 * `whoami` asks the token endpoint what the current access token speaks for (PingFederate's
 * `validate_bearer`, as Tangoe documents it): tenant, platform, identifier, scope and the time left.
 * It gets a token first when none is cached (that may refresh), and never prints a token. Validation
 * itself spends nothing. A client Tangoe did not permit to validate gets exit code 3 and the advice.
 *
 * JSON shape: `{"tenant","platform","identifier","identityProvider","multitenant","scope","clientId",
 * "expiresAt","expiresInSeconds"}`; absent values are `null`.
 *
 * @internal
 */
import { validateToken } from "@tangoe-token/core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { withClient } from "../internal/client.ts"
import type { Output } from "../internal/output.ts"
import { withProgress } from "../internal/progress.ts"
import { type CommonOptions, loadSettings } from "../internal/run.ts"
import { clientRequest } from "../internal/settings.ts"

const duration = (seconds: number): string => {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${seconds % 60}s` : `${seconds}s`
}

/** `tangoe-token whoami`. */
export const whoamiCommand = async (options: CommonOptions, out: Output): Promise<number> => {
  const settings = await loadSettings(options, out)
  const request = clientRequest(settings)
  return withClient(settings, async (client) => {
    const identity = await withProgress(client, out, "validating the token…", async () => {
      const token = await client.getAccessToken()
      const exit = await Effect.runPromiseExit(validateToken(request, token))
      if (Exit.isSuccess(exit)) return exit.value
      throw Cause.squash(exit.cause)
    })
    const left =
      identity.expiresAt === undefined
        ? undefined
        : Math.max(0, Math.floor((identity.expiresAt.getTime() - Date.now()) / 1000))
    const report = {
      tenant: identity.tenant ?? null,
      platform: identity.platform ?? null,
      identifier: identity.identifier ?? null,
      identityProvider: identity.identityProvider ?? null,
      multitenant: identity.multitenant ?? null,
      scope: identity.scope ?? null,
      clientId: identity.clientId ?? null,
      expiresAt: identity.expiresAt?.toISOString() ?? null,
      expiresInSeconds: left ?? null,
    }
    if (out.json) {
      out.document(report)
      return 0
    }
    const rows: Array<readonly [string, string]> = [
      ["tenant", report.tenant ?? "not named"],
      ["platform", report.platform ?? "not named"],
      ["identifier", report.identifier ?? "not named"],
      ["scope", report.scope ?? "none"],
      ["time left", left === undefined ? "unknown" : `${duration(left)} (until ${report.expiresAt})`],
      ["client id", report.clientId ?? "not named"],
    ]
    for (const [label, value] of rows) out.line(`${label.padEnd(12)}${value}`)
    if (
      settings.tenant !== undefined &&
      identity.tenant !== undefined &&
      settings.tenant !== identity.tenant
    ) {
      out.warn(
        `warning: the tenant setting (${settings.tenant}) differs from the token's tenant (${identity.tenant}) — check --tenant / TANGOE_TENANT`,
      )
    }
    return 0
  })
}
