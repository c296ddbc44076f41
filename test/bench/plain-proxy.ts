// The ceiling for our own stack: a reverse proxy hop built from the same parts as a security server
// (fastify in, undici out, keep-alive pools, mutual TLS between the two hops), with no signing, no
// verification and no logging. Two of these form the "plain two-hop" baseline.
//   node plain-proxy.ts <listenPort> <upstreamUrl> [--tls-in dir] [--tls-out dir]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import Fastify from 'fastify';
import { Agent, request } from 'undici';

const [portArg, upstream, ...flags] = process.argv.slice(2);
const tlsIn = flags.includes('--tls-in') ? flags[flags.indexOf('--tls-in') + 1] : undefined;
const tlsOut = flags.includes('--tls-out') ? flags[flags.indexOf('--tls-out') + 1] : undefined;
if (portArg === undefined || upstream === undefined) throw new TypeError('usage: plain-proxy <port> <upstream> [--tls-in dir] [--tls-out dir]');

const pem = (dir: string, name: string): Buffer => readFileSync(join(dir, name));
const https =
  tlsIn === undefined
    ? undefined
    : { key: pem(tlsIn, 'server.key'), cert: pem(tlsIn, 'server.crt'), ca: pem(tlsIn, 'ca.crt'), requestCert: true, rejectUnauthorized: true };
const app = Fastify({ logger: false, bodyLimit: 2 * 1024 ** 3, ...(https === undefined ? {} : { https }) });
const agent = new Agent({
  connections: 64,
  keepAliveTimeout: 60_000,
  ...(tlsOut === undefined
    ? {}
    : { connect: { key: pem(tlsOut, 'client.key'), cert: pem(tlsOut, 'client.crt'), ca: pem(tlsOut, 'ca.crt'), servername: 'localhost' } }),
});
// Bodies of known size up to 8 MiB are read whole and sent with a Content-Length (what a security server
// does with small bodies: hold, then forward); larger or chunked bodies stream through untouched.
const BUFFER_LIMIT = 8 * 1024 * 1024;
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (req, payload, done) => {
  const length = Number(req.headers['content-length'] ?? Number.NaN);
  if (!(length <= BUFFER_LIMIT)) {
    done(null, payload);
    return;
  }
  const chunks: Buffer[] = [];
  payload.on('data', (chunk: Buffer) => chunks.push(chunk));
  payload.on('end', () => done(null, Buffer.concat(chunks)));
  payload.on('error', (error) => done(error, undefined));
});
app.route({
  method: ['GET', 'POST', 'PUT'],
  url: '/*',
  handler: async (req, reply) => {
    const upstreamResponse = await request(`${upstream}${req.url}`, {
      method: req.method as 'GET' | 'POST' | 'PUT',
      dispatcher: agent,
      headers: { 'content-type': req.headers['content-type'] ?? 'application/octet-stream' },
      body: req.method === 'GET' ? null : (req.body as Buffer | Readable),
    });
    reply.code(upstreamResponse.statusCode);
    const type = upstreamResponse.headers['content-type'];
    if (typeof type === 'string') reply.header('content-type', type);
    const length = Number(upstreamResponse.headers['content-length'] ?? Number.NaN);
    if (length <= BUFFER_LIMIT) return reply.send(Buffer.from(await upstreamResponse.body.arrayBuffer()));
    return reply.send(upstreamResponse.body);
  },
});
app.get('/health', async () => 'ok');
const address = await app.listen({ port: Number(portArg), host: '127.0.0.1' });
console.log(`LISTENING ${new URL(address).port}`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
