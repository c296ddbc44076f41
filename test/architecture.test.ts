// The house rules that code review alone would let drift (X-Road keeps them in `arch-rules`):
// one front door per package and per module folder, the dependency direction of architecture.md
// section 2, and docs/errors.md in step with every internal error code.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = join(root, 'packages');
const packages = readdirSync(packagesDir).filter((p) => statSync(join(packagesDir, p)).isDirectory());

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out = out.concat(filesUnder(path));
    else if (/\.(ts|mts)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Module specifiers a file imports or re-exports (static and dynamic), read by TypeScript's own scanner. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

const sources = packages.flatMap((pkg) => {
  const src = join(packagesDir, pkg, 'src');
  try {
    return filesUnder(src).map((file) => ({ pkg, file, imports: importsOf(file) }));
  } catch {
    return [];
  }
});

/** Which workspace packages each package may import (architecture.md section 2). */
const allowed: Record<string, readonly string[]> = {
  protocol: [],
  'durable-file': [],
  pki: ['protocol'],
  'test-kit': ['protocol', 'pki', 'trust-services', 'central-registry', 'security-server'],
  'trust-services': ['protocol', 'pki', 'durable-file'],
  'central-registry': ['protocol', 'pki', 'durable-file'],
  // The message log writes the file format that @tonle/audit defines and verifies (one definition, ADR 0002).
  'security-server': ['protocol', 'pki', 'audit', 'durable-file'],
  audit: ['protocol', 'pki'],
  'client-sdk': ['protocol'],
  cli: ['protocol', 'pki', 'trust-services', 'central-registry', 'security-server', 'audit', 'client-sdk', 'durable-file'],
};

describe('architecture', () => {
  it('knows every package', () => {
    expect(packages.filter((p) => !(p in allowed))).toEqual([]);
  });

  it('imports other packages only through their front door, in the allowed direction', () => {
    const violations: string[] = [];
    for (const { pkg, file, imports } of sources) {
      for (const spec of imports) {
        const m = /^@tonle\/([^/]+)(\/.*)?$/.exec(spec);
        if (m === null) continue;
        const target = m[1] as string;
        if (m[2] !== undefined) violations.push(`${relative(root, file)}: deep import ${spec}`);
        if (target !== pkg && !(allowed[pkg] ?? []).includes(target)) {
          violations.push(`${relative(root, file)}: ${pkg} must not depend on ${target}`);
        }
        const manifest = JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8')) as {
          dependencies?: Record<string, string>;
        };
        if (target !== pkg && manifest.dependencies?.[`@tonle/${target}`] === undefined) {
          violations.push(`${relative(root, file)}: imports ${spec} but ${pkg}/package.json does not declare it`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('never reaches into another package by a relative path', () => {
    const violations = sources.flatMap(({ pkg, file, imports }) =>
      imports
        .filter((spec) => spec.startsWith('.'))
        .filter((spec) => !resolve(dirname(file), spec).startsWith(join(packagesDir, pkg, 'src') + sep))
        .map((spec) => `${relative(root, file)}: ${spec}`),
    );
    expect(violations).toEqual([]);
  });

  it("imports another module folder only through its index.ts (one front door per module)", () => {
    const violations: string[] = [];
    for (const { pkg, file, imports } of sources) {
      const src = join(packagesDir, pkg, 'src');
      const ownModule = relative(src, file).split(sep)[0];
      for (const spec of imports.filter((s) => s.startsWith('.'))) {
        const target = relative(src, resolve(dirname(file), spec)).split(sep);
        const isModuleFile = target.length > 1;
        if (isModuleFile && target[0] !== ownModule && target.slice(1).join('/') !== 'index.ts') {
          violations.push(`${relative(root, file)}: ${spec} (import ../${target[0]}/index.ts instead)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps protocol runtime-neutral: no node:* imports', () => {
    const violations = sources
      .filter(({ pkg }) => pkg === 'protocol')
      .flatMap(({ file, imports }) => imports.filter((s) => s.startsWith('node:')).map((s) => `${relative(root, file)}: ${s}`));
    expect(violations).toEqual([]);
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  const inCode = new Set(
    sources.flatMap(({ file }) => [...readFileSync(file, 'utf8').matchAll(/['"`](TONLE_ERR_[A-Z0-9_]+)['"`]/g)].map((m) => m[1] as string)),
  );
  const inDoc = new Set([...doc.matchAll(/`(TONLE_ERR_[A-Z0-9_]+)`/g)].map((m) => m[1] as string));

  it('documents every internal error code the code has', () => {
    expect([...inCode].filter((c) => !inDoc.has(c)).sort()).toEqual([]);
  });

  it('documents no internal error code the code does not have', () => {
    expect([...inDoc].filter((c) => !inCode.has(c)).sort()).toEqual([]);
  });
});
