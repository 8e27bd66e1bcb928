/**
 * The one error the simulator throws at its callers: a bad option, flag, client spec or fault
 * (from `startSimulator`, `configure`, `addClient`, `issueRefreshToken`, the admin endpoint and the
 * CLI). The message is computed from the fields: which option, what was expected, what came.
 * `received` never holds a secret: callers pass a description, not the value, for secrets.
 *
 * @since 0.1.0
 */

/**
 * A simulator option (or CLI flag, admin field, fault spec) had a value the simulator cannot use.
 *
 * @example
 * ```ts
 * try { await startSimulator({ host: "0.0.0.0" }) }
 * catch (e) { if (e instanceof SimulatorOptionsError) console.error(e.option, e.expected) }
 * ```
 * @category errors
 * @since 0.1.0
 */
export class SimulatorOptionsError extends Error {
  /** Discriminates this error from others. */
  readonly _tag = "SimulatorOptionsError" as const
  /** The option, flag or field at fault, e.g. `gracePeriod` or `--grace-period`. */
  readonly option: string
  /** What a valid value looks like. */
  readonly expected: string
  /** What was received (a description; never a secret value). */
  readonly received: string

  constructor(fields: { readonly option: string; readonly expected: string; readonly received: string }) {
    super(`${fields.option}: expected ${fields.expected}, received ${fields.received}`)
    this.name = "SimulatorOptionsError"
    this.option = fields.option
    this.expected = fields.expected
    this.received = fields.received
  }
}
