/**
 * Faults as data: checking a fault that arrives from a program or as admin JSON (`toFault`), and
 * reading the CLI's `--fault` spec (`parseFaultSpec`), with errors that name the field.
 *
 * @since 0.1.0
 */
import type { Fault, FaultKind } from "./Fault.ts"
import { boolean, describeValue, fail, integer, onlyKeys, record, text } from "./internal/validate.ts"

const STATUS_CODES = [429, 500, 502, 503, 504] as const
const TOKEN_FIELDS = ["access_token", "token_type", "expires_in", "refresh_token"] as const
const MAX_DELAY_MS = 10 * 60 * 1000
const MAX_OVERSIZED_BYTES = 256 * 1024 * 1024
const MAX_HOLD_UNTIL = 1_000
const PHASES = ["afterRotation", "beforeProcessing"] as const

/** Every fault kind with the keys it takes (besides `kind`). */
const FAULT_KEYS: Readonly<Record<FaultKind, ReadonlyArray<string>>> = {
  status: ["status", "retryAfter", "rotate", "body"],
  delay: ["ms", "phase"],
  hold: ["until", "phase"],
  stallBody: ["ms"],
  resetBeforeProcessing: [],
  resetAfterRotation: [],
  html: ["status"],
  malformedJson: [],
  missingField: ["field"],
  wrongTokenType: ["tokenType"],
  expiresInString: [],
  expiresIn: ["value"],
  oversizedBody: ["bytes"],
  quoteRefreshToken: ["chars"],
}

const isFaultKind = (value: unknown): value is FaultKind =>
  typeof value === "string" && Object.hasOwn(FAULT_KEYS, value)

const oneOf = <A extends string | number>(option: string, value: unknown, choices: ReadonlyArray<A>): A =>
  choices.includes(value as A) ? (value as A) : fail(option, `one of ${choices.join(", ")}`, value)

const retryAfter = (option: string, value: unknown): number | Date => {
  if (typeof value === "number") return integer(option, value, 0, 2 ** 31 - 1)
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined
  return date !== undefined && !Number.isNaN(date.getTime())
    ? date
    : fail(option, "whole seconds (a number) or a date (a Date, an HTTP date or an ISO 8601 string)", value)
}

/**
 * Checks a fault that arrived as data (a programmatic call or admin JSON) and returns it in canonical
 * form (a `retryAfter` date string becomes a `Date`). Throws `SimulatorOptionsError` naming the field.
 *
 * @category faults
 * @since 0.1.0
 */
export const toFault = (value: unknown, option = "fault"): Fault => {
  const input = record(option, value)
  const kind = input.kind
  if (!isFaultKind(kind)) return fail(`${option}.kind`, `one of ${Object.keys(FAULT_KEYS).join(", ")}`, kind)
  onlyKeys(option, input, ["kind", ...FAULT_KEYS[kind]])
  const field = (name: string) => `${option}.${name}`
  const has = (name: string) => input[name] !== undefined
  switch (kind) {
    case "status":
      return {
        kind,
        status: oneOf(field("status"), input.status, STATUS_CODES),
        ...(has("retryAfter") ? { retryAfter: retryAfter(field("retryAfter"), input.retryAfter) } : {}),
        ...(has("rotate") ? { rotate: boolean(field("rotate"), input.rotate) } : {}),
        ...(has("body") ? { body: oneOf(field("body"), input.body, ["json", "empty"] as const) } : {}),
      }
    case "delay":
      return {
        kind,
        ms: integer(field("ms"), input.ms, 0, MAX_DELAY_MS),
        ...(has("phase") ? { phase: oneOf(field("phase"), input.phase, PHASES) } : {}),
      }
    case "hold":
      return {
        kind,
        ...(has("until") ? { until: integer(field("until"), input.until, 1, MAX_HOLD_UNTIL) } : {}),
        ...(has("phase") ? { phase: oneOf(field("phase"), input.phase, PHASES) } : {}),
      }
    case "stallBody":
      return { kind, ms: integer(field("ms"), input.ms, 0, MAX_DELAY_MS) }
    case "html":
      return has("status") ? { kind, status: integer(field("status"), input.status, 400, 599) } : { kind }
    case "missingField":
      return { kind, field: oneOf(field("field"), input.field, TOKEN_FIELDS) }
    case "wrongTokenType":
      return has("tokenType") ? { kind, tokenType: text(field("tokenType"), input.tokenType) } : { kind }
    case "expiresIn": {
      const value = input.value
      return typeof value === "number" || typeof value === "string"
        ? { kind, value }
        : fail(field("value"), "a number or a string", value)
    }
    case "oversizedBody":
      return has("bytes")
        ? { kind, bytes: integer(field("bytes"), input.bytes, 1, MAX_OVERSIZED_BYTES) }
        : { kind }
    case "quoteRefreshToken":
      return has("chars") ? { kind, chars: integer(field("chars"), input.chars, 1, 4096) } : { kind }
    default:
      return { kind }
  }
}

