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
 * JSON shape: `{"initialized":true,"config","store","environment","clientId","clientSecretSaved","expiresAt"}`.
 *
 * @internal
 */
import { resolveRefreshRequest } from "@tangoe-token/core"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { withClient } from "../internal/client.ts"
import { type ConfigFile, readConfigFile, writeConfigFile } from "../internal/configFile.ts"
import { UsageError } from "../internal/errors.ts"
import type { Output } from "../internal/output.ts"
import { withProgress } from "../internal/progress.ts"
import { type CommonOptions, warnArgvSecrets } from "../internal/run.ts"
import { parseStdinSecrets, promptHidden, readStdin, type StdinSecrets } from "../internal/secretInput.ts"
import { clientRequest, resolveConfigPath, resolveSettings, type Settings } from "../internal/settings.ts"

/** The options of `init`. */
export interface InitOptions extends CommonOptions {
  /** Read the secrets from standard input. */
  readonly stdin: boolean
}

/** Asks on the terminal for the secrets the settings lack. */
const promptMissing = async (settings: Settings, given: StdinSecrets): Promise<StdinSecrets> => ({
  ...given,
  ...(settings.clientSecret === undefined ? { clientSecret: await promptHidden("client secret: ") } : {}),
  ...(settings.refreshToken === undefined ? { refreshToken: await promptHidden("refresh token: ") } : {}),
})

/** What goes into the settings file: every resolved setting but the refresh token. */
const configToSave = (settings: Settings, previous: ConfigFile | undefined): ConfigFile => {
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
  }
}

/** `tangoe-token init`. */
export const initCommand = async (options: InitOptions, out: Output): Promise<number> => {
  warnArgvSecrets(options, out)
  const [configPath] = resolveConfigPath(options, process.env)
  const previous = await readConfigFile(configPath, out.warn)
  const resolve = (stdin: StdinSecrets) =>
    resolveSettings({ flags: options, env: process.env, file: previous, stdin })
  let given: StdinSecrets = options.stdin ? parseStdinSecrets(await readStdin()) : {}
  let settings = resolve(given)
  if (!options.stdin && process.stdin.isTTY === true && (!settings.clientSecret || !settings.refreshToken)) {
    given = await promptMissing(settings, given)
    settings = resolve(given)
  }
  if (settings.refreshToken === undefined) {
    throw new UsageError({
      message:
        "init needs a refresh token — pipe it with --stdin, set TANGOE_REFRESH_TOKEN, or run init on a terminal to type it",
    })
  }
  // Every setting is checked (core names the wrong field) before anything is written.
  const checked = resolveRefreshRequest({ ...clientRequest(settings), refreshToken: settings.refreshToken })
  if (Result.isFailure(checked)) throw checked.failure
  const saved = configToSave(settings, previous)
  return withClient(settings, async (client) => {
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
      })
    } else {
      out.line(`initialized: settings saved in ${settings.configPath}`)
      out.line(`refresh token stored in ${settings.storePath}; access token valid until ${expiresAt}`)
    }
    return 0
  })
}
