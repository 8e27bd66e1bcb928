/**
 * `init` checks every setting, provisions a refresh token and refreshes once: that proves the
 * credentials work and leaves the rotated refresh token in the store. Only then does it replace the
 * settings file (atomically); a failed init leaves the previous settings file byte for byte.
 *
 * Secrets never need the command line: they come from `--stdin`, the environment
 * (`TANGOE_CLIENT_SECRET`, `TANGOE_REFRESH_TOKEN`), or a hidden prompt when standard input is a
 * terminal. The settings go to the settings file (mode 0600); the client secret too, unless it came
 * from the environment (then it stays there); the refresh token goes to the token store only.
 *
 * With a service account instead of a refresh token (`--username`): the password comes from a hidden
 * prompt on a terminal, `TANGOE_PASSWORD`, or standard input (`--password-stdin`, or `TANGOE_PASSWORD=…`
 * with `--stdin`), never from the command line (`--password` is refused with a warning). `init` takes
 * the first grant (Tangoe's password grant) and stores only its refresh token, unless `--self-heal`
 * asks to keep the account: then the username and password go to the same 0600 settings file (the
 * password sealed with `TANGOE_STORE_KEY` when it is set, like the token store), and every later
 * command heals a dead chain with them.
 *
 * JSON shape: `{"initialized":true,"config","store","environment","clientId","clientSecretSaved","expiresAt"}`,
 * plus `"serviceAccount":true,"selfHeal"` when a service account took the first grant.
 *
 * @internal
 */
import { passwordGrantTokenSet, resolvePasswordGrantRequest, resolveRefreshRequest } from "@tangoe-token/core"
import { sealSecret } from "@tangoe-token/core/store"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { openServiceAccount, withClient } from "../internal/client.ts"
import { type ConfigFile, readConfigFile, writeConfigFile } from "../internal/configFile.ts"
import { UsageError } from "../internal/errors.ts"
import type { Output } from "../internal/output.ts"
import { withProgress } from "../internal/progress.ts"
import { type CommonOptions, warnArgvSecrets } from "../internal/run.ts"
import {
  parseStdinPassword,
  parseStdinSecrets,
  promptHidden,
  readStdin,
  type StdinSecrets,
} from "../internal/secretInput.ts"
import {
  clientRequest,
  PASSWORD_LABEL,
  resolveConfigPath,
  resolveSettings,
  type Settings,
} from "../internal/settings.ts"
import { spinnerAllowed, withSpinner } from "../internal/spinner.ts"

/** The options of `init`. */
export interface InitOptions extends CommonOptions {
  /** Read the secrets from standard input. */
  readonly stdin: boolean
  /** Read the service account's password (alone) from standard input. */
  readonly passwordStdin?: boolean | undefined
  /** `--password` was given on the command line: it is never used (a warning says so). */
  readonly argvPassword?: boolean | undefined
  /** Keep the service account (its password too) in the settings file and heal dead chains with it. */
  readonly selfHeal?: boolean | undefined
}

/** Asks on the terminal for the secrets the settings lack (the password instead of a refresh token with a service account). */
const promptMissing = async (settings: Settings, given: StdinSecrets): Promise<StdinSecrets> => ({
  ...given,
  ...(settings.clientSecret === undefined ? { clientSecret: await promptHidden("client secret: ") } : {}),
  ...(settings.username !== undefined
    ? settings.password === undefined
      ? { password: await promptHidden("service account password: ") }
      : {}
    : settings.refreshToken === undefined
      ? { refreshToken: await promptHidden("refresh token: ") }
      : {}),
})

/** What goes into the settings file: every resolved setting but the refresh token (and the service account only with self-heal). */
const configToSave = (
  settings: Settings,
  previous: ConfigFile | undefined,
  account: { readonly username: string; readonly password: string } | undefined,
): ConfigFile => {
  const secretSource = settings.sources.clientSecret
  const clientSecret =
    secretSource === "flag" || secretSource === "stdin"
      ? settings.clientSecret && Redacted.value(settings.clientSecret)
      : previous?.clientSecret
  return {
    environment: settings.environmentLabel,
    clientId: settings.clientId,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(settings.scope === undefined ? {} : { scope: settings.scope }),
    ...(settings.tenant === undefined ? {} : { tenant: settings.tenant }),
    ...(settings.placement === undefined ? {} : { placement: settings.placement }),
    ...(settings.clientAuth === undefined ? {} : { clientAuth: settings.clientAuth }),
    ...(settings.timeoutSeconds === undefined ? {} : { timeout: settings.timeoutSeconds }),
    // A Redis URL is saved as given (its password too: this file is mode 0600, like the client secret).
    ...(settings.sources.store === "default"
      ? {}
      : { store: settings.storeUrl === undefined ? settings.storePath : Redacted.value(settings.storeUrl) }),
    // The service account only when asked to heal with it: otherwise only the refresh token is kept.
    ...(account === undefined ? {} : { ...account, selfHeal: true }),
  }
}

const ARGV_PASSWORD =
  "warning: --password on the command line is visible to other users of this machine (ps, /proc) and may be kept in your shell history: it was NOT used — type it at the prompt, set TANGOE_PASSWORD, or pipe it with --password-stdin (and consider changing it)"

