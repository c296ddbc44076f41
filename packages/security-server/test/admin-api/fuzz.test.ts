import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdentifierError } from '@tonle/protocol';
import { AdminApiError, createBackupService, formatColonId, parseColonClientId, parseColonServiceId, parseColonSubject } from '../../src/admin-api/index.ts';

describe('admin API parsers under random input', () => {
  it('colon identifiers: any text either parses or fails with an IdentifierError; valid ids round-trip', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        for (const parse of [parseColonClientId, parseColonServiceId, parseColonSubject]) {
          try {
            const id = parse(text);
            expect(parse(formatColonId(id))).toEqual(id);
          } catch (e) {
            expect(IdentifierError.is(e)).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
    const part = fc.stringMatching(/^[A-Za-z0-9'()+,.=?-]{1,12}$/);
    fc.assert(
      fc.property(part, part, part, part, (a, b, c, d) => {
        const id = { type: 'SUBSYSTEM' as const, instance: a, memberClass: b, memberCode: c, subsystemCode: d };
        expect(parseColonClientId(formatColonId(id))).toEqual(id);
      }),
      { numRuns: 300 },
    );
  });

  it('backup upload: random bytes and random gzip\'d JSON are refused with a code, never a crash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonle-backup-fuzz-'));
    try {
      const backups = createBackupService({ directory: join(dir, 'b'), sources: { conf: join(dir, 'conf.json') }, server: () => 'EE/GOV/1/ss', clock: { now: () => 1_800_000_000_000 } });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 200 }),
            fc.jsonValue().map((v) => new Uint8Array(gzipSync(JSON.stringify(v)))),
            fc.record({ format: fc.constant('tonle-security-server-backup/1'), server: fc.constant('EE/GOV/1/ss'), createdAt: fc.string(), entries: fc.array(fc.record({ path: fc.string(), data: fc.string() }), { maxLength: 3 }), sha256: fc.string() }).map((v) => new Uint8Array(gzipSync(JSON.stringify(v)))),
          ),
          async (bytes) => {
            const err = await backups.upload(bytes).then(() => undefined, (e: unknown) => e);
            expect(err).toBeInstanceOf(AdminApiError);
            expect(['TONLE_ERR_ADMIN_BACKUP_CORRUPT', 'TONLE_ERR_ADMIN_BACKUP_FOREIGN']).toContain((err as AdminApiError).code);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
