// CPU time and peak memory of benchmark processes, read from /proc (Linux): CPU as user+system clock
// ticks summed over a process and its children (nginx workers), peak RSS from VmHWM, which writing 5 to
// clear_refs resets before each scenario.
import { spawnSync } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100;

/** Parent and user + system clock ticks from a `/proc/.../stat` file (a process's or one thread's). */
function stat(path: string): { ppid: number; ticks: number } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // the process or thread ended
  }
}

function family(pid: number): number[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const candidate of all) if (stat(`/proc/${candidate}/stat`)?.ppid === out[i]) out.push(candidate);
  }
  return out;
}

/** CPU seconds used so far by a process and its descendants. */
export function cpuSeconds(pid: number): number {
  return family(pid).reduce((sum, p) => sum + (stat(`/proc/${p}/stat`)?.ticks ?? 0), 0) / TICKS_PER_SECOND;
}

/** Peak resident set size in MiB since the last reset, the largest over a process and its children. */
export function peakRssMiB(pid: number): number {
  let peak = 0;
  for (const p of family(pid)) {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (match !== null) peak = Math.max(peak, Number(match[1]) / 1024);
    } catch {
      // exited
    }
  }
  return Math.round(peak * 10) / 10;
}

/** Resets the peak RSS counters (needs root or the process's owner). */
export function resetPeakRss(pid: number): void {
  for (const p of family(pid)) {
    try {
      writeFileSync(`/proc/${p}/clear_refs`, '5');
    } catch {
      // not permitted or exited: the peak then covers the process's whole life
    }
  }
}

/**
 * CPU seconds used so far by one process's main thread and by its other threads together (Node names them
 * all `node`; the others are the libuv pool: file system calls, fdatasync, asynchronous crypto; and V8's
 * helpers: concurrent GC and compilation). A V8 CPU profile samples only the main thread, so the second
 * figure is what a profile cannot show.
 */
export function cpuSecondsByThread(pid: number): { main: number; others: number } {
  const out = { main: 0, others: 0 };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const seconds = (stat(`/proc/${pid}/task/${tid}/stat`)?.ticks ?? 0) / TICKS_PER_SECOND;
    if (Number(tid) === pid) out.main += seconds;
    else out.others += seconds;
  }
  return out;
}

/**
 * Writes the machine's dirty pages back (`sync`), then waits (up to 30 s) until a 4 KiB write + fdatasync
 * in the temp directory takes under 5 ms three times in a row, so a scenario does not pay for the disk work
 * of the one before it. A streamed gigabyte leaves gigabytes of spool files to write back or, deleted on a
 * filesystem mounted with `discard` (this machine's ext4), to discard; meanwhile the next scenario's
 * fdatasyncs (the message log's group commits) stalled, its p99 up to 1.6 s.
 */
export function settleDisk(): void {
  spawnSync('sync', { stdio: 'ignore' });
  const file = join(tmpdir(), `tonle-bench-settle-${process.pid}`);
  const fd = openSync(file, 'w');
  try {
    const block = Buffer.alloc(4096, 1);
    const deadline = performance.now() + 30_000;
    for (let quick = 0; quick < 3 && performance.now() < deadline; ) {
      const started = performance.now();
      writeSync(fd, block, 0, block.length, 0);
      fdatasyncSync(fd);
      quick = performance.now() - started < 5 ? quick + 1 : 0;
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}
