import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  findMessageRecords,
  loadArchiveKey,
  loadTrustAnchors,
  parseEvidenceBundle,
  verifyEvidenceBundle,
  verifyLog,
  type LogVerifyReport,
} from '@tonle/audit';
import type { Command, CommandIo } from '../command.ts';

const USAGE = `Usage:
  tonle audit verify <dir|archive> --anchors <file|dir> [--key-file <file>] [--allow-pending] [--json]
  tonle audit verify-bundle <bundle.json> --anchors <file|dir> [--ocsp-max-age <seconds>] [--json]
  tonle audit show <dir|archive> <x-road-id> [--key-file <file>] [--json]

Verifies Tonle message logs offline: record framing, record order (nothing deleted, duplicated or
reordered), every checkpoint's Merkle root and signature, consistency between checkpoints, and RFC 3161
time-stamp tokens against the trust anchors (PEM/DER CA and TSA certificates).

  --anchors <file|dir>  trusted CA and TSA certificates (required for verify and verify-bundle)
  --key-file <file>     AES-256 key of encrypted archives (32 bytes raw, 64 hex or base64)
  --ocsp-max-age <s>    how old a recorded OCSP status may be at the message's time (default 3600)
  --allow-pending       accept a live log's open end (records after the last checkpoint, checkpoints
                        still waiting for a time-stamp)
  --json                print the report as JSON

Exit code: 0 when everything verifies, 1 when something does not (the report names the first failing
file, byte offset and record index or checkpoint), 2 for a usage error.`;

interface Parsed {
  positional: string[];
  anchors?: string;
  keyFile?: string;
  ocspMaxAgeSeconds?: number;
  allowPending: boolean;
  json: boolean;
}

function parse(args: readonly string[]): Parsed | string {
  const out: Parsed = { positional: [], allowPending: false, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--anchors' || a === '--key-file' || a === '--ocsp-max-age') {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      if (a === '--anchors') out.anchors = v;
      else if (a === '--key-file') out.keyFile = v;
      else if (/^\d{1,9}$/.test(v)) out.ocspMaxAgeSeconds = Number(v);
      else return '--ocsp-max-age needs a number of seconds';
    } else if (a === '--allow-pending') out.allowPending = true;
    else if (a === '--json') out.json = true;
    else if (a.startsWith('--')) return `unknown option ${a}`;
    else out.positional.push(a);
  }
  return out;
}

function describeFailure(r: LogVerifyReport): string {
  const p = r.problem!;
  const where = [
    `file ${p.file}`,
    p.offset === undefined ? undefined : `offset ${p.offset}`,
    p.recordIndex === undefined ? undefined : `record ${p.recordIndex}`,
    p.checkpointSeq === undefined ? undefined : `checkpoint ${p.checkpointSeq}`,
  ].filter((x) => x !== undefined);
  return `FAILED ${p.code} at ${where.join(', ')}: ${p.message}\n`;
}

