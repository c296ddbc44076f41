#!/usr/bin/env node
// Process entry of one registry node: `node --import tsx main.ts --config registry.json`.
// Prints one JSON line `{"ready":true,"adminUrl","publicUrl"}` when both listeners are up.
import { systemClock } from '@tonle/protocol';
import { loadRegistryConfig } from './config/index.ts';
import { createRegistryLogger, startRegistryNode } from './node/index.ts';

const index = process.argv.indexOf('--config');
const configPath = index >= 0 ? process.argv[index + 1] : undefined;
if (configPath === undefined) {
  process.stderr.write('usage: main.ts --config <registry.json>\n');
  process.exit(2);
}
try {
  // JSON logs on stderr; stdout carries only the ready line. Never headers or bodies (architecture §11).
  const logger = createRegistryLogger({ level: process.env['TONLE_LOG_LEVEL'] ?? 'info' });
  const node = await startRegistryNode({ config: await loadRegistryConfig(configPath), clock: systemClock, logger });
  process.stdout.write(`${JSON.stringify({ ready: true, adminUrl: node.adminUrl, publicUrl: node.publicUrl, pid: process.pid })}\n`);
  const stop = (): void => {
    void node.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  const e = error as { code?: string; message?: string };
  process.stderr.write(`${JSON.stringify({ ready: false, code: e.code ?? 'TONLE_ERR_REGISTRY_INTERNAL', message: e.message })}\n`);
  process.exit(1);
}
