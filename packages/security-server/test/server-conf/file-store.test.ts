import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceId, subsystemId } from '@tonle/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileServerConfStore, createServerConf } from '../../src/server-conf/index.ts';
import { owner, serverConfStoreSuite } from './server-conf-suite.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tonle-serverconf-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

serverConfStoreSuite('the file store', async () => createFileServerConfStore({ path: join(await tempDir(), 'conf', 'server-conf.json') }));

describe('file store specifics', () => {
  it('writes atomically: no temp files left, valid JSON on disk', async () => {
    const dir = await tempDir();
    const path = join(dir, 'server-conf.json');
    const conf = createServerConf({ store: createFileServerConfStore({ path }) });
    await conf.initialize({ owner, serverCode: 'ss1' });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ version: 1, serverCode: 'ss1' });
    expect(await readdir(dir)).toEqual(['server-conf.json']);
  });

  it('reports a corrupt file with a code instead of crashing', async () => {
    const path = join(await tempDir(), 'server-conf.json');
    await writeFile(path, '{ not json');
    const conf = createServerConf({ store: createFileServerConfStore({ path }) });
    await expect(conf.reload()).rejects.toMatchObject({ code: 'TONLE_ERR_SERVERCONF_CORRUPT' });
    await writeFile(path, JSON.stringify({ version: 1, owner, serverCode: 'ss1', clients: [{ id: 'nope' }], services: [], localGroups: [], accessRights: [] }));
    await expect(conf.reload()).rejects.toMatchObject({ code: 'TONLE_ERR_SERVERCONF_CORRUPT' });
  });
});

describe('file store across processes', () => {
  it('loses no write when another process updates the same file at the same time', async () => {
    const path = join(await tempDir(), 'server-conf.json');
    const conf = createServerConf({ store: createFileServerConfStore({ path }) });
    await conf.initialize({ owner, serverCode: 'ss1' });
    await conf.addClient({ id: subsystemId('EE', 'GOV', '1234', 'prov') });
    const pets = serviceId('EE', 'GOV', '1234', 'prov', 'pets');
    await conf.addService({ id: pets, url: 'https://x/' });
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const child = fileURLToPath(new URL('./writer-child.ts', import.meta.url));
    const run = (tag: string) =>
      new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', tsx, child, path, tag, '15'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child ${tag} exited ${code}: ${err}`))));
      });
    const mine = Promise.all(Array.from({ length: 15 }, (_, i) => conf.addEndpoint(pets, { method: 'GET', path: `/p${i}` })));
    await Promise.all([run('a'), run('b'), mine]);
    const paths = (await conf.reload()).service(pets)?.endpoints.map((e) => e.path) ?? [];
    expect(paths).toHaveLength(45);
    expect(new Set(paths).size).toBe(45);
    expect(await readdir(join(path, '..'))).toEqual(['server-conf.json']);
  }, 120_000);

  it('takes over a lock left behind by a dead process', async () => {
    const dir = await tempDir();
    const path = join(dir, 'server-conf.json');
    await writeFile(`${path}.lock`, '999999999');
    const conf = createServerConf({ store: createFileServerConfStore({ path }) });
    await conf.initialize({ owner, serverCode: 'ss1' });
    expect(await readdir(dir)).toEqual(['server-conf.json']);
  });
});
