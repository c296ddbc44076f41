import type { Command } from '../command.ts';
import { registryCommand } from './registry.ts';
import { sandboxCommand } from './sandbox.ts';
import { trustCommand } from './trust.ts';

/** Every subcommand of `tonle`, in the order `--help` lists them. Each component adds its own here. */
export const commands: readonly Command[] = [sandboxCommand, trustCommand, registryCommand];
