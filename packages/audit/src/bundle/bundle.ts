import { X509Certificate } from 'node:crypto';
import { verifyOcspResponse } from '@tonle/pki';
import { AuditError } from '../errors.ts';
import { checkpointPayload, decodeFrameAt, encodeFrame, FrameType, leafHash, verifyLeafInclusion, type MaterialEntry, type MessageEntry } from '../log-format/index.ts';
import { checkJws, checkTimestampToken, pkiReason, type TrustAnchors } from '../trust/index.ts';
import { checkLeafContent } from '../verify/index.ts';
import { checkContentBinding, type ContentBinding } from './content-binding.ts';

/** One leaf of the log with its proof against one of the bundle's checkpoints. */
export interface EvidenceItem {
  readonly index: number;
  /** base64 of the exact entry bytes (the Merkle leaf data). */
  readonly entry: string;
  /** base64 body, when it was logged and is still retained. */
  readonly body?: string;
  /** RFC 9162 inclusion proof (hex), deepest sibling first. */
  readonly proof: readonly string[];
  /** Position in `checkpoints`. */
  readonly checkpoint: number;
}

/** Everything an auditor needs to check one message offline: one JSON file. */
export interface EvidenceBundle {
  readonly format: 'tonle-evidence-bundle';
  readonly version: 1;
  readonly xRoadId: string;
  readonly exportedAt: number;
  /** Message records (request, response, refusal) and the certificate / OCSP leaves they reference. */
  readonly items: readonly EvidenceItem[];
  /** Signed checkpoints (compact JWS) with the RFC 3161 token over SHA-256 of the JWS. */
  readonly checkpoints: readonly { readonly jws: string; readonly timestamp: { readonly tsa: string; readonly genTime: number; readonly token: string } }[];
}

export interface BundleRecordSummary {
  readonly index: number;
  readonly kind: string;
  readonly side: string;
  readonly time: number;
  readonly client: string;
  readonly service: string;
  readonly status?: number;
  readonly faultCode?: string;
  /** Subject of the certificate whose key signed the message JWS, when the record has one. */
  readonly signer?: string;
  /**
   * Status of the signer certificate from the OCSP responses recorded with the message (RFC 6960, verified
   * at the record's time and no older than `ocspMaxAgeMs`); `none` when the record carries no OCSP response.
   */
  readonly ocsp: 'good' | 'none';
  /**
   * Whether the signature covers this record's content (transport v1 descriptor: message id, kind, header
   * part digest, body digest when the body is retained): `bound`, or `not-checked` with the reason.
   */
  readonly content: 'bound' | 'not-checked';
  readonly contentNote?: string;
  readonly bodyLogged: boolean;
  /** genTime of the token that time-stamps the checkpoint proving this record. */
  readonly timestampedAt: number;
}

export interface BundleVerifyReport {
  readonly ok: boolean;
  readonly xRoadId: string;
  readonly records: readonly BundleRecordSummary[];
  /** OCSP responses carried (bound by hash into the log). */
  readonly ocspResponses: number;
  readonly problem?: { readonly item?: number; readonly recordIndex?: number; readonly checkpoint?: number; readonly message: string };
}

/** Parses and shape-checks a bundle file's JSON. */
export function parseEvidenceBundle(text: string): EvidenceBundle {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (cause) {
    throw new AuditError('TONLE_ERR_AUDIT_BUNDLE_INVALID', 'evidence bundle is not JSON', { cause });
  }
  const b = v as Partial<EvidenceBundle>;
  if (b?.format !== 'tonle-evidence-bundle' || b.version !== 1 || !Array.isArray(b.items) || !Array.isArray(b.checkpoints) || typeof b.xRoadId !== 'string') {
    throw new AuditError('TONLE_ERR_AUDIT_BUNDLE_INVALID', 'not a tonle-evidence-bundle v1 (format, version, xRoadId, items, checkpoints)');
  }
  return b as EvidenceBundle;
}

/**
 * Verifies an evidence bundle with no network: each checkpoint's signature and chain and its RFC 3161
 * token, each record's inclusion proof against its checkpoint, material hashes, body commitments, and the
 * message JWS against the signer certificate carried in the bundle, chained to the anchors.
 */
export interface VerifyBundleOptions {
  /** How old the OCSP status may be at the record's time (default 3600 s, X-Road's ocspFreshnessSeconds). */
  readonly ocspMaxAgeMs?: number;
}

