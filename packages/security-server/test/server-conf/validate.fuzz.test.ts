// Bad configuration input (a hand-edited file, a corrupt Redis value, an admin API body) must give a coded
// ServerConfError, never a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServerConfError, validateServerConfState } from '../../src/server-conf/index.ts';

const valid = {
  version: 3,
  owner: { type: 'MEMBER', instance: 'EE', memberClass: 'GOV', memberCode: '1234' },
  serverCode: 'ss1',
  clients: [
    { id: { type: 'SUBSYSTEM', instance: 'EE', memberClass: 'GOV', memberCode: '1234', subsystemCode: 'prov' }, status: 'REGISTERED', isAuthentication: 'SSLAUTH', isCertHashes: ['a'.repeat(64)] },
  ],
  services: [
    {
      id: { type: 'SERVICE', instance: 'EE', memberClass: 'GOV', memberCode: '1234', subsystemCode: 'prov', serviceCode: 'pets' },
      type: 'OPENAPI3',
      url: 'https://pets.internal/api',
      timeoutSeconds: 30,
      tlsVerify: true,
      pinnedCertHashes: [],
      enabled: false,
      disabledNotice: 'down for maintenance',
      endpoints: [{ method: 'GET', path: '/pets/*' }],
    },
  ],
  localGroups: [
    { owner: { type: 'SUBSYSTEM', instance: 'EE', memberClass: 'GOV', memberCode: '1234', subsystemCode: 'prov' }, code: 'team', description: '', members: [] },
  ],
  accessRights: [
    {
      service: { type: 'SERVICE', instance: 'EE', memberClass: 'GOV', memberCode: '1234', subsystemCode: 'prov', serviceCode: 'pets' },
      subject: { type: 'LOCALGROUP', groupCode: 'team' },
      endpoint: { method: 'GET', path: '/pets/*' },
    },
  ],
};

function outcome(value: unknown): 'ok' | string {
  try {
    validateServerConfState(value);
    return 'ok';
  } catch (e) {
    if (e instanceof ServerConfError) return e.code;
    throw e;
  }
}

/** Replaces the value at a random path of `doc` with `replacement`. */
function mutate(doc: unknown, pick: number, replacement: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(doc, []);
  const path = paths[pick % paths.length] ?? [];
  if (path.length === 0) return replacement;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  cur[path[path.length - 1] as string | number] = replacement;
  return copy;
}

describe('validateServerConfState under fuzzing', () => {
  it('accepts the reference document', () => {
    expect(outcome(valid)).toBe('ok');
  });

  it('answers arbitrary JSON with a coded error', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => void expect(outcome(v)).toMatch(/^(ok|TONLE_ERR_SERVERCONF_)/)), { numRuns: 500 });
  });

  it('answers every single-field corruption of a valid document with ok or a coded error', () => {
    fc.assert(
      fc.property(fc.nat(), fc.oneof(fc.jsonValue(), fc.string(), fc.constant(undefined), fc.constantFrom('', '..', '/a/../b', 'x'.repeat(300), '\u0000')), (pick, replacement) => {
        expect(outcome(mutate(valid, pick, replacement))).toMatch(/^(ok|TONLE_ERR_SERVERCONF_)/);
      }),
      { numRuns: 2000 },
    );
  });
});
