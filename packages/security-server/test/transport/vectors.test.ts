import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactVerify, importX509 } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeFrame, openMessage } from '../../src/transport/index.ts';
import { VECTOR_CERT_B64, computeVectors } from './vectors.ts';

const doc = readFileSync(new URL('../../../../docs/protocol.md', import.meta.url), 'utf8');
const documented = new Map([...doc.matchAll(/```text vector:([a-z0-9-]+)\n([\s\S]*?)\n```/g)].map((m) => [m[1] as string, m[2] as string]));

describe('docs/protocol.md test vectors', () => {
  it('every vector in the page is what the code computes, and every computed vector is in the page', async () => {
    const computed = await computeVectors();
    expect([...documented.keys()].sort()).toEqual(Object.keys(computed).sort());
    for (const [name, value] of Object.entries(computed)) expect(documented.get(name), name).toBe(value);
  });

  it('the documented request verifies with jose and opens with the transport', async () => {
    const envelope = JSON.parse(documented.get('frame-envelope') as string) as { jws: string };
    const pem = new X509Certificate(Buffer.from(VECTOR_CERT_B64, 'base64')).toString();
    const { payload } = await compactVerify(envelope.jws, await importX509(pem, 'EdDSA'), { algorithms: ['EdDSA'] });
    expect(Buffer.from(payload).toString('utf8')).toBe(documented.get('request-descriptor'));
    const json = Buffer.from(documented.get('frame-envelope') as string, 'utf8');
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(json.length, 0);
    expect(String(json.length)).toBe(documented.get('frame-envelope-length'));
    const frame = Buffer.concat([prefix, json, Buffer.from('hello')]);
    expect(decodeFrame(frame).body.toString()).toBe('hello');
    expect(openMessage(frame, 'request').descriptor.messageId).toBe('EE-00000000-0000-4000-8000-000000000001');
  });
});
