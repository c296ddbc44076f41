import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
