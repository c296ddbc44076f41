import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createClient } from '@tonle/client-sdk';

/** Uploads a large document as a stream and streams the archived copy back, never holding it in memory. */
export async function roundTrip(securityServer: string, document: Readable): Promise<{ stored: unknown; sha256: string }> {
  const client = createClient({ securityServer, client: 'EE/GOV/70000002/benefits' });
  try {
    const upload = await client.call({
      service: 'EE/GOV/70000001/archive/documents',
      method: 'PUT', // a streamed body is sent as it is read, and never retried
      path: '/v1/documents/42',
      body: document, // a Readable, an async iterable of bytes or a web ReadableStream
      headers: { 'content-type': 'application/pdf' },
    });
    const stored = await upload.json();
    const download = await client.call({ service: 'EE/GOV/70000001/archive/documents', path: '/v1/documents/42' });
    const hash = createHash('sha256');
    for await (const chunk of download.body) hash.update(chunk as Buffer); // res.body is a Node.js stream
    return { stored, sha256: hash.digest('hex') };
  } finally {
    await client.close();
  }
}
