// CPU µs per operation of the security server's per-message work outside the proxies: message log appends
// (group commit, with a record shaped like a real exchange's), operational monitoring records, per-request
// logging. Single process, process.cpuUsage() deltas (threads included), so it stays meaningful on a
// loaded machine. Usage: tsx test/bench/micro.ts [--rounds 3] [--only 'message log']
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatClientId, formatServiceId, parseClientId, parseServiceId, systemClock } from '@tonle/protocol';
import { createLogger, createMessageLog, createOperationalMonitoringStore, type MessageRecordInput } from '@tonle/security-server';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, only: { type: 'string' } } });
const ROUNDS = Number(values.rounds);
const wanted = (name: string): boolean => values.only === undefined || name.includes(values.only);

async function measure(name: string, ops: number, run: () => Promise<void>, prepare?: () => void): Promise<void> {
  if (!wanted(name)) return;
  const results: number[] = [];
  await run(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    prepare?.();
    const before = process.cpuUsage();
    await run();
    const used = process.cpuUsage(before);
    results.push((used.user + used.system) / ops);
  }
  results.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${(results[Math.floor(results.length / 2)] as number).toFixed(1).padStart(7)} µs/op (median of ${ROUNDS}; min ${(results[0] as number).toFixed(1)})`);
}

// A record like the consumer's request record: a transport JWS with a three-certificate x5c (~3 KiB),
// the chain and one OCSP response as materials (the same objects every time, as the signer's chain is).
const chain = [randomBytes(700), randomBytes(650), randomBytes(600)].map((b) => new Uint8Array(b));
const ocsp = [new Uint8Array(randomBytes(1500))];
const jws = `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'tonle-transport+jws', x5c: chain.map((c) => Buffer.from(c).toString('base64')) })).toString('base64url')}.${randomBytes(300).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
const record = (i: number): MessageRecordInput => ({
  kind: 'request',
  side: 'client',
  xRoadId: `KH/${i}-${randomBytes(8).toString('hex')}`,
  requestId: randomBytes(16).toString('hex'),
  client: 'KH/GOV/70000001/benefits',
  service: 'KH/GOV/70000002/population/echo',
  headerPart: 'POST /echo\nx-road-client: KH/GOV/70000001/benefits\ncontent-type: application/octet-stream\n',
  jws,
  batchProof: { index: 0, size: 1, path: [] },
  signedBy: 'self',
  certificateChain: chain,
  ocspResponses: ocsp,
  body: new Uint8Array(1024),
});

const dir = mkdtempSync(join(tmpdir(), 'tonle-micro-'));
try {
  const signer = { algorithm: 'ES256' as const, certificateChain: chain, sign: () => Promise.resolve(new Uint8Array(64)) };
  const timestamper = { timestamp: () => Promise.reject(new Error('no TSA in the micro-benchmark')) };
  const log = await createMessageLog({ config: { directory: join(dir, 'log'), checkpointIntervalMs: 0 }, clock: systemClock, signer, timestamper });
  const APPENDS = 4000;
  let n = 0;
  let records: MessageRecordInput[] = [];
  const prepare = (): void => {
    records = Array.from({ length: APPENDS }, () => record(n++));
  };
  prepare();
  await measure('message log append (50 concurrent, group commit, 1 KiB body)', APPENDS, async () => {
    for (let i = 0; i < APPENDS; i += 50) await Promise.all(records.slice(i, i + 50).map((r) => log.append(r)));
  }, prepare);
  await log.close();

  const opmon = await createOperationalMonitoringStore({ directory: join(dir, 'opmon'), clock: systemClock });
  const OPS = 5_000;
  await measure('operational monitoring store (one record per event-loop turn)', OPS, async () => {
    // as in a server, where each exchange ends in its own turn of the event loop
    for (let i = 0; i < OPS; i++) {
      opmon.store({
        securityServerType: 'Client',
        succeeded: true,
        requestInTs: Date.now(),
        responseOutTs: Date.now(),
        clientXRoadInstance: 'KH', clientMemberClass: 'GOV', clientMemberCode: '70000001', clientSubsystemCode: 'benefits',
        serviceXRoadInstance: 'KH', serviceMemberClass: 'GOV', serviceMemberCode: '70000002', serviceSubsystemCode: 'population', serviceCode: 'echo',
        messageId: `id-${i}`, requestSize: 1024, responseSize: 1024,
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await opmon.flush();
  });

  const devNull = openSync('/dev/null', 'w');
  // a synchronous write per line, as pino's default stdout destination does
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void writeSync(devNull, line) } });
  const LINES = 20_000;
  const ids = { id: 'KH/x', requestId: 'r', client: 'KH/GOV/70000001/benefits', service: 'KH/GOV/70000002/population/echo' };
  await measure('per-request child logger + one info line (to /dev/null)', LINES, async () => {
    for (let i = 0; i < LINES; i++) logger.child({ xroad: { ...ids, id: `KH/${i}` } }).info({ status: 200, peer: '127.0.0.1:1' }, 'exchange done');
  });

  const IDS = 50_000;
  await measure('identifiers: parse + format a client and a service id', IDS, () => {
    for (let i = 0; i < IDS; i++) {
      formatClientId(parseClientId('KH/GOV/70000001/benefits'));
      formatServiceId(parseServiceId('KH/GOV/70000002/population/persons', { validation: 'lenient' }));
    }
    return Promise.resolve();
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
