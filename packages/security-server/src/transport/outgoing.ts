import { Readable } from 'node:stream';
import type { MessageBody } from '../body/index.ts';
import type { OutgoingBody } from '../proxy-services/index.ts';

async function* concat(head: Buffer, body: Readable): AsyncGenerator<Buffer> {
  yield head;
  yield* body;
}

/**
 * A transport frame to send: the sealed head, then the body. A body in memory goes as one buffer (one
 * write, the common case); a spooled body streams from its file, afresh for each attempt.
 */
export function outgoingFrame(head: Buffer, body: MessageBody): OutgoingBody {
  const length = head.length + body.size;
  if (body.bytes !== undefined) {
    const frame = body.size === 0 ? head : Buffer.concat([head, body.bytes], length);
    return { length, open: () => frame };
  }
  return { length, open: () => Readable.from(concat(head, body.open()), { objectMode: false }) };
}
