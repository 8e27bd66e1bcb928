/**
 * The full command line, built on `effect/cli` (tagged `@stability unstable` in effect 4.1: its API
 * may change in a minor release; it is bundled, so users are not exposed to that). Loaded lazily:
 * the common `token` and `header` invocations take a faster path (see `internal/fastPath.ts`).
 *
 * @internal
 */
import { Argument, CliConfig, CliError, CliOutput, Command, Flag, GlobalFlag } from "effect/cli"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import { ChildProcessSpawner } from "effect/process"
import * as Sink from "effect/Sink"
import * as Stdio from "effect/Stdio"
import * as Stream from "effect/Stream"
import * as Terminal from "effect/Terminal"
import packageJson from "../package.json" with { type: "json" }
import { initCommand } from "./commands/init.ts"
import { refreshCommand } from "./commands/refresh.ts"
import { requestCommand } from "./commands/request.ts"
import { statusCommand } from "./commands/status.ts"
import { headerCommand, tokenCommand } from "./commands/token.ts"
import { whoamiCommand } from "./commands/whoami.ts"
import { ExitCode, errorJson, UsageError } from "./internal/errors.ts"
import type { Output } from "./internal/output.ts"
import { redactUrls } from "./internal/redact.ts"
import { type CommonOptions, execute } from "./internal/run.ts"

const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)

/** The flags every command accepts. */
const common = {
  json: Flag.Boolean("json").pipe(
    Flag.withDescription('print one JSON document on stdout (errors too: {"error":{…}})'),
    Flag.withoutNegation,
    Flag.withDefault(false),
  ),
  env: Flag.Literals("env", ["production", "qa"]).pipe(
    Flag.withDescription("Tangoe environment (env TANGOE_ENV; default production)"),
    Flag.optional,
  ),
  tokenUrl: optionalString("token-url", "another token endpoint, e.g. a simulator (env TANGOE_TOKEN_URL)"),
  clientId: optionalString("client-id", "client id (env TANGOE_CLIENT_ID)"),
  clientSecret: optionalString(
    "client-secret",
    "client secret; visible to other users on the command line: prefer TANGOE_CLIENT_SECRET",
  ),
  scope: optionalString("scope", "scope, e.g. MOBPROC (env TANGOE_SCOPE)"),
  tenant: optionalString(
    "tenant",
    "the customer's tenant code, sent as X-TNGO-TENANT by request (env TANGOE_TENANT)",
  ),
  refreshToken: optionalString(
    "refresh-token",
    "a newly provisioned refresh token; visible to other users: prefer TANGOE_REFRESH_TOKEN or init --stdin",
  ),
  store: optionalString(
    "store",
    "token store: a file, or redis://[user[:password]@]host[:port][/db] / rediss://… to share one token through Redis (env TANGOE_STORE, password also TANGOE_REDIS_PASSWORD; default $XDG_STATE_HOME/tangoe-token/token.json)",
  ),
  config: optionalString(
    "config",
    "settings file (env TANGOE_CONFIG; default $XDG_CONFIG_HOME/tangoe-token/config.json)",
  ),
  placement: Flag.Literals("placement", ["query", "body"]).pipe(
    Flag.withDescription("where the token request's parameters go (default query)"),
    Flag.optional,
  ),
  clientAuth: Flag.Literals("client-auth", ["params", "basic"]).pipe(
    Flag.withDescription("how the client authenticates (default params)"),
    Flag.optional,
  ),
  timeout: Flag.Finite("timeout").pipe(
    Flag.withDescription("time limit of one token request, in seconds (default 30)"),
    Flag.optional,
  ),
  username: optionalString(
    "username",
    "a Tangoe service account (command://name, rivermine://name or a bare name) instead of a refresh token (env TANGOE_USERNAME); its password never goes on the command line",
  ),
  noRetry: Flag.Boolean("no-retry").pipe(
    Flag.withDescription(
      "one token request, no retry (by default core retries when it is safe, for up to 2 minutes)",
    ),
    Flag.withoutNegation,
    Flag.withDefault(false),
  ),
} as const

