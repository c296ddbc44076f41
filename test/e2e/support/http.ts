import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  json(): Record<string, unknown>;
}

/** A plain HTTP/1.1 call with exact control over header lines (repeated headers stay repeated). */
export function call(
  url: string,
  options: { method?: string; headers?: readonly (readonly [string, string])[]; body?: Uint8Array; tls?: { cert: string; key: string } } = {},
): Promise<Answer> {
  const target = new URL(url);
  // With an array of header lines Node adds no Host header itself (HTTP/1.1 requires one).
  const flat: string[] = ['host', target.host];
  for (const [k, v] of options.headers ?? []) flat.push(k, v);
  if (options.body !== undefined) flat.push('content-length', String(options.body.length));
  return new Promise((resolve, reject) => {
    const make = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = make(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: `${target.pathname}${target.search}`,
        headers: flat,
        agent: false,
        ...(options.tls === undefined ? {} : { cert: options.tls.cert, key: options.tls.key, rejectUnauthorized: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body, json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown> });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : Buffer.from(options.body));
  });
}
