// The package's contract with its users: every front-door export has TSDoc with an @example
// (HELPERS.md standards), every exported function is described in docs/pki.md, and the runtime exports
// are exactly what the index re-exports.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as pki from '@tonle/pki';

const src = new URL('../../src/', import.meta.url).pathname;
const index = readFileSync(join(src, 'index.ts'), 'utf8');
const exported = [...index.matchAll(/^\s+(?:type )?([A-Za-z_][A-Za-z0-9_]*),?$/gm)].map((m) => m[1] as string);
exported.push(...[...index.matchAll(/export \{ ([^}\n]+) \}/g)].flatMap((m) => (m[1] as string).split(',').map((s) => s.replace(/^\s*type\s+/, '').trim())));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && e.name !== 'index.ts' ? [join(dir, e.name)] : [],
  );
}
const declarations = new Map<string, string>();
for (const file of sourceFiles(src)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^export (?:async )?(?:function|const|class|interface|type) (\w+)/gm)) {
    const before = text.slice(0, m.index).trimEnd();
    declarations.set(m[1] as string, before.endsWith('*/') ? before.slice(before.lastIndexOf('/**')) : '');
  }
}

describe('@tonle/pki front door', () => {
  it('re-exports a non-trivial API', () => {
    expect(exported.length).toBeGreaterThan(80);
  });

  it.each(exported)('%s has TSDoc with an @example', (name) => {
    expect(declarations.has(name), `${name} is declared in src/`).toBe(true);
    expect(declarations.get(name)).toContain('@example');
  });

  it('docs/pki.md names every exported function and constant', () => {
    const doc = readFileSync(new URL('../../../../docs/pki.md', import.meta.url), 'utf8');
    const values = Object.keys(pki);
    expect(values.filter((name) => !doc.includes(`\`${name}`))).toEqual([]);
  });
});