type Parsed<T> = { readonly [K in keyof T]: T[K] extends Flag.Flag<infer A> ? A : never }
type CommonParsed = Parsed<typeof common>

const commonOptions = (c: CommonParsed): CommonOptions => ({
  json: c.json,
  env: Option.getOrUndefined(c.env),
  tokenUrl: Option.getOrUndefined(c.tokenUrl),
  clientId: Option.getOrUndefined(c.clientId),
  clientSecret: Option.getOrUndefined(c.clientSecret),
  scope: Option.getOrUndefined(c.scope),
  tenant: Option.getOrUndefined(c.tenant),
  refreshToken: Option.getOrUndefined(c.refreshToken),
  store: Option.getOrUndefined(c.store),
  config: Option.getOrUndefined(c.config),
  placement: Option.getOrUndefined(c.placement),
  clientAuth: Option.getOrUndefined(c.clientAuth),
  timeout: Option.getOrUndefined(c.timeout),
  noRetry: c.noRetry,
  username: Option.getOrUndefined(c.username),
})

/** Runs an action and records its exit code. */
const handle = (json: boolean, action: (out: Output) => Promise<number>) =>
  Effect.flatMap(
    Effect.promise(() => execute(json, action)),
    (code) =>
      Effect.sync(() => {
        process.exitCode = code
      }),
  )

const simple = (
  name: string,
  description: string,
  action: (options: CommonOptions, out: Output) => Promise<number>,
) =>
  Command.make(name, common, (c) => handle(c.json, (out) => action(commonOptions(c), out))).pipe(
    Command.withDescription(description),
  )

const token = simple(
  "token",
  "Print the access token alone (refreshing it first when needed), for $(tangoe-token token).",
  tokenCommand,
)
const header = simple("header", "Print the header line `Authorization: Bearer …`.", headerCommand)
const refresh = simple(
  "refresh",
  "Refresh now, whatever the cached token's validity, and save the rotated refresh token.",
  refreshCommand,
)
const status = simple(
  "status",
  "Show the token's validity, the last refresh and where settings and store live (no secrets, no network).",
  statusCommand,
)
const whoami = simple(
  "whoami",
  "Show what token validation says: tenant, platform, identifier, scope, time left (never the token).",
  whoamiCommand,
)

const init = Command.make(
  "init",
  {
    ...common,
    stdin: Flag.Boolean("stdin").pipe(
      Flag.withDescription(
        'read the secrets from standard input: one line (the refresh token), TANGOE_CLIENT_SECRET=… / TANGOE_REFRESH_TOKEN=… lines, or {"clientSecret","refreshToken"}',
      ),
      Flag.withoutNegation,
      Flag.withDefault(false),
    ),
    passwordStdin: Flag.Boolean("password-stdin").pipe(
      Flag.withDescription("read the service account's password (alone) from standard input"),
      Flag.withoutNegation,
      Flag.withDefault(false),
    ),
    selfHeal: Flag.Boolean("self-heal").pipe(
      Flag.withDescription(
        "keep the service account (its password too) in the 0600 settings file, and heal a dead chain with it",
      ),
      Flag.withoutNegation,
      Flag.withDefault(false),
    ),
    password: optionalString(
      "password",
      "NEVER used: a password on the command line is visible to other users; use the prompt, TANGOE_PASSWORD or --password-stdin",
    ),
  },
  (c) =>
    handle(c.json, (out) =>
      initCommand(
        {
          ...commonOptions(c),
          stdin: c.stdin,
          passwordStdin: c.passwordStdin,
          selfHeal: c.selfHeal,
          argvPassword: Option.isSome(c.password),
        },
        out,
      ),
    ),
).pipe(
  Command.withDescription(
    "Save the client settings, store a provisioned refresh token (or get the first one with a service account, --username) and check them with one refresh. Secrets come from --stdin, the environment or a hidden prompt.",
  ),
)

