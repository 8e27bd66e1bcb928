/**
 * The simulator's token behaviour: its defaults, and validation of changes (from options,
 * `configure`, the admin endpoint and CLI flags) with errors that name the field.
 */
import type { SimulatorConfig } from "../Simulator.ts"
import { boolean, fail, integer, seconds } from "./validate.ts"

/** The defaults: a 2-hour access token, and a refresh token that dies as soon as it has rolled. */
export const DEFAULT_CONFIG: SimulatorConfig = {
  accessTokenLifetime: 7200,
  gracePeriod: 0,
  reuseDetection: false,
  rollingInterval: 0,
  omitRefreshToken: false,
  refreshTokenIdleTimeout: 0,
  lockoutThreshold: 0,
  apiRejectionStatus: 403,
  apiCollectionSize: 24,
}

/** The largest sample collection the API serves (keeps a typo from allocating millions of items). */
export const MAX_COLLECTION_SIZE = 100_000

const rejectionStatus = (option: string, value: unknown): 401 | 403 =>
  value === 401 || value === 403 ? value : fail(option, "401 or 403", value)

/** The config's keys, for rejecting unknown ones. */
export const CONFIG_KEYS: ReadonlyArray<string> = Object.keys(DEFAULT_CONFIG)

/**
 * Validates the config fields present in `input` over `base`; `prefix` says where they came from
 * (`""` for options, `"config."` for the admin endpoint).
 */
export const mergeConfig = (
  base: SimulatorConfig,
  input: Record<string, unknown>,
  prefix = "",
): SimulatorConfig => {
  const pick = <A>(
    key: keyof SimulatorConfig,
    check: (option: string, value: unknown) => A,
    fallback: A,
  ): A => (input[key] === undefined ? fallback : check(`${prefix}${key}`, input[key]))
  return {
    accessTokenLifetime: pick("accessTokenLifetime", seconds, base.accessTokenLifetime),
    gracePeriod: pick("gracePeriod", seconds, base.gracePeriod),
    reuseDetection: pick("reuseDetection", boolean, base.reuseDetection),
    rollingInterval: pick("rollingInterval", seconds, base.rollingInterval),
    omitRefreshToken: pick("omitRefreshToken", boolean, base.omitRefreshToken),
    refreshTokenIdleTimeout: pick("refreshTokenIdleTimeout", seconds, base.refreshTokenIdleTimeout),
    lockoutThreshold: pick(
      "lockoutThreshold",
      (option, value) => integer(option, value, 0, 1_000_000),
      base.lockoutThreshold,
    ),
    apiRejectionStatus: pick("apiRejectionStatus", rejectionStatus, base.apiRejectionStatus),
    apiCollectionSize: pick(
      "apiCollectionSize",
      (option, value) => integer(option, value, 0, MAX_COLLECTION_SIZE),
      base.apiCollectionSize,
    ),
  }
}
