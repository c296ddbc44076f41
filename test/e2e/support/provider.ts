import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real provider information system for the exchange tests. Echoes what it received as JSON
 * (method, url, headers, body length and SHA-256) and offers a few behaviours by path.
 */
export interface Provider {
  readonly url: string;
  close(): Promise<void>;
}

export async function startProvider(): Promise<Provider> {
  const server: Server = createServer((req, res) => {
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