export async function verifyEvidenceBundle(bundle: EvidenceBundle, anchors: TrustAnchors, options: VerifyBundleOptions = {}): Promise<BundleVerifyReport> {
  const records: BundleRecordSummary[] = [];
  let ocspResponses = 0;
  const fail = (problem: NonNullable<BundleVerifyReport['problem']>): BundleVerifyReport => ({ ok: false, xRoadId: bundle.xRoadId, records, ocspResponses, problem });

  const heads: { treeSize: number; root: Buffer; genTime: number }[] = [];
  for (const [i, cp] of bundle.checkpoints.entries()) {
    let payload;
    try {
      payload = checkpointPayload(cp.jws);
    } catch (e) {
      return fail({ checkpoint: i, message: e instanceof Error ? e.message : String(e) });
    }
    const sig = checkJws(cp.jws, anchors, payload.time);
    if (!sig.ok) return fail({ checkpoint: i, message: `checkpoint ${payload.seq}: ${sig.reason}` });
    const ts = checkTimestampToken(Buffer.from(cp.timestamp.token, 'base64'), Buffer.from(cp.jws, 'ascii'), anchors);
    if (!ts.ok) return fail({ checkpoint: i, message: `time-stamp of checkpoint ${payload.seq}: ${ts.reason}` });
    heads.push({ treeSize: payload.treeSize, root: Buffer.from(payload.rootHash, 'hex'), genTime: ts.genTime });
  }

  const materials = new Map<string, MaterialEntry>();
  const messages: { item: number; entry: MessageEntry; head: (typeof heads)[number] }[] = [];
  for (const [i, item] of bundle.items.entries()) {
    const head = heads[item.checkpoint];
    if (head === undefined) return fail({ item: i, message: 'item refers to a checkpoint the bundle does not carry' });
    const entryBytes = Buffer.from(item.entry, 'base64');
    const body = item.body === undefined ? new Uint8Array(0) : Buffer.from(item.body, 'base64');
    // Reuse the log's frame decoder so the bundle and the log parse entries identically.
    const decoded = decodeFrameAt(encodeFrame(FrameType.leaf, entryBytes, body), 0);
    if (!decoded.ok) return fail({ item: i, message: 'item cannot be framed' });
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(entryBytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      return fail({ item: i, message: 'item entry is not JSON' });
    }
    if (entry['index'] !== item.index) return fail({ item: i, recordIndex: item.index, message: 'entry index differs from the item index' });
    const proof = item.proof.map((p) => Buffer.from(p, 'hex'));
    if (!verifyLeafInclusion({ leafHash: leafHash(entryBytes), index: item.index, treeSize: head.treeSize, proof, root: head.root })) return fail({ item: i, recordIndex: item.index, message: `record ${item.index} is not included in the checkpoint (proof does not lead to its root)` });
    const content = checkLeafContent(entry, decoded.frame);
    if (content !== undefined) return fail({ item: i, recordIndex: item.index, message: content });
    if (entry['type'] === 'material') {
      const m = entry as unknown as MaterialEntry;
      materials.set(m.sha256, m);
      if (m.material === 'ocsp') ocspResponses++;
    } else messages.push({ item: i, entry: entry as unknown as MessageEntry, head });
  }

  for (const { item, entry, head } of messages) {
    for (const h of [...entry.certificates, ...entry.ocspResponses]) {
      if (!materials.has(h)) return fail({ item, recordIndex: entry.index, message: `referenced certificate/OCSP ${h} is missing from the bundle` });
    }
    let signer: string | undefined;
    let binding: ContentBinding = { result: 'not-checked', reason: 'the record has no signature' };
    if (entry.jws !== undefined) {
      const chain = entry.certificates.map((h) => new Uint8Array(Buffer.from(materials.get(h)!.der, 'base64')));
      const check = checkJws(entry.jws, anchors, entry.time, chain.length > 0 ? chain : undefined);
      if (!check.ok) return fail({ item, recordIndex: entry.index, message: `message signature: ${check.reason}` });
      signer = check.signer;
      const body = bundle.items[item]!.body === undefined ? new Uint8Array(0) : Buffer.from(bundle.items[item]!.body!, 'base64');
      binding = checkContentBinding(entry, check.payload, body);
      if (binding.result === 'mismatch') return fail({ item, recordIndex: entry.index, message: `signed content: ${binding.reason}` });
    }
    let ocsp: 'good' | 'none' = 'none';
    if (entry.ocspResponses.length > 0) {
      const leaf = entry.certificates[0] === undefined ? undefined : Buffer.from(materials.get(entry.certificates[0])!.der, 'base64');
      const issuer = leaf === undefined ? undefined : findIssuer(leaf, entry.certificates.slice(1).map((h) => Buffer.from(materials.get(h)!.der, 'base64')), anchors);
      if (leaf === undefined || issuer === undefined) return fail({ item, recordIndex: entry.index, message: 'OCSP responses recorded, but the signer certificate or its issuer is missing' });
      const reasons: string[] = [];
      for (const h of entry.ocspResponses) {
        try {
          const v = verifyOcspResponse({ response: Buffer.from(materials.get(h)!.der, 'base64'), certificate: leaf, issuer, at: entry.time, maxAgeMs: options.ocspMaxAgeMs ?? 3_600_000 });
          if (v.status === 'good') ocsp = 'good';
          else reasons.push(`certificate status ${v.status}`);
        } catch (e) {
          reasons.push(pkiReason(e));
        }
      }
      if (ocsp !== 'good') return fail({ item, recordIndex: entry.index, message: `no recorded OCSP response shows the signer certificate good at the record's time (${reasons.join('; ')})` });
    }
    records.push({
      index: entry.index,
      kind: entry.kind,
      side: entry.side,
      time: entry.time,
      client: entry.client,
      service: entry.service,
      ...(entry.status === undefined ? {} : { status: entry.status }),
      ...(entry.faultCode === undefined ? {} : { faultCode: entry.faultCode }),
      ...(signer === undefined ? {} : { signer }),
      ocsp,
      content: binding.result === 'bound' ? 'bound' : 'not-checked',
      ...(binding.result === 'not-checked' ? { contentNote: binding.reason } : binding.result === 'bound' ? { contentNote: `body ${binding.body}` } : {}),
      bodyLogged: entry.body?.logged === true,
      timestampedAt: head.genTime,
    });
  }
  if (records.length === 0) return fail({ message: 'bundle holds no message record' });
  return { ok: true, xRoadId: bundle.xRoadId, records, ocspResponses };
}

/** The issuer of `leaf` among the recorded chain and the anchors (by name and signature). */
function findIssuer(leaf: Uint8Array, chain: readonly Uint8Array[], anchors: TrustAnchors): Uint8Array | undefined {
  const cert = new X509Certificate(leaf);
  const candidates = [...chain.map((d) => new X509Certificate(d)), ...anchors.certificates];
  const issuer = candidates.find((c) => cert.checkIssued(c) && cert.verify(c.publicKey));
  return issuer === undefined ? undefined : new Uint8Array(issuer.raw);
}
