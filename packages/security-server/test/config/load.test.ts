import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envNameOf, loadConfig } from '../../src/config/index.ts';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tonle-cfg-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const minimal = {
  serverId: 'EE/GOV/123/ss1',
  tls: { certificateFile: 'auth.pem', keyFile: 'auth.key', keyPinFile: 'pin.txt' },
  signing: { certificateFile: 'sign.pem', keyFile: 'sign.key' },
  globalConf: { anchorFile: 'anchor.json' },
  serverConf: { file: 'serverconf.json' },
};

describe('loadConfig', () => {
  it('layers defaults < file < env, resolves files against the config folder, reads secrets by reference, freezes', () => {
    const dir = dirWith({ 'ss.json': JSON.stringify({ ...minimal, clientProxy: { port: 8081 } }), 'pin.txt': 's3cret\n' });
    const config = loadConfig({ file: 'ss.json', cwd: dir, env: { TONLE_SERVER_PROXY_PORT: '5501', TONLE_LOG_LEVEL: 'warn' } });
    expect(config.clientProxy.port).toBe(8081);
    expect(config.clientProxy.host).toBe('127.0.0.1');
    expect(config.serverProxy.port).toBe(5501);
    expect(config.log.level).toBe('warn');
    expect(config.tls.certificateFile).toBe(join(dir, 'auth.pem'));
    expect(config.tls.keyPin).toBe('s3cret');
    expect(JSON.stringify(config)).not.toContain('pin.txt');
    expect(Object.isFrozen(config) && Object.isFrozen(config.tls)).toBe(true);
  });

  it('reports every violation at once', () => {
    const dir = dirWith({ 'ss.json': JSON.stringify({ clientProxy: { port: 'x', bogus: 1 }, log: { level: 'loud' } }) });
    let error: unknown;
    try {
      loadConfig({ file: 'ss.json', cwd: dir, env: { TONLE_SERVER_PROXY_PORT: '99999' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const v = (error as ConfigError).violations.join('\n');
    expect((error as ConfigError).code).toBe('TONLE_ERR_CONFIG_INVALID');
    for (const path of ['clientProxy.port', 'clientProxy.bogus', 'log.level', envNameOf('serverProxy.port'), 'serverId', 'tls.certificateFile', 'globalConf.anchorFile']) {
      expect(v).toContain(path);
    }
  });

  it('reports an unreadable file, a missing secret and a non-object', () => {
    const dir = dirWith({ 'a.json': '[1]', 'b.json': JSON.stringify(minimal) });
    expect(() => loadConfig({ file: 'missing.json', cwd: dir })).toThrow(ConfigError);
    expect(() => loadConfig({ file: 'a.json', cwd: dir })).toThrow(ConfigError);
    try {
      loadConfig({ file: 'b.json', cwd: dir });
    } catch (e) {
      expect((e as ConfigError).violations.some((x) => x.startsWith('tls.keyPinFile'))).toBe(true);
    }
  });

  it('derives env names from setting paths', () => {
    expect(envNameOf('clientProxy.maxBodyBytes')).toBe('TONLE_CLIENT_PROXY_MAX_BODY_BYTES');
  });
});

describe('defaults of file settings', () => {
  it('resolve against the config file folder, and optional groups exist', () => {
    const dir = dirWith({ 'ss.json': JSON.stringify({ ...minimal, tls: { certificateFile: 'a', keyFile: 'b' } }) });
    const config = loadConfig({ file: 'ss.json', cwd: dir, env: {} });
    expect(config.globalConf.cacheFile).toBe(join(dir, 'globalconf-cache.json'));
    expect(config.messageLog).toEqual({ checkpointIntervalMs: 60_000 });
    expect(config.transport.peerPort).toBe(5500);
  });
});

describe('docs/security-server.md', () => {
  it('lists every setting with its environment name, and nothing else', async () => {
    const { readFileSync } = await import('node:fs');
    const { settings } = await import('../../src/config/index.ts');
    const doc = readFileSync(new URL('../../../../docs/security-server.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-zA-Z.]+)` \| `(TONLE_[A-Z_]+)` \|/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(rows.sort()).toEqual(settings.map((s) => `${s.path}=${envNameOf(s.path)}`).sort());
  });
});

describe('clientProxy.https', () => {
  it('is off by default, with the internal TLS directory next to the config file', () => {
    const dir = dirWith({ 'ss.json': JSON.stringify({ ...minimal, tls: { certificateFile: 'a', keyFile: 'b' } }) });
    const config = loadConfig({ file: 'ss.json', cwd: dir, env: {} });
    expect(config.clientProxy.https).toEqual({ internalTlsDir: join(dir, 'internal-tls') });
  });

  it('takes the port from the environment and the certificate pair from the file', () => {
    const dir = dirWith({ 'ss.json': JSON.stringify({ ...minimal, tls: { certificateFile: 'a', keyFile: 'b' }, clientProxy: { https: { certificateFile: 'is.crt', keyFile: 'is.key' } } }) });
    const config = loadConfig({ file: 'ss.json', cwd: dir, env: { TONLE_CLIENT_PROXY_HTTPS_PORT: '8443' } });
    expect(config.clientProxy.https).toMatchObject({ port: 8443, certificateFile: join(dir, 'is.crt'), keyFile: join(dir, 'is.key') });
  });

  it('refuses a certificate without its key (or the reverse), with every other violation', () => {
    const dir = dirWith({ 'ss.json': JSON.stringify({ ...minimal, tls: { certificateFile: 'a', keyFile: 'b' }, clientProxy: { https: { port: 70000, certificateFile: 'is.crt' } } }) });
    let error: unknown;
    try {
      loadConfig({ file: 'ss.json', cwd: dir, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'TONLE_ERR_CONFIG_INVALID' });
    const violations = (error as { violations: string[] }).violations;
    expect(violations.some((v) => v.startsWith('clientProxy.https.port'))).toBe(true);
    expect(violations.some((v) => v.startsWith('clientProxy.https.certificateFile and clientProxy.https.keyFile'))).toBe(true);
  });
});
