/**
 * Memory of the child processes, read from /proc/<pid>/status (Linux): VmRSS now, VmHWM (the
 * kernel's own peak-RSS record, so no sample can miss the peak), and RssAnon/RssFile apart —
 * lmdb maps its data file, so file-backed pages of the store count in RSS and grow with the
 * data, which is not a leak; anonymous memory is the process's own.
 */
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  rss: number;
  hwm: number;
  rss_anon: number;
  rss_file: number;
}

const KB = 1024;

export function procMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * KB;
  return { rss: field('VmRSS'), hwm: field('VmHWM'), rss_anon: field('RssAnon'), rss_file: field('RssFile') };
}

/**
 * CPU seconds a process has used so far (user + system, /proc/<pid>/stat fields 14 and 15, in
 * clock ticks of 1/100 s on Linux): the difference between two samples says which process a
 * slowdown is in.
 */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: count the fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Samples VmRSS of some processes every interval; keeps the peak since the last reset, per process. */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private peaks = new Map<string, number>();

  constructor(
    private readonly pids: Map<string, number>,
    private readonly intervalMs = 200,
  ) {}

  start() {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  sample() {
    for (const [name, pid] of this.pids) {
      const m = procMemory(pid);
      if (m && !(m.rss <= (this.peaks.get(name) ?? 0))) this.peaks.set(name, m.rss);
    }
  }

  /** Samples one more process from now on (a scenario's own gateway). */
  watch(name: string, pid: number) {
    this.pids.set(name, pid);
    this.peaks.delete(name);
  }

  unwatch(name: string) {
    this.pids.delete(name);
    this.peaks.delete(name);
  }

  /** The peak VmRSS seen since the last call, then starts a new window. */
  takePeak(name: string): number | undefined {
    this.sample();
    const p = this.peaks.get(name);
    this.peaks.delete(name);
    return p;
  }

  stop() {
    clearInterval(this.timer);
  }
}

export const mib = (bytes: number | undefined) =>
  bytes === undefined || Number.isNaN(bytes) ? undefined : Math.round((bytes / 1024 / 1024) * 10) / 10;
