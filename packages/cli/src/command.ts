/**
 * The contract every `tonle` subcommand implements. Components keep their logic in their own packages;
 * a command only turns arguments into a call of a component's front door.
 */
export interface Command {
  /** The word typed after `tonle`, e.g. `trust`. */
  readonly name: string;
  /** One line for `tonle --help`. */
  readonly summary: string;
  /** Full usage text for `tonle <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** Where a command writes; injected so tests can capture output. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}
