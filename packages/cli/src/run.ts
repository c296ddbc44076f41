import type { Command, CommandIo } from './command.ts';
import { commands } from './commands/index.ts';

const VERSION = '0.1.0';

/** Renders the top-level help: every registered command with its summary. */
export function renderHelp(list: readonly Command[] = commands): string {
  const width = Math.max(...list.map((c) => c.name.length));
  const lines = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: tonle <command> [options]',
    '',
    'Tonle: a data exchange layer for public administrations (X-Road compatible).',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `tonle <command> --help` for the options of one command.',
    '',
  ].join('\n');
}

/**
 * Dispatches `argv` (without the node and script paths) to a command.
 * Resolves to the exit code; never throws for bad input.
 */
export async function runCli(argv: readonly string[], io: CommandIo, list: readonly Command[] = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(renderHelp(list));
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  const command = list.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`tonle: unknown command '${name}'.\n\n${renderHelp(list)}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest, io);
}
