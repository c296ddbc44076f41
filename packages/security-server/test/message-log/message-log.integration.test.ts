import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoftwareSigner, generateKeyPair, signCompactJws } from '@tonle/pki';
import { inclusionProof, merkleLeafHash, merkleRoot } from '@tonle/protocol';
import { FrameType, decodeFrames, listLogFiles, parseEvidenceBundle, verifyEvidenceBundle, verifyLog, findMessageRecords } from '@tonle/audit';
import { createHttpTimestamper, createMessageLog, type MessageLog, type MessageLogConfig, type MessageRecordInput } from '../../src/message-log/index.ts';
import { createLogPki, manualClock, OPENSSL, startOpensslTsa, type LogPki, type OpensslTsa } from './fixture.ts';

const run = promisify(execFile);

let pki: LogPki;
let tsa: OpensslTsa;
const dirs: string[] = [];

beforeAll(async () => {
  pki = await createLogPki();
  tsa = await startOpensslTsa(pki);
});
afterAll(async () => {
  await tsa.close();
  await pki.cleanup();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tonle-mlog-'));
  dirs.push(d);
  return d;
}

function record(xRoadId: string, extra: Partial<MessageRecordInput> = {}): MessageRecordInput {
  return {
    kind: 'request',
    side: 'client',
    xRoadId,
    client: 'EE/GOV/1234/consumer',
    service: 'EE/GOV/5678/provider/getPerson',
    headerPart: 'GET /r1/EE/GOV/5678/provider/getPerson\r\n',
    signedBy: 'self',
    certificateChain: [pki.signCertDer, pki.caDer],
    body: Buffer.from(`{"id":"${xRoadId}"}`),
    ...extra,
  };
}

const commits: number[] = [];
const committedRecords: number[] = [];

async function openLog(config: Partial<MessageLogConfig> & { directory: string }, clock = manualClock(), tsaUrl = tsa.url): Promise<MessageLog> {
  return createMessageLog({
    metrics: {
      onLogCommit: (ms, records) => {
        commits.push(ms);
        committedRecords.push(records);
      },
    },
    config: { checkpointIntervalMs: 0, ...config },
    clock,
    signer: pki.signer,
    timestamper: createHttpTimestamper({ tsas: () => [{ name: 'test-tsa', url: tsaUrl }], anchors: () => pki.anchors, timeoutMs: 10_000 }),
  });
}

describe('message log', () => {
  it('acknowledges concurrent appends only when durable, and the closed log verifies', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory });
    const receipts = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(record(`id-${i}`))));
    const indices = receipts.map((r) => r.index);
    expect(new Set(indices).size).toBe(300);
    expect(log.status().durableSize).toBe(log.status().treeSize);
    // group commit: far fewer fsyncs than records
    expect(commits.length).toBeGreaterThan(0);
    expect(commits.length).toBeLessThan(300);
    // every record made durable is counted once: 300 messages plus the materials (certificates) of the first
    expect(committedRecords.reduce((a, b) => a + b, 0)).toBe(log.status().treeSize);
    await log.checkpoint();
    expect(log.status().pendingCheckpoints).toBe(0);
    await log.close();
    const report = await verifyLog(directory, { anchors: pki.anchors });
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.messages).toBe(300);
    // certificates are stored once per segment, not per record
    expect(report.records).toBe(302);
  });

  it('keeps only a salted commitment when body logging is off for the provider subsystem', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory, bodyLogging: { default: true, disabledFor: ['EE/GOV/5678/secret'] } });
    await log.append(record('plain'));
    await log.append(record('hidden', { service: 'EE/GOV/5678/secret/getTaxes', body: Buffer.from('top secret') }));
    await log.close();
    const files = await readdir(directory);
    const bytes = Buffer.concat(await Promise.all(files.filter((f) => f.endsWith('.tlog')).map((f) => readFile(join(directory, f)))));
    expect(bytes.includes(Buffer.from('top secret'))).toBe(false);
    const [hidden] = await findMessageRecords(directory, 'hidden');
    expect(hidden?.entry.body?.logged).toBe(false);
    expect(hidden?.entry.body?.commitment).toMatch(/^[0-9a-f]{64}$/);
    const big = await openLog({ directory: await tempDir(), maxLoggedBodyBytes: 4 });
    await big.append(record('big', { body: Buffer.from('longer than four') }));
    await big.close();
    const [plain] = await findMessageRecords(directory, 'plain');
    expect(plain?.bodyRetained).toBe(true);
    expect((await verifyLog(directory, { anchors: pki.anchors })).ok).toBe(true);
  });

  it('names materials by the hash of their current bytes, even when a caller reuses a changed buffer, and never reuses a salt', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory });
    const cert = Buffer.from(pki.signCertDer);
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
    const original = sha(cert);
    await log.append(record('m-1', { certificateChain: [cert] }));
    await log.append(record('m-2', { certificateChain: [Buffer.from(cert)] }));
    cert[10] = cert[10]! ^ 0xff; // same length, same last bytes: only a full comparison tells
    const changed = sha(cert);
    await log.append(record('m-3', { certificateChain: [cert] }));
    const certificates = async (id: string): Promise<readonly string[]> => (await log.findRecords({ xRoadId: id }))[0]!.entry.certificates;
    expect(await certificates('m-1')).toEqual([original]);
    expect(await certificates('m-2')).toEqual([original]);
    expect(await certificates('m-3')).toEqual([changed]);
    await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(record(`s-${i}`))));
    const salts = (await log.findRecords({ limit: 10_000 })).map((r) => r.entry.body?.salt);
    expect(salts.every((salt) => salt !== undefined && Buffer.from(salt, 'base64').length === 32)).toBe(true);
    expect(new Set(salts).size).toBe(salts.length);
    await log.close();
    expect((await verifyLog(directory, { anchors: pki.anchors })).ok).toBe(true);
  });

  it('finds records by X-Road id, request id, client, service and time', async () => {
    const directory = await tempDir();
    const clock = manualClock(1_700_000_000_000);
    const log = await openLog({ directory }, clock);
    await log.append(record('f-1', { requestId: 'req-1' }));
    clock.advance(1000);
    await log.append(record('f-1', { kind: 'response', status: 200 }));
    await log.append(record('f-2', { client: 'EE/GOV/9/other' }));
    await log.append(record('f-3', { kind: 'refusal', status: 403, faultCode: 'Server.ServerProxy.AccessDenied', side: 'server' }));
    expect((await log.findRecords({ faultCode: 'Server.ServerProxy.AccessDenied' })).map((r) => r.entry.xRoadId)).toEqual(['f-3']);
    expect((await log.findRecords({ status: 200 })).map((r) => r.entry.xRoadId)).toEqual(['f-1']);
    expect((await log.findRecords({ xRoadId: 'f-1' })).map((r) => r.entry.kind)).toEqual(['request', 'response']);
    expect((await log.findRecords({ requestId: 'req-1' })).map((r) => r.entry.xRoadId)).toEqual(['f-1']);
    expect((await log.findRecords({ client: 'EE/GOV/9/other' })).map((r) => r.entry.xRoadId)).toEqual(['f-2']);
    expect(await log.findRecords({ from: 1_700_000_000_500 })).toHaveLength(3);
    expect(await log.findRecords({ service: 'EE/GOV/5678/provider/getPerson', limit: 1 })).toHaveLength(1);
    await expect(log.exportEvidence('nope')).rejects.toMatchObject({ code: 'TONLE_ERR_MESSAGE_LOG_NOT_FOUND' });
    await log.close();
  });

  it('rejects misuse with TypeError', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory });
    await expect(log.append({ ...record('x'), kind: 'other' as 'request' })).rejects.toBeInstanceOf(TypeError);
    await expect(log.append({ ...record('x'), xRoadId: '' })).rejects.toBeInstanceOf(TypeError);
    await expect(log.append({ ...record('x'), status: 1000 })).rejects.toBeInstanceOf(TypeError);
    await expect(log.append({ ...record('x'), body: 'text' as unknown as Uint8Array })).rejects.toBeInstanceOf(TypeError);
    await expect(log.append({ ...record('x'), certificateChain: ['pem' as unknown as Uint8Array] })).rejects.toBeInstanceOf(TypeError);
    await expect(openLog({ directory, segmentMaxBytes: -1 })).rejects.toMatchObject({ code: 'TONLE_ERR_MESSAGE_LOG_CONFIG' });
    // a rejected append leaves no trace in the tree: later records still verify
    await expect(log.append({ ...record('x'), batchProof: { n: 1n } })).rejects.toBeInstanceOf(TypeError);
    await log.append(record('ok'));
    await log.close();
    expect((await verifyLog(directory, { anchors: pki.anchors })).problem).toBeUndefined();
    await expect(log.append(record('late'))).rejects.toMatchObject({ code: 'Server.ClientProxy.LoggingFailed' });
  });

  it('truncates a torn tail on open, keeps the bytes aside, and loses nothing acknowledged', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory });
    for (let i = 0; i < 20; i++) await log.append(record(`t-${i}`));
    await log.close();
    const seg = (await readdir(directory)).find((f) => f.endsWith('.tlog'))!;
    // a crash in the middle of a write: the first 60 bytes of a frame, cut off
    const whole = await readFile(join(directory, seg));
    const lastLeaf = decodeFrames(whole).frames.filter((f) => f.type === FrameType.leaf).at(-1)!;
    await appendFile(join(directory, seg), whole.subarray(lastLeaf.offset, lastLeaf.offset + 60));
    // an auditor reading the live log meanwhile sees the frame in flight only as an open end
    const live = await verifyLog(directory, { anchors: pki.anchors, allowPending: true });
    expect(live).toMatchObject({ ok: true, incompleteTailBytes: 60 });
    expect((await verifyLog(directory, { anchors: pki.anchors })).problem?.code).toBe('FRAME_TRUNCATED');
    const again = await openLog({ directory });
    await again.append(record('after-crash'));
    await again.close();
    expect((await readdir(directory)).some((f) => f.startsWith(`${seg}.torn-`))).toBe(true);
    const report = await verifyLog(directory, { anchors: pki.anchors });
    expect(report.ok).toBe(true);
    expect(report.messages).toBe(21);
  });

  it('seals a segment by age on the interval timer', async () => {
    const directory = await tempDir();
    const clock = manualClock();
    const log = await openLog({ directory, checkpointIntervalMs: 50, segmentMaxAgeMs: 60_000 }, clock);
    await log.append(record('old'));
    clock.advance(61_000);
    const deadline = Date.now() + 20_000;
    // sealed segments may already have moved on to archive/ by the time we look
    const files = async (): Promise<number> => (await listLogFiles(directory)).length;
    while ((await files()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await log.append(record('new'));
    await log.close();
    const report = await verifyLog(directory, { anchors: pki.anchors });
    expect(report.problem).toBeUndefined();
    expect(report.files).toBeGreaterThanOrEqual(2);
  });

  it('refuses to open when a sealed (non-live) segment is damaged', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory, segmentMaxBytes: 4096 });
    for (let i = 0; i < 30; i++) await log.append(record(`r-${i}`));
    await log.close();
    const segs = (await readdir(directory)).filter((f) => f.endsWith('.tlog')).sort();
    expect(segs.length).toBeGreaterThan(1);
    const bytes = await readFile(join(directory, segs[0]!));
    bytes[bytes.length - 10]! ^= 0xff;
    await writeFile(join(directory, segs[0]!), bytes);
    await expect(openLog({ directory })).rejects.toMatchObject({ code: 'TONLE_ERR_MESSAGE_LOG_CORRUPT' });
  });

  it('rotates, archives (encrypted), verifies across archives and segments, and applies retention', async () => {
    const directory = await tempDir();
    const key = randomBytes(32);
    // starts in the past so that, after the jumps below, checkpoint times still precede the TSA's genTime
    const clock = manualClock(Date.now() - 2 * 3_600_000);
    const log = await openLog({ directory, segmentMaxBytes: 4096, archiveKey: key, bodyRetentionMs: 10 * 60_000, retentionMs: 60 * 60_000 }, clock);
    for (let i = 0; i < 40; i++) await log.append(record(`a-${i}`));
    await log.checkpoint();
    await log.archive();
    const archives = await readdir(join(directory, 'archive'));
    expect(archives.length).toBeGreaterThan(0);
    const archiveBytes = await readFile(join(directory, 'archive', archives[0]!));
    expect(archiveBytes.includes(Buffer.from('a-0'))).toBe(false); // encrypted at rest
    await expect(verifyLog(directory, { anchors: pki.anchors, allowPending: true })).resolves.toMatchObject({ ok: false, problem: { code: 'FILE_UNREADABLE' } });
    // one changed byte in an encrypted archive fails its authentication, and the report names the file
    const flipped = Buffer.from(archiveBytes);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    await writeFile(join(directory, 'archive', archives[0]!), flipped);
    await expect(verifyLog(directory, { anchors: pki.anchors, archiveKey: key, allowPending: true })).resolves.toMatchObject({ ok: false, problem: { code: 'FILE_UNREADABLE', file: archives[0] } });
    await writeFile(join(directory, 'archive', archives[0]!), archiveBytes);
    const report = await verifyLog(directory, { anchors: pki.anchors, archiveKey: key, allowPending: true });
    expect(report.problem).toBeUndefined();
    expect(report.messages).toBe(40);
    // evidence still comes out of an archive
    const bundle = await log.exportEvidence('a-0');
    expect((await verifyEvidenceBundle(bundle, pki.anchors)).ok).toBe(true);
    // body retention: archived bodies go, commitments stay, the log still verifies
    clock.advance(11 * 60_000);
    await log.archive();
    const stripped = await readdir(join(directory, 'archive'));
    expect(stripped.every((n) => n.endsWith('-nobody.tla'))).toBe(true);
    const [rec] = await findMessageRecords(directory, 'a-0', key);
    expect(rec?.bodyRetained).toBe(false);
    expect(rec?.entry.body?.logged).toBe(true);
    expect((await verifyLog(directory, { anchors: pki.anchors, archiveKey: key, allowPending: true })).ok).toBe(true);
    // retention removes old archives; what is left still verifies from its own header on
    clock.advance(60 * 60_000);
    await log.archive();
    expect(await readdir(join(directory, 'archive'))).toEqual([]);
    await log.append(record('late'));
    await log.close();
    const after = await verifyLog(directory, { anchors: pki.anchors, archiveKey: key });
    expect(after.problem).toBeUndefined();
    expect(after.firstIndex).toBeGreaterThan(0);
  });

  it('recovers from a crash between writing an archive and removing its segment', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory, segmentMaxBytes: 4096 });
    for (let i = 0; i < 20; i++) await log.append(record(`c-${i}`));
    await log.checkpoint();
    const sealed = (await readdir(directory)).filter((f) => f.endsWith('.tlog')).sort()[0]!;
    const copy = await readFile(join(directory, sealed));
    await log.archive();
    await log.close();
    await writeFile(join(directory, sealed), copy); // as if the crash came before the unlink
    const again = await openLog({ directory });
    await again.close();
    expect(await readdir(directory)).not.toContain(sealed);
    expect((await verifyLog(directory, { anchors: pki.anchors })).problem).toBeUndefined();
  });

  it('exports an evidence bundle that verifies offline and whose token passes openssl ts -verify', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory });
    const now = Date.now();
    const jws = await signCompactJws({ payload: '{"m":"request"}', signer: pki.signer, includeCertificateChain: false });
    await log.append(record('ev-1', { jws, ocspResponses: [pki.ocspFor('good', now - 60_000)] }));
    await log.append(record('ev-1', { kind: 'response', status: 200, body: Buffer.from('{"name":"x"}') }));
    await log.append(record('other'));
    await log.append(record('revoked', { jws, ocspResponses: [pki.ocspFor('revoked', now - 60_000)] }));
    await log.append(record('stale', { jws, ocspResponses: [pki.ocspFor('good', now - 7_200_000)] }));
    const other = createSoftwareSigner({ privateKey: (await generateKeyPair('P-256')).privateKey, certificateChain: [] });
    await log.append(record('forged', { jws: await signCompactJws({ payload: '{}', signer: other }) }));
    await log.checkpoint();
    const bundle = await log.exportEvidence('ev-1');
    const revoked = await log.exportEvidence('revoked');
    const stale = await log.exportEvidence('stale');
    const forged = await log.exportEvidence('forged');
    await log.close();
    expect(await verifyEvidenceBundle(revoked, pki.anchors)).toMatchObject({ ok: false, problem: { recordIndex: expect.any(Number) } });
    expect((await verifyEvidenceBundle(stale, pki.anchors)).ok).toBe(false);
    expect(await verifyEvidenceBundle(forged, pki.anchors)).toMatchObject({ ok: false, problem: { recordIndex: expect.any(Number) } });
    expect((await verifyEvidenceBundle(stale, pki.anchors, { ocspMaxAgeMs: 3 * 3_600_000 })).ok).toBe(true);
    const parsed = parseEvidenceBundle(JSON.stringify(bundle));
    const report = await verifyEvidenceBundle(parsed, pki.anchors);
    expect(report.problem).toBeUndefined();
    expect(report.records.map((r) => [r.kind, r.ocsp])).toEqual([['request', 'good'], ['response', 'none']]);
    expect(report.records[0]?.signer).toContain('1234');
    // openssl: the token over SHA-256 of the checkpoint JWS, chained to the test CA
    const cp = bundle.checkpoints[0]!;
    const tokenFile = join(directory, 'token.der');
    await writeFile(tokenFile, Buffer.from(cp.timestamp.token, 'base64'));
    const dataFile = join(directory, 'checkpoint.jws');
    await writeFile(dataFile, cp.jws);
    const { stdout } = await run(OPENSSL, ['ts', '-verify', '-token_in', '-in', tokenFile, '-data', dataFile, '-CAfile', join(pki.dir, 'ca.pem')]);
    expect(stdout).toContain('Verification: OK');
    // a modified record in the bundle fails
    const bad = structuredClone(bundle) as unknown as { items: { entry: string }[] };
    const e = Buffer.from(bad.items[0]!.entry, 'base64');
    e[e.length - 3]! ^= 1;
    bad.items[0]!.entry = e.toString('base64');
    expect((await verifyEvidenceBundle(bad as unknown as typeof bundle, pki.anchors)).ok).toBe(false);
  });

  it('checks that the signature covers the logged header part and body (single and batch signatures)', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory });
    const b64 = (d: Uint8Array): string => createHash('sha512').update(d).digest('base64url');
    const sha512 = (d: Uint8Array): Uint8Array => createHash('sha512').update(d).digest();
    const headerPart = 'GET /r1/EE/GOV/5678/provider/getPerson\r\n';
    const body = Buffer.from('{"q":1}');
    const descriptor = (messageId: string, bodyBytes: Uint8Array): Uint8Array =>
      Buffer.from(JSON.stringify({ v: 'tonle-transport-v1', kind: 'request', messageId, headerDigest: b64(Buffer.from(headerPart)), bodyDigest: b64(bodyBytes), digestAlgorithm: 'SHA-512', signedAt: 1 }));
    const single = (messageId: string, bodyBytes: Uint8Array): Promise<string> => signCompactJws({ payload: descriptor(messageId, bodyBytes), signer: pki.signer, includeCertificateChain: false });
    await log.append(record('bound', { headerPart, body, jws: await single('bound', body) }));
    await log.append(record('other-body', { headerPart, body, jws: await single('other-body', Buffer.from('different')) }));
    const leaves = [descriptor('b-0', body), descriptor('batched', body), descriptor('b-2', body)];
    const root = merkleRoot(sha512, leaves.map((l) => merkleLeafHash(sha512, l)));
    const batchJws = await signCompactJws({ payload: JSON.stringify({ v: 'tonle-transport-v1', kind: 'batch', root: Buffer.from(root).toString('base64url'), size: 3, digestAlgorithm: 'SHA-512', signedAt: 1 }), signer: pki.signer, includeCertificateChain: false });
    const path = inclusionProof(sha512, leaves.map((l) => merkleLeafHash(sha512, l)), 1).map((p) => Buffer.from(p).toString('base64url'));
    await log.append(record('batched', { headerPart, body, jws: batchJws, batchProof: { descriptor: Buffer.from(leaves[1]!).toString('base64url'), index: 1, size: 3, path } }));
    await log.append(record('batched-nodesc', { headerPart, body, jws: batchJws, batchProof: { index: 1, size: 3, path } }));
    await log.checkpoint();
    const verify = async (id: string) => verifyEvidenceBundle(await log.exportEvidence(id), pki.anchors);
    expect((await verify('bound')).records[0]).toMatchObject({ content: 'bound', contentNote: 'body bound' });
    expect(await verify('other-body')).toMatchObject({ ok: false, problem: { recordIndex: expect.any(Number) } });
    expect((await verify('batched')).records[0]).toMatchObject({ content: 'bound' });
    expect((await verify('batched-nodesc')).records[0]).toMatchObject({ content: 'not-checked' });
    await log.close();
    const hidden = await openLog({ directory: await tempDir(), bodyLogging: { disabledFor: ['EE/GOV/5678/secret'] } });
    await hidden.append(record('hidden-body', { headerPart, body, service: 'EE/GOV/5678/secret/s', jws: await single('hidden-body', body) }));
    await hidden.checkpoint();
    expect((await verifyEvidenceBundle(await hidden.exportEvidence('hidden-body'), pki.anchors)).records[0]).toMatchObject({ content: 'bound', contentNote: 'body commitment-only' });
    await hidden.close();
  });

  it('keeps appending while the TSA is down, refuses after the configured period, resumes when it returns', async () => {
    const directory = await tempDir();
    const clock = manualClock();
    const log = await openLog({ directory, timestampFailurePeriodMs: 60_000 }, clock);
    await log.append(record('before'));
    tsa.setDown(true);
    try {
      await log.append(record('down-1'));
      await log.checkpoint();
      expect(log.status().pendingCheckpoints).toBe(1);
      clock.advance(30_000);
      await log.append(record('down-2'));
      await log.checkpoint();
      expect(log.status().pendingCheckpoints).toBe(2);
      clock.advance(31_000);
      expect(log.status().refusing).toBe(true);
      await expect(log.append(record('refused'))).rejects.toMatchObject({ code: 'Server.ClientProxy.LoggingFailed.TimestamperFailed', status: 500 });
      await expect(log.append(record('refused', { side: 'server' }))).rejects.toMatchObject({ code: 'Server.ServerProxy.LoggingFailed.TimestamperFailed' });
    } finally {
      tsa.setDown(false);
    }
    await log.checkpoint();
    expect(log.status()).toMatchObject({ pendingCheckpoints: 0, refusing: false });
    await log.append(record('resumed'));
    await log.close();
    const report = await verifyLog(directory, { anchors: pki.anchors });
    expect(report.problem).toBeUndefined();
    expect(report.unstampedCheckpoints).toEqual([]);
  });

  it('keeps stamping after a round with nothing to stamp', async () => {
    const directory = await tempDir();
    const log = await openLog({ directory });
    await log.checkpoint(); // empty log: nothing to sign, nothing to stamp
    await log.append(record('later'));
    await log.checkpoint();
    expect(log.status()).toMatchObject({ checkpoints: 1, pendingCheckpoints: 0 });
    await log.close();
  });

  it('fails over to the next TSA', async () => {
    const directory = await tempDir();
    const log = await createMessageLog({
      config: { directory, checkpointIntervalMs: 0 },
      clock: manualClock(),
      signer: pki.signer,
      timestamper: createHttpTimestamper({
        tsas: () => [
          { name: 'dead', url: 'http://127.0.0.1:9/tsa' },
          { name: 'test-tsa', url: tsa.url },
        ],
        anchors: () => pki.anchors,
      }),
    });
    await log.append(record('fo'));
    await log.close();
    expect(log.status().pendingCheckpoints).toBe(0);
    expect((await verifyLog(directory, { anchors: pki.anchors })).ok).toBe(true);
  });
});
