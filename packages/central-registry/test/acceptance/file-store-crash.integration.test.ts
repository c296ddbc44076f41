import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileStore, initializeRegistry, parseState } from '@tonle/central-registry';
import { systemClock, verifyGlobalConfiguration } from '@tonle/protocol';
import { kill, spawnTs } from '../support/registry-process.ts';

const loop = fileURLToPath(new URL('../support/write-loop.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tonle-registry-crash-'));
  const store = await createFileStore({ dir });
  await initializeRegistry({ store, clock: systemClock, instanceIdentifier: 'EE', configurationUrls: ['http://127.0.0.1:1/globalconf'] });
  await store.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('file store under SIGKILL', () => {
  it('always loads after a kill -9 in the middle of writes, with every acknowledged change', async () => {
    let expected = 0;
    for (let round = 0; round < 4; round += 1) {
      const child = spawnTs(loop, [dir, `r${round}-`]);
      let acknowledged = 0;
      const target = 3 + Math.floor(Math.random() * 15);
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          for (const line of chunk.toString().split('\n')) if (/^\d+$/.test(line)) acknowledged = Number(line);
          if (acknowledged >= target) resolve();
        });
        child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
      });
      await kill(child, 'SIGKILL');

      const store = await createFileStore({ dir });
      const stored = await store.readState();
      const state = parseState(stored!.state);
      // Every acknowledged change is there (changes committed but not yet acknowledged may be too).
      const codes = new Set(state.members.map((m) => m.memberCode));
      for (let i = 0; i < acknowledged; i += 1) expect(codes.has(`r${round}-${i}`), `r${round}-${i}`).toBe(true);
      expect(codes.size).toBe(state.members.length);
      expect(state.members.length).toBeGreaterThanOrEqual(expected);
      expected = state.members.length;
      const published = await store.readPublished();
      const anchorKey = state.signingKeys.find((k) => k.status === 'current')!;
      await verifyGlobalConfiguration(published!.jws, { instanceIdentifier: 'EE', keys: [{ kid: anchorKey.kid, alg: anchorKey.alg, publicKey: anchorKey.publicKey }] }, { clock: systemClock });
      await store.close();
    }
  });
});
