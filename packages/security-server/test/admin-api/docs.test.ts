import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/admin-api/index.ts';

const SHORT: Record<string, string> = {
  XROAD_SECURITY_OFFICER: 'SO',
  XROAD_REGISTRATION_OFFICER: 'RO',
  XROAD_SERVICE_ADMINISTRATOR: 'SA',
  XROAD_SYSTEM_ADMINISTRATOR: 'SYS',
  XROAD_SECURITYSERVER_OBSERVER: 'OBS',
  TONLE_AUDITOR: 'AUD',
};

describe('docs/admin-api.md', () => {
  it('lists every route with its roles, and no route the code does not have', () => {
    const page = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/admin-api.md'), 'utf8');
    const rows = page.split('\n').filter((l) => /^\| (GET|POST|PUT|PATCH|DELETE) \|/.test(l));
    const expected = ROUTES.map((r) => `| ${r.method} | \`/api/v1${r.url}\` | \`${r.id}\` | ${r.roles.map((x) => SHORT[x]).join(', ')} |`);
    for (const e of expected) expect(rows.some((row) => row.startsWith(e))).toBe(true);
    expect(rows).toHaveLength(ROUTES.length);
  });
});
