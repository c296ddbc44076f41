import type { Command } from '../command.ts';

/**
 * `tonle sandbox`: will bring up a whole instance on one machine (issue: Sandbox). Until the components
 * it starts exist, it says so and exits with a non-zero code instead of pretending to start anything.
 */
export const sandboxCommand: Command = {
  name: 'sandbox',
  summary: 'bring up a whole local instance (not available yet)',
  usage: 'Usage: tonle sandbox\n\nNot available yet: the trust services, registry and security servers it starts are still being built.',
  run(_args, io) {
    io.err(
      [
        'The sandbox is not available yet in this version of Tonle.',
        'What works today:',
        '  npm test                      type check, lint and the test suite',
        '  npm run tonle -- --help       the command list',
        '',
      ].join('\n'),
    );
    return Promise.resolve(1);
  },
};