/** `tangoe-token init`. */
export const initCommand = async (options: InitOptions, out: Output): Promise<number> => {
  warnArgvSecrets(options, out)
  if (options.argvPassword === true) out.warn(ARGV_PASSWORD)
  if (options.stdin && options.passwordStdin === true) {
    throw new UsageError({
      message: "--stdin and --password-stdin both read standard input: use one of them",
    })
  }
  const [configPath] = resolveConfigPath(options, process.env)
  const previous = await readConfigFile(configPath, out.warn)
  const resolve = (stdin: StdinSecrets) =>
    resolveSettings({ flags: options, env: process.env, file: previous, stdin })
  let given: StdinSecrets = options.stdin
    ? parseStdinSecrets(await readStdin())
    : options.passwordStdin === true
      ? parseStdinPassword(await readStdin())
      : {}
  let settings = resolve(given)
  const wantsAccount = settings.username !== undefined && settings.refreshToken === undefined
  if (
    !options.stdin &&
    options.passwordStdin !== true &&
    process.stdin.isTTY === true &&
    (!settings.clientSecret || (wantsAccount ? !settings.password : !settings.refreshToken))
  ) {
    given = await promptMissing(settings, given)
    settings = resolve(given)
  }
  if (settings.username !== undefined && settings.refreshToken !== undefined) {
    throw new UsageError({
      message:
        "init got both a refresh token and a service account (--username / TANGOE_USERNAME) — give one of them",
    })
  }
  const account = settings.username === undefined ? undefined : await openServiceAccount(settings)
  if (settings.username !== undefined && account === undefined) {
    throw new UsageError({
      message:
        "init with a service account needs its password — type it at the prompt (on a terminal), set TANGOE_PASSWORD, or pipe it with --password-stdin; never on the command line",
    })
  }
  if (account === undefined && settings.refreshToken === undefined) {
    throw new UsageError({
      message:
        "init needs a refresh token or a service account — pipe the token with --stdin, set TANGOE_REFRESH_TOKEN, run init on a terminal to type it, or give --username (a Tangoe service account) to get the first one",
    })
  }
  if (account === undefined && options.selfHeal === true) {
    throw new UsageError({
      message: "--self-heal needs a service account — give --username and its password",
    })
  }
  const selfHeal = account !== undefined && options.selfHeal === true
  // Every setting is checked (core names the wrong field) before anything is sent or written.
  const request = clientRequest(settings)
  if (account !== undefined) {
    const checked = resolvePasswordGrantRequest({ ...request, serviceAccount: account })
    if (Result.isFailure(checked)) throw checked.failure
  } else {
    const checked = resolveRefreshRequest({ ...request, refreshToken: settings.refreshToken })
    if (Result.isFailure(checked)) throw checked.failure
  }
  // With self-heal the account is kept; its password sealed under TANGOE_STORE_KEY when one is set.
  const kept =
    account === undefined || !selfHeal
      ? undefined
      : {
          username: Redacted.value(account.username),
          password:
            settings.storeKey === undefined
              ? Redacted.value(account.password)
              : await sealSecret(settings.storeKey, Redacted.value(account.password), PASSWORD_LABEL),
        }
  const saved = configToSave(settings, previous, kept)
  // With a service account: the first grant. A refused password fails here (exit 3): nothing is written.
  const granted =
    account === undefined
      ? undefined
      : await withSpinner(spinnerAllowed(out.json), "getting the first token with the service account…", () =>
          passwordGrantTokenSet(
            { ...request, serviceAccount: account },
            { retry: settings.noRetry ? false : {} },
          ),
        )
  const withToken: Settings =
    granted === undefined ? settings : { ...settings, refreshToken: granted.refreshToken }
  return withClient(
    withToken,
    async (client) => {
      const token = await withProgress(client, out, "checking the credentials (one refresh)…", () =>
        client.refresh(),
      )
      // Only now that the credentials worked are the settings replaced (atomically): a failed init
      // leaves a working settings file as it was.
      await writeConfigFile(settings.configPath, saved)
      const expiresAt = token.expiresAt.toISOString()
      if (out.json) {
        out.document({
          initialized: true,
          config: settings.configPath,
          store: settings.storePath,
          environment: settings.environmentLabel,
          clientId: settings.clientId,
          clientSecretSaved: saved.clientSecret !== undefined,
          expiresAt,
          ...(account === undefined ? {} : { serviceAccount: true, selfHeal }),
        })
      } else {
        out.line(`initialized: settings saved in ${settings.configPath}`)
        if (account !== undefined) {
          out.line(
            selfHeal
              ? `service account: first grant taken; self-heal on (its password is kept in ${settings.configPath}, mode 0600${settings.storeKey === undefined ? "" : ", encrypted with TANGOE_STORE_KEY"})`
              : "service account: first grant taken; only the refresh token is kept (self-heal off: pass --self-heal to keep the account)",
          )
        }
        out.line(`refresh token stored in ${settings.storePath}; access token valid until ${expiresAt}`)
      }
      return 0
    },
    // The granted chain is provisioned like a typed refresh token; the account is not needed for it.
    { serviceAccount: false },
  )
}
