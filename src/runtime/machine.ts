/** The machine a measurement ran on, and when: other work on it skews every timing. */
import os from 'node:os';

/** Node version, CPUs, the moment, and the load average then. */
export interface MachineInfo {
  /** process.version. */
  node: string;
  cpus: number;
  cpuModel: string;
  /** ISO-8601. */
  date: string;
  /** os.loadavg() when the measurement started. */
  loadAvg: number[];
}

/** The machine now. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    date: new Date().toISOString(),
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
