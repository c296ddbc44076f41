import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One process the sandbox runs. */
export interface ProcessSpec {
  /** Short name used in messages and log file names (`registry`, `ss-consumer`, ...). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** An HTTP(S) URL that answers 2xx once the process is ready. */
  readonly readyUrl?: string;
}

/** A process that died or never became ready, with the last lines it wrote. */
export class SandboxProcessError extends Error {
  override readonly name = 'SandboxProcessError';
  readonly code = 'TONLE_ERR_SANDBOX_PROCESS_FAILED';
  readonly processName: string;
  readonly outputTail: string;
  constructor(processName: string, message: string, outputTail: string) {
    super(message);
    this.processName = processName;
    this.outputTail = outputTail;
  }
}

interface Running {
  readonly spec: ProcessSpec;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly tail: string[];
  readonly logFile: WriteStream;
  stopping: boolean;
}

const TAIL_LINES = 40;

/**
 * Starts child processes, keeps the tail of their output (and the whole output in `<logDir>/<name>.log`),
 * waits for their readiness URLs, reports any that die, and stops all of them together.
 */
export class ProcessSupervisor {
  readonly #logDir: string;
  readonly #running: Running[] = [];
  readonly #onUnexpectedExit: (error: SandboxProcessError) => void;

  constructor(options: { logDir: string; onUnexpectedExit: (error: SandboxProcessError) => void }) {
    this.#logDir = options.logDir;
    this.#onUnexpectedExit = options.onUnexpectedExit;
  }

  /** Process ids of everything started and not yet exited. */
  get pids(): number[] {
    return this.#running.filter((r) => r.child.exitCode === null && r.child.pid !== undefined).map((r) => r.child.pid as number);
  }

  /** Starts one process and, when it has a readiness URL, waits until it answers (or dies). */
  async start(spec: ProcessSpec, readyTimeoutMs = 60_000): Promise<void> {
    const logFile = createWriteStream(join(this.#logDir, `${spec.name}.log`), { flags: 'a' });
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const keep = (chunk: Buffer): void => {
      logFile.write(chunk);
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (error) => {
        tail.push(String(error));
        resolve(null);
      });
    });
    const running: Running = { spec, child, exited, tail, logFile, stopping: false };
    this.#running.push(running);
    void exited.then((code) => {
      logFile.end();
      if (!running.stopping) {
        this.#onUnexpectedExit(
          new SandboxProcessError(spec.name, `${spec.name} exited unexpectedly (code ${String(code)})`, tail.join('\n')),
        );
      }
    });
    if (spec.readyUrl !== undefined) await this.#waitReady(running, spec.readyUrl, readyTimeoutMs);
  }

  async #waitReady(running: Running, url: string, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let exitedEarly = false;
    void running.exited.then(() => {
      exitedEarly = true;
    });
    while (performance.now() < deadline) {
      if (exitedEarly) {
        throw new SandboxProcessError(running.spec.name, `${running.spec.name} exited before it was ready`, running.tail.join('\n'));
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(150);
    }
    throw new SandboxProcessError(running.spec.name, `${running.spec.name} was not ready at ${url} within ${timeoutMs} ms`, running.tail.join('\n'));
  }

  /** Name and process id of everything started and not yet exited, in start order. */
  get processes(): { name: string; pid: number }[] {
    return this.#running
      .filter((r) => r.child.exitCode === null && r.child.pid !== undefined)
      .map((r) => ({ name: r.spec.name, pid: r.child.pid as number }));
  }

  /**
   * Stops one process (SIGTERM, SIGKILL after `graceMs`) and starts it again with the same spec, waiting
   * for its readiness URL. Its exit is expected, so it is not reported as a death.
   */
  async restart(name: string, graceMs = 10_000): Promise<void> {
    const index = this.#running.findIndex((r) => r.spec.name === name && r.child.exitCode === null && r.child.signalCode === null);
    const running = this.#running[index];
    if (running === undefined) throw new TypeError(`no running process named '${name}' to restart`);
    running.stopping = true;
    running.child.kill('SIGTERM');
    const timer = setTimeout(() => running.child.kill('SIGKILL'), graceMs);
    await running.exited;
    clearTimeout(timer);
    this.#running.splice(index, 1);
    await this.start(running.spec);
  }

  /** Stops every process, newest first: SIGTERM, then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 10_000): Promise<void> {
    for (const running of [...this.#running].reverse()) {
      running.stopping = true;
      if (running.child.exitCode !== null || running.child.signalCode !== null) continue;
      running.child.kill('SIGTERM');
      const timer = setTimeout(() => running.child.kill('SIGKILL'), graceMs);
      await running.exited;
      clearTimeout(timer);
    }
  }
}
