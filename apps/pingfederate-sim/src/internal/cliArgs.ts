/**
 * The `pingfederate-sim` command line: flags read with `node:util` `parseArgs`, each value checked
 * with an error that names the flag and what was expected, turned into `startSimulator` options.
 */
import { parseArgs } from "node:util"
import type { Fault } from "../Fault.ts"
import { parseFaultSpec } from "../FaultSpec.ts"
import type { ClientSpec, ServiceAccountSpec, SimulatorOptions } from "../Simulator.ts"
import { SimulatorOptionsError } from "../SimulatorOptionsError.ts"
import { fail } from "./validate.ts"

/** The text `--help` prints. */
export const USAGE = `pingfederate-sim: a local PingFederate token endpoint (Tangoe's OAuth server) with fault injection

Usage: pingfederate-sim [flags]

Prints ONE JSON line on stdout: {"tokenUrl","apiUrl","adminUrl","environment","clients":[{"environment",
"clientId","clientSecret","scope","refreshToken","tenant"}],"apiBaseUrl","serviceAccounts":[{"username",
"password"}]} (your test credentials), then logs each request to stderr without secrets. Stops on
SIGINT/SIGTERM.

Flags:
  --port <n>                    port to listen on (default 9031, like PingFederate; 0 = any free port)
  --host <address>              loopback address: 127.0.0.1 (default), ::1 or localhost
  --environment <label>         environment label (default "qa"); clients of other environments are unknown
  --access-token-lifetime <s>   access token lifetime in seconds (default 7200; fractions allowed)
  --grace-period <s>            seconds a rolled refresh token keeps working (default 0)
  --reuse-detection             a retired refresh token used after its grace period revokes its family
  --rolling-interval <s>        a refresh within this long of the token's issue returns the same token (default 0)
  --omit-refresh-token          respond without refresh_token (the current one stays live)
  --refresh-token-idle-timeout <s>
                                a refresh token unused for this long dies with invalid_grant (default 0: never)
  --service-account <user:password>
                                register a service account for grant_type=password (repeatable); the user is
                                command://name, rivermine://name or a bare name; the password is everything
                                after the colon that ends the user (it may hold colons); empty = random.
                                Without one, the password grant is unsupported (unsupported_grant_type)
  --lockout-threshold <n>       wrong passwords in a row that lock a service account (default 0: never)
  --tenant <code>               tenant code of the --client clients (default ACME): validate_bearer reports it
                                and the Tangoe-style API wants it in X-TNGO-TENANT
  --api-rejection-status <401|403>
                                the Tangoe-style API's status for a bad or expired token (default 403, as
                                Tangoe's docs list no 401; /api/v1/ping always answers 401)
  --api-collection-size <n>     items in the Tangoe-style API's sample collection (default 24; 0 = empty)
  --client <id:secret:scopes>   register a client (repeatable); scopes comma-separated (default MOBPROC);
                                an empty id or secret is random, e.g. "::MOBPROC,OTHER". Default: one random client
  --fault <spec>                queue a fault for the next token requests (repeatable, in order), e.g.
                                503:retry-after=5, 429:retry-after=Wed, 21 Oct 2026 07:28:00 GMT, 500:rotate,
                                delay:ms=3000[:phase=before-processing], stall-body:2000, reset-before-processing,
                                reset-after-rotation, html[:504], malformed-json, missing-field:refresh_token,
                                wrong-token-type[:mac], expires-in-string, oversized-body[:bytes=5242880]
  --quiet                       do not log requests to stderr
  -h, --help                    print this help

Token endpoint: POST /as/token.oauth2 with grant_type=refresh_token, password (service accounts) or
urn:pingidentity.com:oauth2:grant_type:validate_bearer (token=<access token>).
Protected APIs: GET /api/v1/ping (Bearer token; 401 when rejected), and the Tangoe-style
GET /mobileprocurement/v1/orders[?limit=&offset=] and /mobileprocurement/v1/orders/<id> (needs
X-TNGO-TENANT and client_id headers; Tangoe error bodies; _meta pagination; echoes
X-TNGO-CONTEXT-CORRELATIONID).

Admin endpoint (same port): GET /__admin/state, POST|GET|DELETE /__admin/faults, POST|GET /__admin/config,
POST /__admin/clients, POST /__admin/refresh-tokens, POST /__admin/is-live,
POST /__admin/expire-access-tokens, POST /__admin/reset, POST|GET /__admin/service-accounts,
POST /__admin/service-accounts/unlock, POST /__admin/revoke, POST /__admin/age-refresh-tokens,
GET /__admin/api-requests.
`

/** What the command line asks for. */
export type CliCommand =
  | { readonly kind: "help" }
  | { readonly kind: "run"; readonly options: SimulatorOptions; readonly quiet: boolean }

const number = (flag: string, raw: string | undefined): number | undefined =>
  raw === undefined
    ? undefined
    : /^\d+(\.\d+)?$/.test(raw)
      ? Number(raw)
      : fail(flag, "a number of seconds >= 0, e.g. 2 or 0.5", raw)

