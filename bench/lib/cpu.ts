import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per process from /proc, so each phase can say how many CPU-milliseconds one payment
 * costs in each process. That figure barely moves with what else runs on the machine, unlike
 * throughput on a shared 2-core box; the machine-wide reading says how much the others took.
 */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in ms; undefined once it has gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU time of the whole machine, in ms (all cores together). */
function machineCpuMs(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return {
    busy: ((total - idle) / TICKS_PER_SECOND) * 1000,
    total: (total / TICKS_PER_SECOND) * 1000,
  };
}

/** The pids whose command line contains every needle (and, if given, whose environment has `env`). */
export function findPids(needles: readonly string[], env?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!needles.every((n) => cmdline.includes(n))) {
        continue;
      }
      if (env && !readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(env)) {
        continue;
      }
      pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

export interface CpuReading {
  /** Wall time of the reading, ms. */
  wallMs: number;
  /** CPU ms used by each named process. */
  byProcess: Record<string, number>;
  /** CPU ms used by the whole machine, and the share not used by the named processes. */
  machineBusyMs: number;
  othersMs: number;
  /** Cores' worth of CPU the machine had in the interval. */
  capacityMs: number;
}

/** Starts counting; the returned function stops and answers what each process used. */
export function startCpuMeter(processes: Record<string, number | undefined>): () => CpuReading {
  const started = Date.now();
  const machineStart = machineCpuMs();
  const start = Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [
      name,
      pid === undefined ? undefined : processCpuMs(pid),
    ]),
  );
  return () => {
    const machineEnd = machineCpuMs();
    const byProcess: Record<string, number> = {};
    for (const [name, pid] of Object.entries(processes)) {
      const before = start[name];
      const after = pid === undefined ? undefined : processCpuMs(pid);
      if (before !== undefined && after !== undefined) {
        byProcess[name] = after - before;
      }
    }
    const machineBusyMs = machineEnd.busy - machineStart.busy;
    const ours = Object.values(byProcess).reduce((a, b) => a + b, 0);
    return {
      wallMs: Date.now() - started,
      byProcess,
      machineBusyMs,
      othersMs: Math.max(0, machineBusyMs - ours),
      capacityMs: machineEnd.total - machineStart.total,
    };
  };
}