/** The key a bare value in a CLI spec sets, per kind (`delay:2000` = `delay:ms=2000`). */
const BARE_KEY: Partial<Record<FaultKind, string>> = {
  delay: "ms",
  hold: "until",
  stallBody: "ms",
  html: "status",
  missingField: "field",
  wrongTokenType: "tokenType",
  expiresIn: "value",
  oversizedBody: "bytes",
  quoteRefreshToken: "chars",
}

const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())

/** Converts a CLI option value to the type `toFault` wants for that key. */
const typed = (key: string, raw: string): unknown => {
  switch (key) {
    case "value":
      return /^-?[0-9.]+(e[+-]?[0-9]+)?$/i.test(raw) && Number.isFinite(Number(raw)) ? Number(raw) : raw
    case "ms":
    case "until":
    case "bytes":
    case "chars":
    case "status":
      return /^\d+$/.test(raw) ? Number(raw) : raw
    case "rotate":
      return raw === "" || raw === "true" ? true : raw === "false" ? false : raw
    case "retryAfter":
      return /^\d+$/.test(raw) ? Number(raw) : raw
    case "phase":
      return camel(raw)
    default:
      return raw
  }
}

/**
 * Parses a CLI fault spec: `<kind>[:key=value|:flag|:bare-value]...`, where `<kind>` is a status code
 * (429, 500, 502, 503, 504) or a kind in kebab-case or camelCase. Examples: `503:retry-after=5`,
 * `500:rotate`, `429:retry-after=Wed, 21 Oct 2026 07:28:00 GMT`, `delay:ms=3000:phase=before-processing`,
 * `hold`, `hold:until=2`, `hold:2:phase=before-processing`,
 * `stall-body:2000`, `reset-after-rotation`, `html:504`, `missing-field:refresh_token`,
 * `wrong-token-type:mac`, `oversized-body:bytes=1048576`. A `retry-after` date may contain colons.
 *
 * @category faults
 * @since 0.1.0
 */
export const parseFaultSpec = (spec: string, option = "--fault"): Fault => {
  const [head = "", ...segments] = spec.trim().split(":")
  const fault: Record<string, unknown> = /^\d+$/.test(head)
    ? { kind: "status", status: Number(head) }
    : { kind: camel(head.trim()) }
  if (!isFaultKind(fault.kind)) {
    return fail(
      option,
      `a fault spec such as 503:retry-after=5 or reset-after-rotation (kinds: a status code, ${Object.keys(
        FAULT_KEYS,
      )
        .map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
        .join(", ")})`,
      spec,
    )
  }
  let lastKey: string | undefined
  for (const segment of segments) {
    const keyValue = /^([a-zA-Z][a-zA-Z-]*)=(.*)$/s.exec(segment)
    const bareKey = BARE_KEY[fault.kind]
    if (lastKey === "retryAfter" && /^\d/.test(segment)) {
      // An HTTP or ISO 8601 date that the split cut at its colons: glue it back together.
      fault[lastKey] = `${String(fault[lastKey])}:${segment}`
    } else if (keyValue !== null) {
      lastKey = camel(keyValue[1] ?? "")
      fault[lastKey] = typed(lastKey, keyValue[2] ?? "")
    } else if (segment === "rotate") {
      lastKey = "rotate"
      fault[lastKey] = true
    } else if (bareKey !== undefined) {
      lastKey = bareKey
      fault[lastKey] = typed(lastKey, segment)
    } else {
      return fail(option, `key=value options for ${String(fault.kind)}`, segment)
    }
  }
  try {
    return toFault(fault, option)
  } catch (error) {
    if (error instanceof Error) error.message = `${error.message} (in the fault spec ${describeValue(spec)})`
    throw error
  }
}
