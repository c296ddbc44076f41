import { parseArgs } from 'node:util';
import type { Command } from '../command.ts';
import { createPopulationRegisterApp } from '../sandbox/index.ts';

const USAGE = `Usage: tonle sample-service [--port 27105] [--host 127.0.0.1]

Runs the sandbox's sample provider service: a city's population register (GET /persons/{code},
GET /persons?familyName=..., OpenAPI description at /openapi.json), and under /testbench the endpoints
end-to-end tests call (echo, bytes, slow, status, flaky, hangup: docs/sandbox.md). Stops on SIGINT/SIGTERM.`;

/** `tonle sample-service`: the provider service the sandbox publishes through its security servers. */
export const sampleServiceCommand: Command = {
  name: 'sample-service',
  summary: 'run the sample population-register provider service',
  usage: USAGE,
  async run(args, io) {
    let values: { port?: string; host?: string };
    try {
      values = parseArgs({ args: [...args], options: { port: { type: 'string' }, host: { type: 'string' } }, strict: true }).values;
    } catch (error) {
      io.err(`tonle sample-service: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const port = Number(values.port ?? 27105);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(`tonle sample-service: --port must be a port number, got '${values.port}'\n`);
      return 2;
    }
    const app = createPopulationRegisterApp();
    const address = await app.listen({ port, host: values.host ?? '127.0.0.1' });
    io.out(`Population register listening on ${address} (OpenAPI: ${address}/openapi.json)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await app.close();
    return 0;
  },
};
