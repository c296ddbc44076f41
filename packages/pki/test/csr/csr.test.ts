import { describe, expect, it } from 'vitest';
import { PkiError, createCsr, encodePem, generateKeyPair, parseCsr, type KeySpec } from '@tonle/pki';
import { openssl, tempDir } from '../support/throwaway-pki.ts';

const subject = [
  { type: 'C', value: 'EE' },
  { type: 'O', value: 'GOV' },
  { type: 'CN', value: '1234' },
];

describe('CSR', () => {
  it.each(['RSA-2048', 'P-256', 'P-384', 'Ed25519'] as KeySpec[])('creates and verifies a %s request; openssl req -verify agrees', async (spec) => {
    const { privateKey, publicKey } = await generateKeyPair(spec);
    const der = createCsr({ privateKey, publicKey, subject, dnsNames: ['ss1.example.org'] });
    const info = parseCsr(der);
    expect(info.subject).toEqual(subject);
    expect(info.dnsNames).toEqual(['ss1.example.org']);
    expect(info.publicKey.export({ format: 'der', type: 'spki' }).equals(publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
    expect(parseCsr(encodePem('CERTIFICATE REQUEST', der)).subject).toEqual(subject);
    const t = tempDir();
    try {
      const file = t.write('req.pem', encodePem('CERTIFICATE REQUEST', der));
      const r = openssl(['req', '-in', file, '-verify', '-noout', '-subject']);
      expect(r.ok).toBe(true);
      expect(r.out).toMatch(/verif(y|ication) OK/i);
      expect(r.out).toContain('C = EE, O = GOV, CN = 1234');
    } finally {
      t.cleanup();
    }
  });

  it('parses a CSR made by openssl', async () => {
    const t = tempDir();
    try {
      const key = t.write('k.pem', '');
      const out = t.write('r.pem', '');
      const gen = openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/C=EE/O=GOV/CN=777', '-out', out]);
      expect(gen.ok).toBe(true);
      const { readFileSync } = await import('node:fs');
      const info = parseCsr(readFileSync(out, 'utf8'));
      expect(info.subject.map((a) => a.value)).toEqual(['EE', 'GOV', '777']);
    } finally {
      t.cleanup();
    }
  });

  it('verifies an RSA-PSS signed CSR made by openssl', async () => {
    const t = tempDir();
    try {
      const key = `${t.dir}/k.pem`;
      const out = `${t.dir}/r.pem`;
      const gen = openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-subj', '/C=EE/O=GOV/CN=pss', '-out', out]);
      expect(gen.ok).toBe(true);
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(out, 'utf8');
      expect(openssl(['req', '-in', out, '-noout', '-text']).out).toContain('rsassaPss');
      expect(parseCsr(text).subject.map((a) => a.value)).toEqual(['EE', 'GOV', 'pss']);
    } finally {
      t.cleanup();
    }
  });

  it('a tampered request fails with TONLE_ERR_PKI_BAD_SIGNATURE; garbage with MALFORMED', async () => {
    const { privateKey } = await generateKeyPair('P-256');
    const der = createCsr({ privateKey, subject });
    const text = Buffer.from(der);
    const i = text.indexOf(Buffer.from('1234'));
    const tampered = new Uint8Array(der);
    tampered[i] = 0x35; // CN 1234 -> 5234
    let code = '';
    try {
      parseCsr(tampered);
    } catch (e) {
      code = PkiError.is(e) ? e.code : 'other';
    }
    expect(code).toBe('TONLE_ERR_PKI_BAD_SIGNATURE');
    expect(() => parseCsr(new Uint8Array([0x30, 0x00]))).toThrow(expect.objectContaining({ code: 'TONLE_ERR_PKI_MALFORMED' }));
  });

  it('rejects a publicKey that does not match and an empty subject (TypeError)', async () => {
    const a = await generateKeyPair('P-256');
    const b = await generateKeyPair('P-256');
    expect(() => createCsr({ privateKey: a.privateKey, publicKey: b.publicKey, subject })).toThrow(TypeError);
    expect(() => createCsr({ privateKey: a.privateKey, subject: [] })).toThrow(TypeError);
    expect(() => createCsr({ privateKey: a.privateKey, subject: [{ type: 'C', value: 'Estonia' }] })).toThrow(TypeError);
  });
});
