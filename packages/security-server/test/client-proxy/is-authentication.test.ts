import { Socket } from 'node:net';
import { GatewayFault, subsystemId } from '@tonle/protocol';
import { describe, expect, it } from 'vitest';
import { authenticateInformationSystem, isConnection, type IsConnection } from '../../src/client-proxy/index.ts';
import type { HostedClient } from '../../src/server-conf/index.ts';

const REGISTERED = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

function hosted(isAuthentication: HostedClient['isAuthentication'], isCertHashes: readonly string[] = [REGISTERED]) {
  return { id: subsystemId('EE', 'GOV', '1', 'sub'), isAuthentication, isCertHashes };
}

function outcome(h: ReturnType<typeof hosted>, c: IsConnection): string {
  try {
    authenticateInformationSystem(h, c);
    return 'ok';
  } catch (error) {
    if (GatewayFault.is(error)) return `${error.code}:${error.status}`;
    throw error;
  }
}

const FAIL = 'Server.ClientProxy.SslAuthenticationFailed:500';
const connections: Readonly<Record<string, IsConnection>> = {
  http: { encrypted: false },
  // A plain connection never carries a certificate, but the rule must not trust the field alone.
  httpWithHash: { encrypted: false, peerCertificateSha256: REGISTERED },
  httpsNoCert: { encrypted: true },
  httpsRegistered: { encrypted: true, peerCertificateSha256: REGISTERED },
  httpsRegisteredUpper: { encrypted: true, peerCertificateSha256: REGISTERED.toUpperCase() },
  httpsUnregistered: { encrypted: true, peerCertificateSha256: OTHER },
};

// xroad-digest 2.6 step 2 / ug-ss 9.2: every mode against every kind of connection.
const expected: Readonly<Record<HostedClient['isAuthentication'], Readonly<Record<string, string>>>> = {
  NOSSL: { http: 'ok', httpWithHash: 'ok', httpsNoCert: 'ok', httpsRegistered: 'ok', httpsRegisteredUpper: 'ok', httpsUnregistered: 'ok' },
  SSLNOAUTH: { http: FAIL, httpWithHash: FAIL, httpsNoCert: 'ok', httpsRegistered: 'ok', httpsRegisteredUpper: 'ok', httpsUnregistered: 'ok' },
  SSLAUTH: { http: FAIL, httpWithHash: FAIL, httpsNoCert: FAIL, httpsRegistered: 'ok', httpsRegisteredUpper: 'ok', httpsUnregistered: FAIL },
};

describe('authenticateInformationSystem', () => {
  for (const [mode, row] of Object.entries(expected)) {
    for (const [name, want] of Object.entries(row)) {
      it(`${mode} over ${name} -> ${want}`, () => {
        expect(outcome(hosted(mode as HostedClient['isAuthentication']), connections[name]!)).toBe(want);
      });
    }
  }

  it('SSLAUTH with no registered certificate refuses every certificate', () => {
    expect(outcome(hosted('SSLAUTH', []), connections['httpsRegistered']!)).toBe(FAIL);
  });

  it('an unknown mode (corrupt configuration) fails closed with a TypeError', () => {
    expect(() => authenticateInformationSystem(hosted('BOGUS' as HostedClient['isAuthentication']), connections['httpsRegistered']!)).toThrow(TypeError);
  });
});

describe('isConnection', () => {
  it('a plain TCP socket is unencrypted and carries no certificate', () => {
    expect(isConnection(new Socket())).toEqual({ encrypted: false });
  });

  it('a TLS socket without a client certificate is encrypted with no hash; with one, the SHA-256 of its DER', () => {
    const fake = (raw: Buffer | undefined) => ({ encrypted: true, getPeerCertificate: () => (raw === undefined ? {} : { raw }) }) as unknown as Socket;
    expect(isConnection(fake(undefined))).toEqual({ encrypted: true });
    expect(isConnection(fake(Buffer.from('abc')))).toEqual({
      encrypted: true,
      peerCertificateSha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });
});
