import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSerialCounter } from '@tonle/trust-services';

describe('file serial counter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tonle-serial-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is strictly increasing under concurrency and continues after a restart', async () => {
    const path = join(dir, 'serial');
    const first = createFileSerialCounter({ path });
    const values = await Promise.all(Array.from({ length: 20 }, () => first.next()));
    expect(new Set(values).size).toBe(20);
    expect([...values].sort((a, b) => (a < b ? -1 : 1))).toEqual(values);
    const restarted = createFileSerialCounter({ path });
    expect(await restarted.next()).toBe(21n);
  });

  it('refuses a corrupt counter instead of restarting from zero', async () => {
    const path = join(dir, 'serial');
    await writeFile(path, 'garbage');
    await expect(createFileSerialCounter({ path }).next()).rejects.toMatchObject({ code: 'TONLE_ERR_TRUST_STATE_CORRUPT' });
  });
});
