import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaConfig, loadOcspConfig, loadTsaConfig } from '@tonle/trust-services';

describe('service configuration', () => {
  it('applies defaults, derives secret file paths and freezes the result', () => {
    const config = loadCaConfig({ overrides: { stateDir: '/s', instanceIdentifier: 'EE', ocspUrl: 'http://127.0.0.1:1' } });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8090, apiKeyFile: '/s/secrets/admin-api-key', keyPinFile: '/s/secrets/key-pin' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every violation at once', () => {
    let error: unknown;
    try {
      loadCaConfig({ overrides: { port: 70000, ocspUrl: 'ftp://x', bogus: 1 } });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'TONLE_ERR_TRUST_CONFIG_INVALID' });
    const violations = (error as { violations: string[] }).violations;
    expect(violations.map((v) => v.split(':')[0]).sort()).toEqual(['bogus', 'instanceIdentifier', 'ocspUrl', 'port', 'stateDir']);
  });

  it('layers defaults < file < env < overrides', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tonle-config-'));
    try {
      const file = join(dir, 'tsa.json');
      await writeFile(file, JSON.stringify({ stateDir: '/from-file', port: 1000, policyOid: '1.2.3' }));
      const config = loadTsaConfig({ file, env: { TONLE_TSA_PORT: '2000', TONLE_TSA_STATE_DIR: '/from-env' }, overrides: { stateDir: '/flag' } });
      expect(config).toMatchObject({ stateDir: '/flag', port: 2000, policyOid: '1.2.3' });
      expect(() => loadOcspConfig({ file: join(dir, 'missing.json') })).toThrow(expect.objectContaining({ code: 'TONLE_ERR_TRUST_CONFIG_INVALID' }) as Error);
      expect(() => loadTsaConfig({ overrides: { stateDir: '/s', policyOid: 'not-an-oid' } })).toThrow(
        expect.objectContaining({ code: 'TONLE_ERR_TRUST_CONFIG_INVALID' }) as Error,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
