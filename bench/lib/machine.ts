// What machine a benchmark ran on: CPU model, cores, memory, kernel, Node version, load.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  /** 1-minute load average when the benchmark started (other work on a shared machine skews figures). */
  readonly loadAvg1: number;
  readonly pressure: Pressure | undefined;
}

/** Pressure stall information (Linux PSI): % of the last 60 s some task waited for CPU / for I/O. */
export interface Pressure {
  readonly cpuSome60: number;
  readonly ioSome60: number;
}

export function pressure(): Pressure | undefined {
  const some60 = (res: string): number => {
    const m = /^some .*?avg60=([\d.]+)/m.exec(readFileSync(`/proc/pressure/${res}`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  };
  try {
    return { cpuSome60: some60('cpu'), ioSome60: some60('io') };
  } catch {
    return undefined; // no PSI in this kernel
  }
}

export function describePressure(p: Pressure | undefined): string {
  return p === undefined ? 'n/a' : `CPU ${p.cpuSome60.toFixed(1)}%, I/O ${p.ioSome60.toFixed(1)}%`;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAvg1: os.loadavg()[0] ?? Number.NaN,
    pressure: pressure(),
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB RAM, ${m.kernel}, Node ${m.node}`;
}

export interface ProcMemory {
  /** Resident set size now (VmRSS), in MB (10^6 bytes; /proc reports KiB). */
  readonly rssMB: number;
  /** Peak resident set size so far (VmHWM), in MB. */
  readonly hwmMB: number;
}

/** VmRSS and VmHWM of a process from /proc/<pid>/status (Linux). */
export function procMemory(pid: number): ProcMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) {
      throw new Error(`/proc/${pid}/status has no ${name}`);
    }
    return (Number(m[1]) * 1024) / 1e6;
  };
  return { rssMB: field('VmRSS'), hwmMB: field('VmHWM') };
}

/** A process's resident memory split: anonymous (heap, stacks, malloc) vs file-backed (binary, libraries). */
export interface ProcMemoryParts {
  readonly anonMB: number;
  readonly fileMB: number;
}

/** From /proc/<pid>/smaps_rollup. */
export function procMemoryParts(pid: number): ProcMemoryParts {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? (Number(m[1]) * 1024) / 1e6 : Number.NaN;
  };
  const rss = field('Rss');
  const anon = field('Anonymous');
  return { anonMB: anon, fileMB: rss - anon };
}

/** CPU time (user + system, ms) a process has used, from /proc/<pid>/stat. */
export function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;