const port = (raw: string | undefined): number =>
  raw === undefined
    ? 9031
    : /^\d+$/.test(raw) && Number(raw) <= 65535
      ? Number(raw)
      : fail("--port", "an integer from 0 to 65535", raw)

/**
 * Reads `id:secret[:scope1,scope2]`. The id ends at the first colon; with two or more colons the scopes
 * start after the last one (so a secret with a colon needs the scopes given). Empty id/secret = random.
 */
export const parseClientSpec = (spec: string): ClientSpec => {
  const first = spec.indexOf(":")
  if (first < 0) return fail("--client", "id:secret or id:secret:scope1,scope2", "a value without a colon")
  const last = spec.lastIndexOf(":")
  const clientId = spec.slice(0, first)
  const clientSecret = last === first ? spec.slice(first + 1) : spec.slice(first + 1, last)
  const scopes =
    last === first
      ? undefined
      : spec
          .slice(last + 1)
          .split(",")
          .filter((s) => s !== "")
  if (scopes !== undefined && scopes.length === 0) {
    return fail(
      "--client",
      "at least one scope after the last colon, e.g. id:secret:MOBPROC",
      `client ${clientId}`,
    )
  }
  return {
    ...(clientId !== "" ? { clientId } : {}),
    ...(clientSecret !== "" ? { clientSecret } : {}),
    ...(scopes !== undefined ? { scopes } : {}),
  }
}

const integerFlag = (flag: string, raw: string | undefined): number | undefined =>
  raw === undefined ? undefined : /^\d+$/.test(raw) ? Number(raw) : fail(flag, "an integer >= 0", raw)

const rejectionStatus = (raw: string | undefined): 401 | 403 | undefined =>
  raw === undefined
    ? undefined
    : raw === "401" || raw === "403"
      ? (Number(raw) as 401 | 403)
      : fail("--api-rejection-status", "401 or 403", raw)

/**
 * Reads `user:password`. The user ends at the first colon after its `command://` or `rivermine://`
 * prefix, if any; the password is the rest (it may hold colons). An empty password is random. The
 * password never appears in an error.
 */
export const parseServiceAccountSpec = (spec: string): ServiceAccountSpec => {
  const prefix = /^[A-Za-z]+:\/\//.exec(spec)?.[0] ?? ""
  const colon = spec.indexOf(":", prefix.length)
  if (colon < 0) {
    return fail(
      "--service-account",
      "user:password, e.g. command://svc.acme:s3cret",
      "a value without a password part",
    )
  }
  const username = spec.slice(0, colon)
  const password = spec.slice(colon + 1)
  return { username, ...(password !== "" ? { password } : {}) }
}

/** Reads the command line (without `node` and the script). Throws `SimulatorOptionsError` for a bad value. */
export const parseCliArgs = (argv: ReadonlyArray<string>): CliCommand => {
  let values: ReturnType<typeof parse>["values"]
  try {
    values = parse(argv).values
  } catch (error) {
    throw new SimulatorOptionsError({
      option: "command line",
      expected: "the flags listed by --help",
      received: (error as Error).message,
    })
  }
  if (values.help === true) return { kind: "help" }
  const faults: Array<Fault> = (values.fault ?? []).map((spec) => parseFaultSpec(spec, "--fault"))
  const tenant = values.tenant
  const clients = values.client?.map((spec) => ({
    ...parseClientSpec(spec),
    ...(tenant !== undefined ? { tenant } : {}),
  }))
  const options: SimulatorOptions = {
    port: port(values.port),
    host: values.host,
    environment: values.environment,
    accessTokenLifetime: number("--access-token-lifetime", values["access-token-lifetime"]),
    gracePeriod: number("--grace-period", values["grace-period"]),
    reuseDetection: values["reuse-detection"],
    rollingInterval: number("--rolling-interval", values["rolling-interval"]),
    omitRefreshToken: values["omit-refresh-token"],
    refreshTokenIdleTimeout: number("--refresh-token-idle-timeout", values["refresh-token-idle-timeout"]),
    lockoutThreshold: integerFlag("--lockout-threshold", values["lockout-threshold"]),
    apiRejectionStatus: rejectionStatus(values["api-rejection-status"]),
    apiCollectionSize: integerFlag("--api-collection-size", values["api-collection-size"]),
    serviceAccounts: values["service-account"]?.map(parseServiceAccountSpec),
    clients: clients ?? (tenant !== undefined ? [{ tenant }] : undefined),
    faults,
  }
  return { kind: "run", options, quiet: values.quiet === true }
}

const parse = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    allowNegative: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      environment: { type: "string" },
      "access-token-lifetime": { type: "string" },
      "grace-period": { type: "string" },
      "reuse-detection": { type: "boolean" },
      "rolling-interval": { type: "string" },
      "omit-refresh-token": { type: "boolean" },
      client: { type: "string", multiple: true },
      "refresh-token-idle-timeout": { type: "string" },
      "service-account": { type: "string", multiple: true },
      "lockout-threshold": { type: "string" },
      tenant: { type: "string" },
      "api-rejection-status": { type: "string" },
      "api-collection-size": { type: "string" },
      fault: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  })
