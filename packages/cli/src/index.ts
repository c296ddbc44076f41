/**
 * @tonle/cli: the `tonle` command. Its front door exports the dispatcher so tests and other entry points
 * can run commands in-process.
 */
export type { Command, CommandIo } from './command.ts';
export { commands } from './commands/index.ts';
export { renderHelp, runCli } from './run.ts';
