import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';

/**
 * A real provider information system for the exchange tests. Echoes what it received as JSON
 * (method, url, headers, body length and SHA-256) and offers a few behaviours by path. The streaming
 * paths never hold a body: `/stream-echo` pipes the request body back, `/bytes/N` sends N generated
 * bytes, `/break/N` promises more than N bytes, sends N and drops the connection.
 */
export interface Provider {
  readonly url: string;
  close(): Promise<void>;
}

/** Deterministic bytes for `/bytes/N` (the tests recompute their digest). */
export function* generatedBytes(n: number, blockSize = 64 * 1024): Generator<Buffer> {
  const block = Buffer.alloc(blockSize);
  for (let i = 0; i < blockSize; i++) block[i] = (i * 31 + 7) & 0xff;
  for (let sent = 0; sent < n; sent += blockSize) yield sent + blockSize <= n ? block : block.subarray(0, n - sent);
}

function streaming(url: string, req: IncomingMessage, res: ServerResponse): boolean {
  if (url.startsWith('/stream-echo')) {
    const length = req.headers['content-length'];
    res.writeHead(200, { 'content-type': 'application/octet-stream', ...(length === undefined ? {} : { 'content-length': length }) });
    req.pipe(res);
    return true;
  }
  const bytes = /^\/(bytes|break)\/(\d+)/.exec(url);
  if (bytes === null) return false;
  const n = Number(bytes[2]);
  req.resume();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes[1] === 'break' ? n * 2 : n) });
  const source = Readable.from(generatedBytes(n));
  source.pipe(res, { end: bytes[1] === 'bytes' });
  if (bytes[1] === 'break') source.on('end', () => res.socket?.destroy());
  return true;
}

export async function startProvider(): Promise<Provider> {
  const server: Server = createServer((req, res) => {
    if (streaming(req.url ?? '', req, res)) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '';
      if (url.startsWith('/redirect')) {
        res.writeHead(302, { location: 'https://elsewhere.example/next', 'x-provider': 'yes' });
        res.end();
        return;
      }
      const status = /^\/status\/(\d{3})/.exec(url);
      if (status !== null) {
        res.writeHead(Number(status[1]), { 'content-type': 'application/problem+json', 'x-provider': 'yes' });
        res.end(JSON.stringify({ title: 'provider says no' }));
        return;
      }
      if (url.startsWith('/slow')) {
        setTimeout(() => {
          if (!res.destroyed) res.end('late');
        }, 4000);
        return;
      }
      if (url.startsWith('/binary')) {
        // Echo the body back as the response body, with the provider's own X-Road-* attempt (must be replaced).
        const mark = req.headers['x-mark'];
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-provider': 'yes', 'x-road-request-hash': 'forged', ...(typeof mark === 'string' ? { 'x-mark': mark } : {}) });
        res.end(body);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-provider': 'yes', 'set-cookie': ['a=1', 'b=2'] });
      res.end(
        JSON.stringify({
          method: req.method,
          url,
          headers: req.headers,
          bodyLength: body.length,
          bodySha256: createHash('sha256').update(body).digest('hex'),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
