import { writeFileAtomic } from '@tonle/durable-file';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Which one-time setup steps a sandbox has completed, kept in `<dir>/sandbox-steps.json`, so a second run
 * skips them and a run that failed half-way resumes where it stopped.
 */
export class SetupSteps {
  readonly #file: string;
  readonly #done: Set<string>;

  private constructor(file: string, done: Set<string>) {
    this.#file = file;
    this.#done = done;
  }

  static async open(dir: string): Promise<SetupSteps> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'sandbox-steps.json');
    const done = existsSync(file) ? new Set<string>((JSON.parse(await readFile(file, 'utf8')) as { done: string[] }).done) : new Set<string>();
    return new SetupSteps(file, done);
  }

  /** Whether no step has run yet (a first run). */
  get isFirstRun(): boolean {
    return this.#done.size === 0;
  }

  /** Runs `action` unless the step is recorded as done, then records it. */
  async once(step: string, action: () => Promise<void>): Promise<void> {
    if (this.#done.has(step)) return;
    await action();
    this.#done.add(step);
    await writeFileAtomic(this.#file, `${JSON.stringify({ done: [...this.#done] }, null, 2)}\n`);
  }
}