const request = Command.make(
  "request",
  {
    ...common,
    url: Argument.String("url").pipe(Argument.withDescription("the API URL (https, or http on loopback)")),
    method: optionalString("request", "HTTP method (default GET, or POST with --data)").pipe(
      Flag.withAlias("X"),
    ),
    headers: Flag.String("header").pipe(
      Flag.withDescription('a request header "Name: value" (repeatable)'),
      Flag.withAlias("H"),
      Flag.atLeast(0),
    ),
    data: optionalString("data", "request body; @file reads a file, @- standard input").pipe(
      Flag.withAlias("d"),
    ),
  },
  (c) =>
    handle(c.json, (out) =>
      requestCommand(
        {
          ...commonOptions(c),
          url: c.url,
          method: Option.getOrUndefined(c.method),
          headers: c.headers,
          data: Option.getOrUndefined(c.data),
        },
        out,
      ),
    ),
).pipe(
  Command.withDescription(
    "Send an HTTP request with the access token, client_id, X-TNGO-TENANT and a correlation id; on 401/403 refresh and replay once. Body on stdout, status on stderr.",
  ),
)

const root = Command.make("tangoe-token").pipe(
  Command.withDescription(
    "Keeps a Tangoe API access token at hand; the rotating refresh token is saved after every refresh.",
  ),
  Command.withSubcommands([token, header, refresh, status, request, whoami, init]),
)

/** Help and version on stdout; a wrong invocation as help + errors on stderr, or a JSON error with --json. */
const presenter = (json: boolean): CliOutput.Presenter => ({
  present: (event) =>
    Effect.gen(function* () {
      const formatter = yield* CliOutput.Formatter
      switch (event._tag) {
        case "Help":
          // Asked for: stdout. Implicit (no subcommand given): a usage error, so stderr.
          ;(event.reason === "Requested" ? process.stdout : process.stderr).write(
            `${formatter.formatHelpDoc(event.helpDoc)}\n`,
          )
          return
        case "Version":
          process.stdout.write(`${formatter.formatVersion(event.name, event.version)}\n`)
          return
        case "InvalidInvocation": {
          if (json) {
            const plain = CliOutput.defaultFormatter({ colors: false }).formatErrors(event.errors)
            const message = `${plain.replace(/^\s*ERROR\s*/i, "").trim()} — see tangoe-token ${event.commandPath.slice(1).join(" ")} --help`
            process.stdout.write(`${redactUrls(JSON.stringify(errorJson(new UsageError({ message }))))}\n`)
            return
          }
          process.stderr.write(
            redactUrls(
              `${formatter.formatHelpDoc(event.helpDoc)}\n${formatter.formatErrors(event.errors)}\n`,
            ),
          )
        }
      }
    }),
})

const unused = Effect.die("not used by tangoe-token")

/** The services `effect/cli` asks for, reduced to what this CLI uses (no prompts, no files, no processes). */
const environment = Layer.mergeAll(
  FileSystem.layerNoop({}),
  Path.layer,
  Layer.succeed(Stdio.Stdio)(
    Stdio.make({
      args: Effect.sync(() => process.argv.slice(2)),
      stdout: () => Sink.drain,
      stderr: () => Sink.drain,
      stdin: Stream.empty,
    }),
  ),
  Layer.succeed(Terminal.Terminal)(
    Terminal.make({
      columns: Effect.sync(() => process.stdout.columns ?? 100),
      rows: Effect.sync(() => process.stdout.rows ?? 24),
      size: unused,
      readInput: unused,
      readLine: unused,
      display: () => Effect.void,
    }),
  ),
  Layer.succeed(ChildProcessSpawner.ChildProcessSpawner)(ChildProcessSpawner.make(() => unused)),
  CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version] }),
)

/** Parses `argv` (without node and the script) and runs the command; resolves to the exit code. */
export const main = async (argv: ReadonlyArray<string>): Promise<number> => {
  const json = argv.includes("--json")
  const program = Command.runWith(root, { version: packageJson.version, renderErrors: true })(argv).pipe(
    Effect.provide(environment),
    Effect.provideService(CliOutput.Presenter, presenter(json)),
    Effect.as(undefined as number | undefined),
    Effect.catch((error) =>
      Effect.succeed(CliError.isCliError(error) ? ExitCode.usage : ExitCode.unexpected),
    ),
  )
  const failed = await Effect.runPromise(program)
  return failed ?? (typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok)
}
