import type { Command } from '../command.ts';
import { auditCommand } from './audit.ts';
import { registryCommand } from './registry.ts';
import { sampleServiceCommand } from './sample-service.ts';
import { sandboxCommand } from './sandbox.ts';
import { securityServerCommand } from './security-server.ts';
import { trustCommand } from './trust.ts';

/** Every subcommand of `tonle`, in the order `--help` lists them. Each component adds its own here. */
export const commands: readonly Command[] = [sandboxCommand, auditCommand, trustCommand, registryCommand, sampleServiceCommand, securityServerCommand];
