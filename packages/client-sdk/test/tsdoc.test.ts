// style.md: TSDoc with an @example on every export of client-sdk (jose's habit). Checked with the
// compiler's own view of each entry point's exports, so a new export without an example fails here.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entries = ['src/index.ts', 'src/fastify/index.ts', 'src/testing/index.ts'].map((f) => join(pkg, f));

function hasExample(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const declarations = target.getDeclarations() ?? [];
  return declarations.some((d) => ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example'));
}

/** Re-exports of @tonle/protocol are documented (and checked) there. */
function isOwn(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  return (target.getDeclarations() ?? []).some((d) => d.getSourceFile().fileName.startsWith(join(pkg, 'src')));
}

describe('TSDoc', () => {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    types: ['node'],
  });
  const checker = program.getTypeChecker();

  it.each(entries.map((e) => [e.slice(pkg.length + 1), e]))('every export of %s has an @example', (_name, entry) => {
    const source = program.getSourceFile(entry);
    if (source === undefined) throw new Error(`cannot load ${entry}`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`no module symbol for ${entry}`);
    const exports = checker.getExportsOfModule(moduleSymbol).filter((s) => isOwn(s, checker));
    expect(exports.length).toBeGreaterThan(0);
    expect(exports.filter((s) => !hasExample(s, checker)).map((s) => s.name)).toEqual([]);
  });
});
