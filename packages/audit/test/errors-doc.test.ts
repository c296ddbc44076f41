import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUDIT_ERROR_CODES } from '@tonle/audit';

describe('docs/errors.md (Audit)', () => {
  it('documents every audit code, and no other TONLE_ERR_AUDIT_ code', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/`(TONLE_ERR_AUDIT_[A-Z_]+)`/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...AUDIT_ERROR_CODES].sort());
  });
});
