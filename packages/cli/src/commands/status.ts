/**
 * `status` shows what is stored and configured, without contacting the server and without any
 * secret: the access token's validity, the last refresh, the store and settings locations and
 * where each setting comes from.
 *
 * JSON shape: `{"state","validUntil","expiresInSeconds","lastRefreshAt","generation","lastFailure",
 * "store","config","configFound","environment","clientId","scope","clientSecretSet","sources","serviceAccount",
 * "selfHeal","lastHealAt","refreshTokenDeadSince"}` where
 * `store` is the file path or the Redis URL without its password; `state` is `"valid"` (a cached access token is still valid), `"expired"` (a refresh token is stored;
 * the next `token` refreshes), `"empty"` (nothing stored: run `init`) or `"failed"` (the last refresh
 * since the stored token was obtained failed in a way only a person can fix: exit 3 or 7; the
 * message says what to do; `validUntil` still tells how long the cached access token works);
 * `lastFailure` is `{"at","type","exitCode","message"}` for a failure newer than the last refresh,
 * else `null`; absent values are `null`.
 * `serviceAccount`: a service account username is configured; `selfHeal`: its password is too, so a
 * dead chain is healed (`init --self-heal`, or `TANGOE_PASSWORD`); `lastHealAt`: when it last healed
 * the stored family; `refreshTokenDeadSince`: the server refused the stored refresh token for good
 * (it is not sent again).
 *
 * @internal
 */
import { dirname } from "node:path"
import { isSealedSecret } from "@tangoe-token/core/store"
import * as Redacted from "effect/Redacted"
import { loadStored } from "../internal/client.ts"
import { readConfigFile } from "../internal/configFile.ts"
import { ExitCode } from "../internal/errors.ts"
import { lastFailurePath, readLastFailure } from "../internal/lastFailure.ts"
import type { Output } from "../internal/output.ts"
import { defaultStorePath } from "../internal/paths.ts"
import { type CommonOptions, warnArgvSecrets } from "../internal/run.ts"
import { resolveConfigPath, resolveSettings, serviceAccountOf } from "../internal/settings.ts"

/** Failures that only a person can fix: the token is refused or probably consumed. */
const NEEDS_A_PERSON: ReadonlySet<number> = new Set([ExitCode.reprovision, ExitCode.consumed])

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
  const recorded = await readLastFailure(lastFailurePath(settings, dirname(defaultStorePath(process.env))))
  // A failure older than the stored token's refresh is history: a refresh succeeded since.
  const lastFailure =
    recorded !== undefined && (record?.issuedAt === undefined || Date.parse(recorded.at) > record.issuedAt)
      ? recorded
      : undefined
  const now = Date.now()
  const expiresAt = record?.accessToken === undefined ? undefined : record.expiresAt
  const usable = expiresAt !== undefined && expiresAt > now
  const state =
    lastFailure !== undefined && NEEDS_A_PERSON.has(lastFailure.exitCode)
      ? "failed"
      : record === undefined
        ? "empty"
        : usable
          ? "valid"
          : "expired"
  const expiresInSeconds = expiresAt === undefined ? null : Math.max(0, Math.floor((expiresAt - now) / 1000))
  const report = {
    state,
    validUntil: usable ? iso(expiresAt) : null,
    expiresInSeconds: usable ? expiresInSeconds : null,
    lastRefreshAt: iso(record?.issuedAt),
    generation: record?.generation ?? null,
    lastFailure: lastFailure ?? null,
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
      state === "failed"
        ? `failed: ${lastFailure?.type} (exit ${lastFailure?.exitCode}) — ${usable ? `the cached access token still works until ${report.validUntil}, but ` : ""}refreshing fails until someone acts (see last failure)`
        : state === "valid"
          ? `valid (expires in ${duration(expiresInSeconds ?? 0)}, at ${report.validUntil})`
          : state === "expired"
            ? "expired (the next token command refreshes it)"
            : "empty (nothing stored: run tangoe-token init)",
    ],
    ["last refresh", report.lastRefreshAt ?? "never"],
    ...(lastFailure === undefined
      ? []
      : [
          [
            "last failure",
            `${lastFailure.at} ${lastFailure.type} (exit ${lastFailure.exitCode}): ${lastFailure.message}`,
          ] as const,
        ]),
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
