import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileAtomic, writeFileAtomic } from '../src/index.ts';

const dirs: string[] = [];
function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tonle-durable-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('durable files', () => {
  it('replaces a file whole, creates missing directories, leaves no temporary file, and applies the mode (default 0600)', async () => {
    const dir = fresh();
    const path = join(dir, 'sub', 'state.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, Buffer.from('two'));
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['state.json']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    await writeFileAtomic(join(dir, 'public.crt'), 'cert', 0o644);
    expect(statSync(join(dir, 'public.crt')).mode & 0o777).toBe(0o644);
  });

  it('many concurrent writers leave one complete version, never a mix', async () => {
    const dir = fresh();
    const path = join(dir, 'state');
    const versions = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
    expect(versions).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(dir)).toEqual(['state']);
  });

  it('createFileAtomic refuses to replace an existing file (EEXIST) and keeps it as it was', async () => {
    const dir = fresh();
    const path = join(dir, 'serial-1');
    await createFileAtomic(path, 'first');
    await expect(createFileAtomic(path, 'second')).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['serial-1']);
  });

  it('a failed write leaves the old content and no temporary file', async () => {
    const dir = fresh();
    const path = join(dir, 'state');
    writeFileSync(path, 'old');
    // A directory where the file should go: the rename fails.
    const blocked = join(dir, 'blocked');
    await writeFileAtomic(join(blocked, 'x'), 'y');
    await expect(writeFileAtomic(blocked, 'new')).rejects.toBeDefined();
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'state']);
  });
});
