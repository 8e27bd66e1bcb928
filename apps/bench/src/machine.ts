/** The machine a run happened on: the README's table is meaningless without it. */
import { availableParallelism, cpus, loadavg, totalmem } from "node:os"

/** Cores, memory, Node version and load average at the start and end of a run. */
export interface MachineInfo {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly platform: string
  readonly loadAverage: ReadonlyArray<number>
}

/** What the machine is now (load: 1, 5 and 15-minute averages). */
export const machineInfo = (): MachineInfo => ({
  cpuModel: cpus()[0]?.model ?? "unknown",
  cores: availableParallelism(),
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
})
