// Child process of kill.integration.test.ts: appends under load and prints `ACK <id>` only after
// `append()` resolved (= durable). The parent kills it with SIGKILL at a random moment.
import { readFile } from 'node:fs/promises';
import { createSoftwareSigner, loadPrivateKey } from '@tonle/pki';
import { loadTrustAnchors } from '@tonle/audit';
import { systemClock } from '@tonle/protocol';
import { createHttpTimestamper, createMessageLog } from '../../src/message-log/index.ts';

const [directory, keyFile, certFile, caFile, anchorsDir, tsaUrl, round] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const anchors = await loadTrustAnchors(anchorsDir);
const signer = createSoftwareSigner({ privateKey: loadPrivateKey(await readFile(keyFile, 'utf8')), certificateChain: [await readFile(certFile), await readFile(caFile)] });
const log = await createMessageLog({
  config: { directory, checkpointIntervalMs: 300, segmentMaxBytes: 32 * 1024 },
  clock: systemClock,
  signer,
  timestamper: createHttpTimestamper({ tsas: () => [{ name: 'tsa', url: tsaUrl }], anchors: () => anchors }),
});
process.stdout.write('READY\n');
let n = 0;
const worker = async (): Promise<never> => {
  for (;;) {
    const id = `r${round}-${n++}`;
    await log.append({ kind: 'request', side: 'client', xRoadId: id, client: 'EE/GOV/1/a', service: 'EE/GOV/2/b/s', certificateChain: [signer.certificateChain[0]!], body: Buffer.from(`payload ${id}`) });
    process.stdout.write(`ACK ${id}\n`);
  }
};
await Promise.all(Array.from({ length: 16 }, worker));