async function runVerify(p: Parsed, io: CommandIo): Promise<number> {
  const [path] = p.positional;
  if (path === undefined || p.positional.length !== 1 || p.anchors === undefined) {
    io.err(`audit verify needs <dir|archive> and --anchors\n\n${USAGE}\n`);
    return 2;
  }
  const anchors = await loadTrustAnchors(resolve(io.cwd, p.anchors));
  const archiveKey = p.keyFile === undefined ? undefined : await loadArchiveKey(resolve(io.cwd, p.keyFile));
  const tty = process.stderr.isTTY === true;
  const report = await verifyLog(resolve(io.cwd, path), {
    anchors,
    allowPending: p.allowPending,
    ...(archiveKey === undefined ? {} : { archiveKey }),
    ...(tty ? { onProgress: (done: number, total: number) => io.err(`\rverifying: ${Math.floor((done / Math.max(total, 1)) * 100)}%`) } : {}),
  });
  if (tty) io.err('\n');
  if (p.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  if (!report.ok) {
    io.err(describeFailure(report));
    return 1;
  }
  if (!p.json) {
    io.out(
      `OK: ${report.files} file(s), records ${report.firstIndex ?? 0}..${(report.firstIndex ?? 0) + report.records - 1} ` +
        `(${report.messages} messages), ${report.checkpoints} checkpoints, ${report.timestamps} time-stamps verified` +
        (report.unstampedCheckpoints.length > 0 || report.uncoveredRecords > 0
          ? `; pending: ${report.unstampedCheckpoints.length} unstamped checkpoint(s), ${report.uncoveredRecords} record(s) after the last checkpoint\n`
          : '\n'),
    );
  }
  return 0;
}

async function runVerifyBundle(p: Parsed, io: CommandIo): Promise<number> {
  const [file] = p.positional;
  if (file === undefined || p.positional.length !== 1 || p.anchors === undefined) {
    io.err(`audit verify-bundle needs <bundle.json> and --anchors\n\n${USAGE}\n`);
    return 2;
  }
  const anchors = await loadTrustAnchors(resolve(io.cwd, p.anchors));
  const bundle = parseEvidenceBundle(await readFile(resolve(io.cwd, file), 'utf8'));
  const report = await verifyEvidenceBundle(bundle, anchors, p.ocspMaxAgeSeconds === undefined ? {} : { ocspMaxAgeMs: p.ocspMaxAgeSeconds * 1000 });
  if (p.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  if (!report.ok) {
    const q = report.problem!;
    const where = [q.item === undefined ? undefined : `item ${q.item}`, q.recordIndex === undefined ? undefined : `record ${q.recordIndex}`, q.checkpoint === undefined ? undefined : `checkpoint entry ${q.checkpoint}`].filter((x) => x !== undefined);
    io.err(`FAILED${where.length > 0 ? ` at ${where.join(', ')}` : ''}: ${q.message}\n`);
    return 1;
  }
  if (!p.json) {
    io.out(`OK: evidence for X-Road id ${report.xRoadId}\n`);
    for (const r of report.records) {
      io.out(
        `  record ${r.index}: ${r.kind} (${r.side} side) ${new Date(r.time).toISOString()} ${r.client} -> ${r.service}` +
          `${r.status === undefined ? '' : ` status ${r.status}`}${r.faultCode === undefined ? '' : ` fault ${r.faultCode}`}` +
          `${r.signer === undefined ? '' : `, signed by ${r.signer}`}, OCSP ${r.ocsp === 'good' ? 'good' : 'not recorded'}, time-stamped ${new Date(r.timestampedAt).toISOString()}\n` +
          `    content: ${r.content === 'bound' ? 'covered by the signature' : 'not checked'}${r.contentNote === undefined ? '' : ` (${r.contentNote})`}\n`,
      );
    }
  }
  return 0;
}

async function runShow(p: Parsed, io: CommandIo): Promise<number> {
  const [path, xRoadId] = p.positional;
  if (path === undefined || xRoadId === undefined || p.positional.length !== 2) {
    io.err(`audit show needs <dir|archive> <x-road-id>\n\n${USAGE}\n`);
    return 2;
  }
  const archiveKey = p.keyFile === undefined ? undefined : await loadArchiveKey(resolve(io.cwd, p.keyFile));
  const found = await findMessageRecords(resolve(io.cwd, path), xRoadId, archiveKey);
  if (p.json) io.out(`${JSON.stringify(found, null, 2)}\n`);
  else if (found.length === 0) io.out(`no record with X-Road id ${xRoadId}\n`);
  else {
    for (const r of found) {
      const e = r.entry;
      io.out(
        `record ${e.index} (${r.file} @${r.offset}): ${e.kind} ${e.side} side ${new Date(e.time).toISOString()}\n` +
          `  client ${e.client}  service ${e.service}${e.requestId === undefined ? '' : `  request id ${e.requestId}`}\n` +
          `  ${e.status === undefined ? '' : `status ${e.status} `}${e.faultCode === undefined ? '' : `fault ${e.faultCode} `}` +
          `signature ${e.jws === undefined ? 'none' : `${e.signedBy ?? 'unknown'}`}, body ${e.body === undefined ? 'none' : r.bodyRetained ? `logged (${e.body.size} bytes)` : `commitment only (${e.body.size} bytes)`}\n`,
      );
    }
  }
  return found.length === 0 ? 1 : 0;
}

/** `tonle audit`: the auditor's offline verifier (packages/audit). */
export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify message logs, archives and evidence bundles offline',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const p = parse(rest);
    if (typeof p === 'string') {
      io.err(`tonle audit: ${p}\n\n${USAGE}\n`);
      return 2;
    }
    try {
      if (sub === 'verify') return await runVerify(p, io);
      if (sub === 'verify-bundle') return await runVerifyBundle(p, io);
      if (sub === 'show') return await runShow(p, io);
    } catch (e) {
      const code = (e as { code?: string }).code;
      io.err(`tonle audit: ${code === undefined ? '' : `${code}: `}${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
    io.err(`tonle audit: unknown subcommand '${sub ?? ''}'\n\n${USAGE}\n`);
    return 2;
  },
};
