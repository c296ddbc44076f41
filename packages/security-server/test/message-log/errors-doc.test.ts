import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MESSAGE_LOG_ERROR_CODES } from '../../src/message-log/index.ts';

describe('docs/errors.md (Message log)', () => {
  it('documents every message-log code, and no other TONLE_ERR_MESSAGE_LOG_ code', () => {
    const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = new Set([...doc.matchAll(/`(TONLE_ERR_MESSAGE_LOG_[A-Z_]+)`/g)].map((m) => m[1]));
    expect([...documented].sort()).toEqual([...MESSAGE_LOG_ERROR_CODES].sort());
  });
});
