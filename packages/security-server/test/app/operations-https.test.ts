import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { systemClock } from '@tonle/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFromConfig, type StartedFromConfig } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/logging/index.ts';

let dir: string;
let started: StartedFromConfig;

/** Writes an operations-mode ss.json into `folder` (before initialisation: no anchor, no token yet) and loads it. */
function operationsConfig(folder: string, clientProxy: Record<string, unknown>) {
  writeFileSync(
    join(folder, 'ss.json'),
    JSON.stringify({
      serverId: 'EE/GOV/1234/ss1',
      serverConf: { file: 'serverconf.json' },
      operations: { dataDir: 'data' },
      admin: { port: 0, apiKeyFile: 'admin-key' },
      monitoring: { port: 0 },
      clientProxy,
    }),
  );
  return loadConfig({ file: 'ss.json', cwd: folder, env: {} });
}

const silent = () => createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, cb) { cb(); } }) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tonle-ops-https-'));
  const config = operationsConfig(dir, { port: 0, https: { port: 0 } });
  started = await startFromConfig({ config, log: silent(), clock: systemClock });
}, 60_000);

afterAll(async () => {
  await started?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('operations mode generates the internal TLS certificate at start and the admin API serves that same certificate', async () => {
  const onDisk = readFileSync(join(dir, 'internal-tls', 'internal-tls.crt'), 'utf8');
  const key = readFileSync(join(dir, 'admin-key'), 'utf8').trim();
  const base = `http://127.0.0.1:${started.operations!.adminPort}/api/v1`;
  const exported = await fetch(`${base}/system/certificate/export`, { headers: { authorization: `X-Road-ApiKey token=${key}` } });
  expect(exported.status).toBe(200);
  expect(await exported.text()).toBe(onDisk);
  const info = await fetch(`${base}/system/certificate`, { headers: { authorization: `X-Road-ApiKey token=${key}` } });
  expect(await info.json()).toMatchObject({ subject: 'CN=EE/GOV/1234/ss1', pem: onDisk });
}, 60_000);

it('an operator certificate file that cannot be read stops the start with TONLE_ERR_CLIENTPROXY_INTERNAL_TLS', async () => {
  const d = mkdtempSync(join(tmpdir(), 'tonle-https-files-'));
  try {
    const config = operationsConfig(d, { port: 0, https: { port: 0, certificateFile: 'missing.crt', keyFile: 'missing.key' } });
    await expect(startFromConfig({ config, log: silent(), clock: systemClock })).rejects.toMatchObject({ code: 'TONLE_ERR_CLIENTPROXY_INTERNAL_TLS' });
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}, 60_000);
