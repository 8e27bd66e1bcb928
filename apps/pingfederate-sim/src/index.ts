/**
 * @tangoe-token/pingfederate-sim: a faithful local PingFederate token endpoint (Tangoe's OAuth
 * server) with rolling refresh tokens, grace periods, reuse detection and fault injection.
 *
 * @since 0.1.0
 */
export type { Fault, FaultKind } from "./Fault.ts"
export { parseFaultSpec, toFault } from "./FaultSpec.ts"
export type { LoggedRequest, ReceivedApiRequest, SimulatorStats } from "./RequestLog.ts"
export {
  type ClientSpec,
  type RevokeSpec,
  type SeededClient,
  type SeededServiceAccount,
  type ServiceAccountSpec,
  type ServiceAccountStats,
  type Simulator,
  type SimulatorConfig,
  type SimulatorOptions,
  startSimulator,
} from "./Simulator.ts"
export { SimulatorOptionsError } from "./SimulatorOptionsError.ts"
