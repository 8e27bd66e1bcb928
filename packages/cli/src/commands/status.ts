/**
 * `status` shows what is stored and configured, without contacting the server and without any
 * secret: the access token's validity, the last refresh, the store and settings locations and
 * where each setting comes from.
 *
 * JSON shape: `{"state","validUntil","expiresInSeconds","lastRefreshAt","generation","store",
 * "config","configFound","environment","clientId","scope","clientSecretSet","sources","serviceAccount",
 * "selfHeal","lastHealAt","refreshTokenDeadSince"}` where
 * `store` is the file path or the Redis URL without its password; `state` is `"valid"` (a cached access token is still valid), `"expired"` (a refresh token is stored;
 * the next `token` refreshes) or `"empty"` (nothing stored: run `init`); absent values are `null`.
 * `serviceAccount`: a service account username is configured; `selfHeal`: its password is too, so a
 * dead chain is healed (`init --self-heal`, or `TANGOE_PASSWORD`); `lastHealAt`: when it last healed
 * the stored family; `refreshTokenDeadSince`: the server refused the stored refresh token for good
 * (it is not sent again).
 *
 * @internal
 */
import { isSealedSecret } from "@tangoe-token/core/store"
import * as Redacted from "effect/Redacted"
import { loadStored } from "../internal/client.ts"
import { readConfigFile } from "../internal/configFile.ts"
import type { Output } from "../internal/output.ts"
import { type CommonOptions, warnArgvSecrets } from "../internal/run.ts"
import { resolveConfigPath, resolveSettings, serviceAccountOf } from "../internal/settings.ts"

const iso = (millis: number | undefined): string | null =>
  millis === undefined ? null : new Date(millis).toISOString()

const duration = (seconds: number): string => {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${seconds % 60}s` : `${seconds}s`
}

/** `tangoe-token status`. */
export const statusCommand = async (options: CommonOptions, out: Output): Promise<number> => {
  warnArgvSecrets(options, out)
  const [configPath] = resolveConfigPath(options, process.env)
  const file = await readConfigFile(configPath, out.warn)
  const settings = resolveSettings({ flags: options, env: process.env, file })
  const { record, location } = await loadStored(settings)
  const now = Date.now()
  const expiresAt = record?.accessToken === undefined ? undefined : record.expiresAt
  const state =
    record === undefined ? "empty" : expiresAt !== undefined && expiresAt > now ? "valid" : "expired"
  const expiresInSeconds = expiresAt === undefined ? null : Math.max(0, Math.floor((expiresAt - now) / 1000))
  const report = {
    state,
    validUntil: state === "valid" ? iso(expiresAt) : null,
    expiresInSeconds: state === "valid" ? expiresInSeconds : null,
    lastRefreshAt: iso(record?.issuedAt),
    generation: record?.generation ?? null,
    store: location,
    config: settings.configPath,
    configFound: file !== undefined,
    environment: settings.environmentLabel,
    clientId: settings.clientId ?? null,
    scope: settings.scope ?? null,
    clientSecretSet: settings.clientSecret !== undefined,
    sources: settings.sources,
    serviceAccount: settings.username !== undefined,
    selfHeal: serviceAccountOf(settings) !== undefined,
    lastHealAt: iso(record?.healedAt),
    refreshTokenDeadSince: iso(record?.deadSince),
  }
  if (out.json) {
    out.document(report)
    return 0
  }
  const s = settings.sources
  const rows: Array<readonly [string, string]> = [
    [
      "state",
      state === "valid"
        ? `valid (expires in ${duration(expiresInSeconds ?? 0)}, at ${report.validUntil})`
        : state === "expired"
          ? "expired (the next token command refreshes it)"
          : "empty (nothing stored: run tangoe-token init)",
    ],
    ["last refresh", report.lastRefreshAt ?? "never"],
    ["environment", `${report.environment} (${s.environment})`],
    ["client id", report.clientId === null ? "not set" : `${report.clientId} (${s.clientId})`],
    ["client secret", report.clientSecretSet ? `set (${s.clientSecret})` : "not set"],
    ["scope", report.scope === null ? "none" : `${report.scope} (${s.scope})`],
    [
      "self-heal",
      report.selfHeal
        ? `on (service account from ${s.username}, password from ${s.password}${settings.password !== undefined && isSealedSecret(Redacted.value(settings.password)) ? ", encrypted" : ""}); last healed ${report.lastHealAt ?? "never"}`
        : report.serviceAccount
          ? "off (a service account is set but not its password: init took the first grant only)"
          : "off (no service account)",
    ],
    ...(report.refreshTokenDeadSince === null
      ? []
      : [
          [
            "refresh token",
            `dead since ${report.refreshTokenDeadSince} (refused by the server; not sent again: run tangoe-token init)`,
          ] as const,
        ]),
    ["store", `${report.store}${record === undefined ? "" : ` (generation ${record.generation})`}`],
    ["config", `${report.config}${report.configFound ? "" : " (not found)"}`],
  ]
  for (const [label, value] of rows) out.line(`${label.padEnd(14)}${value}`)
  return 0
}
