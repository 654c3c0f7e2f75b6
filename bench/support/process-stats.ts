import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc times are in 1/100 s. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, every thread) a process has used so far, in ms, from `/proc/<pid>/stat`: a child the
 * bench spawned needs no endpoint for it. Unlike wall-clock throughput it depends little on the machine's other load.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory (VmRSS) of a process in MB; NaN once it is gone. */
export function residentMb(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return Number.NaN;
  }
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** The processes a benchmark measures, by name (`api`, `inference`, ...). */
export type Processes = Record<string, number>;

export function cpuSnapshot(processes: Processes): Record<string, number> {
  return Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, processCpuMs(pid)]));
}

export function memorySnapshot(processes: Processes): Record<string, number> {
  return Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, residentMb(pid)]));
}
