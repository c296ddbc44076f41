import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { call } from './http.ts';

export type TamperMode = 'none' | 'request-body' | 'request-header' | 'response-body' | 'response-header' | 'replay-response';

/**
 * A man-in-the-middle between two security servers that holds both authentication keys (the worst case:
 * stolen TLS keys, so TLS alone cannot catch it) and flips one byte of the transported message on demand.
 * The transport signature must still catch every flip.
 */
export interface Relay {
  readonly port: number;
  mode: TamperMode;
  close(): Promise<void>;
}

function flip(frame: Buffer, mode: TamperMode, marker: string): Buffer {
  const out = Buffer.from(frame);
  if (mode.endsWith('-body')) {
    out[out.length - 1] = (out[out.length - 1] as number) ^ 0x01;
    return out;
  }
  const at = out.indexOf(marker);
  if (at < 0) throw new Error(`relay: marker ${marker} not found`);
  out[at] = (out[at] as number) ^ 0x20; // change the case of one letter
  return out;
}

export async function startRelay(input: {
  /** Presented to the consumer (the provider server's auth cert and key). */
  serverTls: { cert: string; key: string };
  /** Presented to the provider (the consumer server's auth cert and key). */
  clientTls: { cert: string; key: string };
  target: () => number;
  /** A header value that travels both ways (set by the test) to aim header flips at. */
  marker: string;
}): Promise<Relay> {
  const state: { mode: TamperMode; lastGood?: Buffer } = { mode: 'none' };
  const server: Server = createServer({ cert: input.serverTls.cert, key: input.serverTls.key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Buffer = Buffer.concat(chunks);
      const mode = state.mode;
      if ((mode === 'request-body' || mode === 'request-header') && body.length > 0) body = flip(body, mode, input.marker);
      call(`https://127.0.0.1:${input.target()}${req.url ?? '/'}`, { method: 'POST', headers: [['content-type', req.headers['content-type'] ?? '']], body, tls: input.clientTls })
        .then((answer) => {
          let data: Buffer = answer.body;
          if ((mode === 'response-body' || mode === 'response-header') && answer.status === 200) data = flip(data, mode, input.marker);
          // Replay: answer with an earlier genuine, correctly signed response instead of this one.
          if (mode === 'replay-response' && answer.status === 200 && state.lastGood !== undefined) data = state.lastGood;
          else if (answer.status === 200) state.lastGood = answer.body;
          const headers: Record<string, string> = {};
          for (const name of ['content-type', 'x-road-error']) {
            const v = answer.headers[name];
            if (typeof v === 'string') headers[name] = v;
          }
          res.writeHead(answer.status, headers);
          res.end(data);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    get mode() {
      return state.mode;
    },
    set mode(m: TamperMode) {
      state.mode = m;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
