import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { GatewayFault, isFaultCode } from '@tonle/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeServices } from '../../src/app/index.ts';
import { createBodySpool, type BodySpool } from '../../src/body/index.ts';
import { buildClientProxy } from '../../src/client-proxy/index.ts';
import { createLogger } from '../../src/logging/index.ts';

function untouchable(name: string): never {
  throw new Error(`${name} must not be reached before the configuration check`);
}

let spool: BodySpool;
beforeAll(async () => {
  spool = await createBodySpool({ memoryBytes: 512 });
});
afterAll(async () => {
  await spool.close();
});

const PEER = { id: { type: 'SERVER', instance: 'EE', memberClass: 'GOV', memberCode: '2', serverCode: 'ss2' }, address: '127.0.0.1:1', authCertHashes: [], maintenance: false } as const;

/**
 * Services whose configuration is expired: every well-formed request ends in OutdatedGlobalConf. With
 * `upToBody`, the configuration and the hosted client pass, so the request gets as far as its body (and
 * nothing after it may be reached).
 */
function services(lines: string[], options: { clientRequestTimeoutMs?: number; upToBody?: boolean } = {}): ExchangeServices {
  const { clientRequestTimeoutMs, upToBody = false } = options;
  return {
    clock: { now: () => 0 },
    log: createLogger({ level: 'info', destination: new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } }) }),
    serverId: { type: 'SERVER', instance: 'EE', memberClass: 'GOV', memberCode: '1', serverCode: 'ss' },
    globalConf: {
      current: () => {
        if (!upToBody) throw new GatewayFault('Server.ClientProxy.OutdatedGlobalConf');
        return { serversHosting: () => [PEER] } as unknown as ReturnType<ExchangeServices['globalConf']['current']>;
      },
    },
    serverConf: {
      current: () =>
        upToBody
          ? ({ client: () => ({ status: 'REGISTERED', isAuthentication: 'NOSSL', isCertHashes: [] }) } as unknown as ReturnType<ExchangeServices['serverConf']['current']>)
          : untouchable('serverConf'),
    },
    accessControl: { isQueryAllowed: () => untouchable('accessControl') },
    signer: { certificateChain: [], sign: () => untouchable('signer') },
    stapledOcsp: () => untouchable('ocsp'),
    trust: { verifySigner: () => untouchable('trust') },
    messageLog: { append: () => untouchable('messageLog') },
    peers: { send: () => untouchable('peers'), close: () => Promise.resolve() },
    provider: { call: () => untouchable('provider'), close: () => Promise.resolve() },
    spool,
    limits: { clientBodyBytes: 1024, serverBodyBytes: 1024, ...(clientRequestTimeoutMs === undefined ? {} : { clientRequestTimeoutMs }) },
  };
}

/**
 * Writes `chunks` on a raw connection and resolves with everything the server sent until it closed the
 * connection (rejects when it stays open for 15 s). A reset after the answer counts as closing.
 */
function rawExchange(port: number, chunks: readonly string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      for (const c of chunks) socket.write(c);
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
    setTimeout(() => reject(new Error(`the connection stayed open; got: ${text}`)), 15_000).unref();
  });
}

const STALLED = 'POST /r1/EE/GOV/2/sub/svc HTTP/1.1\r\nHost: x\r\nX-Road-Client: EE/GOV/1/sub\r\nContent-Length: 100\r\n\r\n0123456789';

describe('client proxy input handling', () => {
  it('answers a slow client that stalls mid-body with 408 Client.RequestTimeout and closes the connection', async () => {
    const lines: string[] = [];
    const app = buildClientProxy(services(lines, { clientRequestTimeoutMs: 1_000, upToBody: true }));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = new URL(address);
      // Headers promise 100 bytes; 10 arrive, then nothing.
      const answer = await rawExchange(Number(port), [STALLED]);
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer.toLowerCase()).toContain('x-road-error: client.requesttimeout');
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ type: 'Client.RequestTimeout' });
      expect(lines.join('')).toContain('Client.RequestTimeout');
    } finally {
      await app.close();
    }
  }, 30_000);

  it('answers any method, path and X-Road-Client with a catalog fault, never an internal error or a crash', async () => {
    const lines: string[] = [];
    const app = buildClientProxy(services(lines));
    await app.ready();
    const segment = fc.string({ maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
        fc.array(segment, { maxLength: 8 }),
        fc.option(fc.string({ maxLength: 40 })),
        async (method, parts, client) => {
          const url = `/${['r1', ...parts].map(encodeURIComponent).join('/')}`;
          const res = await app.inject({ method, url, headers: client === null ? {} : { 'x-road-client': client } });
          const code = res.headers['x-road-error'];
          expect(typeof code === 'string' && isFaultCode(code)).toBe(true);
          expect(String(code)).not.toContain('InternalError');
          expect([400, 413, 500]).toContain(res.statusCode);
        },
      ),
      { numRuns: 300 },
    );
    await app.close();
  });

  it('a body over the limit is 413 Client.RequestTooLarge, and the log line holds the fault id but not the body', async () => {
    const lines: string[] = [];
    const app = buildClientProxy(services(lines, { upToBody: true }));
    const res = await app.inject({ method: 'POST', url: '/r1/EE/GOV/2/sub/svc', headers: { 'x-road-client': 'EE/GOV/1/sub', 'content-type': 'text/plain' }, payload: 'SECRET-BODY'.repeat(200) });
    expect(res.statusCode).toBe(413);
    expect(res.headers['x-road-error']).toBe('Client.RequestTooLarge');
    const detail = (res.json() as { detail: string }).detail;
    expect(lines.join('')).toContain(detail);
    expect(lines.join('')).not.toContain('SECRET-BODY');
    await app.close();
  });

  it('a chunked body that grows over the limit is 413 Client.RequestTooLarge, and no spool file stays behind', async () => {
    const lines: string[] = [];
    const app = buildClientProxy(services(lines, { upToBody: true }));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = new URL(address);
      // 600 bytes go to the spool (memory threshold 512), then more than the 1024-byte limit.
      const answer = await rawExchange(Number(port), [
        'POST /r1/EE/GOV/2/sub/svc HTTP/1.1\r\nHost: x\r\nX-Road-Client: EE/GOV/1/sub\r\nTransfer-Encoding: chunked\r\n\r\n',
        ...Array.from({ length: 4 }, () => `12c\r\n${'x'.repeat(300)}\r\n`),
      ]);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.toLowerCase()).toContain('x-road-error: client.requesttoolarge');
      expect(spool.held()).toBe(0);
    } finally {
      await app.close();
    }
  }, 30_000);

  it('a request refused before its body arrived gets one answer and the connection closes (no second answer when the body stalls)', async () => {
    const lines: string[] = [];
    const app = buildClientProxy(services(lines, { clientRequestTimeoutMs: 1_000 }));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = new URL(address);
      // Headers promise 100 bytes; 10 arrive, then nothing.
      const answer = await rawExchange(Number(port), [STALLED]);
      expect(answer).toMatch(/^HTTP\/1\.1 500 /);
      expect(answer.toLowerCase()).toContain('x-road-error: server.clientproxy.outdatedglobalconf');
      expect(answer.toLowerCase()).toContain('connection: close');
      expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    } finally {
      await app.close();
    }
  }, 30_000);
});
