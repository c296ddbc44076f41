import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  certificateProfileByName,
  createCsr as pkiCreateCsr,
  encodePem,
  parseCertificate,
  PkiError,
  toDer,
  type CertificateInfo,
  type CertificateProfile,
  type DistinguishedName,
} from '@tonle/pki';
import { formatClientId, memberId as makeMemberId, parseClientId, type Clock, type MemberId, type SecurityServerId } from '@tonle/protocol';
import { writeFileAtomic } from '@tonle/durable-file';
import { TokenError, type SoftwareToken, type TokenKeyInfo, type TokenKeySpec, type TokenSignatureAlgorithm } from '../token/index.ts';
import { KeysError } from './errors.ts';

export type KeyUsage = 'SIGN' | 'AUTH';
/** X-Road's certificate states (ug-ss 4.1, xroad-digest §4.7). */
export const CERTIFICATE_STATUSES = ['SAVED', 'REGISTRATION_IN_PROGRESS', 'REGISTERED', 'DISABLED', 'DELETION_IN_PROGRESS', 'GLOBAL_ERROR'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
export type OcspStatus = 'good' | 'revoked' | 'unknown';

/**
 * How the key manager learns a certificate's revocation status. The composition root adapts the
 * OCSP service (fetch from the CA's responder, verify against the approved CA, freshness check).
 */
export interface CertificateStatusChecker {
  check(certificate: Uint8Array): Promise<{ readonly status: OcspStatus; readonly thisUpdate?: number; readonly nextUpdate?: number }>;
}

export interface KeyRecord {
  readonly id: string;
  readonly usage: KeyUsage;
  readonly spec: TokenKeySpec;
  readonly label: string;
  /** For SIGN keys: the member whose signing key this is (`INSTANCE/CLASS/CODE`). */
  readonly memberId?: string;
  readonly createdAt: number;
}

export interface CsrRecord {
  readonly id: string;
  readonly keyId: string;
  readonly usage: KeyUsage;
  readonly memberId?: string;
  readonly profile: string;
  readonly subject: DistinguishedName;
  readonly createdAt: number;
  /** Base64 DER PKCS#10. */
  readonly der: string;
}

export interface CertificateRecord {
  /** SHA-256 of the DER, lower-case hex (X-Road's certificate hash, the global configuration's authCertHash). */
  readonly hash: string;
  readonly keyId: string;
  readonly usage: KeyUsage;
  readonly memberId?: string;
  readonly status: CertificateStatus;
  readonly active: boolean;
  readonly importedAt: number;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly subject: string;
  readonly issuer: string;
  readonly ocsp?: { readonly status: OcspStatus; readonly checkedAt: number; readonly nextUpdate?: number };
  /** Base64 DER. */
  readonly der: string;
}

interface KeysFile {
  readonly schemaVersion: 1;
  readonly keys: readonly KeyRecord[];
  readonly csrs: readonly CsrRecord[];
  readonly certificates: readonly CertificateRecord[];
}

export interface KeyManagerOptions {
  readonly token: SoftwareToken;
  /** JSON file holding key usages, CSRs and certificates (public material only). */
  readonly path: string;
  readonly clock: Clock;
  readonly ocsp: CertificateStatusChecker;
  /** This instance (certificates naming another instance are refused); a getter when it is only known after initialisation. */
  readonly instance: string | (() => string | undefined);
}

/** What a signing party needs (the `Signer` shape of `@tonle/pki`). */
export interface KeySigner {
  readonly keyId: string;
  readonly algorithm: TokenSignatureAlgorithm;
  /** DER, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export interface ExpiryWarning {
  readonly hash: string;
  readonly usage: KeyUsage;
  readonly memberId?: string;
  readonly notAfter: number;
  readonly expired: boolean;
}

export interface KeyManager {
  generateKey(input: { usage: KeyUsage; spec: TokenKeySpec; label?: string; memberId?: MemberId }): Promise<KeyRecord>;
  listKeys(): readonly KeyRecord[];
  getKey(id: string): KeyRecord | undefined;
  /** Refuses to delete a key that holds the last active certificate of its usage (for SIGN: of its member). */
  deleteKey(id: string): Promise<void>;
  createCsr(input: { keyId: string; profile?: string; memberId?: MemberId; server?: SecurityServerId }): Promise<CsrRecord>;
  listCsrs(): readonly CsrRecord[];
  deleteCsr(id: string): Promise<void>;
  /** Matches the certificate to a key by its public key; refused when no key matches. */
  importCertificate(certificate: Uint8Array | string): Promise<CertificateRecord>;
  listCertificates(): readonly CertificateRecord[];
  getCertificate(hash: string): CertificateRecord | undefined;
  /** Activation only with a good OCSP response and inside the validity period (xroad-digest §5). */
  activateCertificate(hash: string): Promise<CertificateRecord>;
  disableCertificate(hash: string): Promise<CertificateRecord>;
  deleteCertificate(hash: string): Promise<void>;
  setCertificateStatus(hash: string, status: CertificateStatus, expected: readonly CertificateStatus[]): Promise<CertificateRecord>;
  /** Re-checks OCSP for every active certificate; a certificate that is no longer good is left active but marked. */
  refreshOcsp(): Promise<void>;
  /** Applies what the global configuration says about this server's authentication certificates. */
  syncWithGlobalConf(registeredAuthCertHashes: ReadonlySet<string>): Promise<void>;
  expiryWarnings(withinMs: number): readonly ExpiryWarning[];
  /** The active, good signing certificate of `member`, with its key on the token. */
  signerFor(member: MemberId): KeySigner;
  /** The active, registered authentication certificate with its private key (for TLS). */
  authCredentials(): { readonly keyId: string; readonly certificate: Uint8Array; readonly privateKey: ReturnType<SoftwareToken['privateKey']> };
}

const EMPTY: KeysFile = { schemaVersion: 1, keys: [], csrs: [], certificates: [] };

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}
function unb64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function isKeysFile(v: unknown): v is KeysFile {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return f['schemaVersion'] === 1 && Array.isArray(f['keys']) && Array.isArray(f['csrs']) && Array.isArray(f['certificates']);
}

function dnText(dn: DistinguishedName): string {
  return dn.map((a) => `${a.type}=${a.value}`).join(', ');
}

/**
 * The keys and certificates lifecycle over the software token (xroad-digest §5): key usage, CSRs by the
 * CA's certificate profile, certificate import matched to keys, activation with a good OCSP status.
 *
 * @example
 * ```ts
 * const keys = await createKeyManager({ token, path: '/var/lib/tonle/keys.json', clock, ocsp, instance: 'EE' });
 * const key = await keys.generateKey({ usage: 'SIGN', spec: 'P-256', memberId: owner });
 * const csr = await keys.createCsr({ keyId: key.id, memberId: owner });
 * ```
 */
export async function createKeyManager(options: KeyManagerOptions): Promise<KeyManager> {
  const { token, path, clock, ocsp } = options;
  const currentInstance = (): string => {
    const i = typeof options.instance === 'function' ? options.instance() : options.instance;
    if (i === undefined || i.length === 0) throw new KeysError('TONLE_ERR_KEYS_INVALID_REQUEST', 'the instance is not known yet; initialise the server from a configuration anchor first');
    return i;
  };
  let state: KeysFile;
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (!isKeysFile(parsed)) throw new KeysError('TONLE_ERR_KEYS_CORRUPT', `${path} is not a keys file; restore it from a backup`);
    state = parsed;
  } catch (e) {
    if (e instanceof KeysError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new KeysError('TONLE_ERR_KEYS_CORRUPT', `cannot read ${path}; restore it from a backup`, { cause: e });
    state = EMPTY;
  }

  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const save = async (next: KeysFile) => {
    await writeFileAtomic(path, JSON.stringify(next, null, 2));
    state = next;
  };
  const key = (id: string): KeyRecord => {
    const k = state.keys.find((x) => x.id === id);
    if (k === undefined) throw new KeysError('TONLE_ERR_KEYS_NOT_FOUND', `no key ${id}; list keys with GET /api/v1/keys`);
    return k;
  };
  const cert = (hash: string): CertificateRecord => {
    const c = state.certificates.find((x) => x.hash === hash);
    if (c === undefined) throw new KeysError('TONLE_ERR_KEYS_NOT_FOUND', `no certificate ${hash}; list certificates with GET /api/v1/certificates`);
    return c;
  };
  const replaceCert = (next: CertificateRecord): KeysFile => ({
    ...state,
    certificates: state.certificates.map((c) => (c.hash === next.hash ? next : c)),
  });
  const isUsable = (c: CertificateRecord, now: number) =>
    c.active && c.status !== 'DISABLED' && c.notBefore <= now && now <= c.notAfter && c.ocsp?.status === 'good';
  const checkMember = (m: MemberId | undefined): string => {
    if (m === undefined || m.type !== 'MEMBER') throw new KeysError('TONLE_ERR_KEYS_INVALID_REQUEST', 'a SIGN key needs memberId (the member whose signing key it is)');
    const instance = currentInstance();
    if (m.instance !== instance) throw new KeysError('TONLE_ERR_KEYS_MEMBER_MISMATCH', `member ${formatClientId(m)} is not in this instance (${instance})`);
    return formatClientId(makeMemberId(m.instance, m.memberClass, m.memberCode));
  };
  const profileNamed = (name: string): CertificateProfile => {
    try {
      return certificateProfileByName(name);
    } catch (e) {
      throw new KeysError('TONLE_ERR_KEYS_INVALID_REQUEST', `unknown certificate profile "${name}"; use the profile of an approved CA`, { cause: e });
    }
  };

  const manager: KeyManager = {
    generateKey({ usage, spec, label = '', memberId }) {
      if (usage !== 'SIGN' && usage !== 'AUTH') return Promise.reject(new KeysError('TONLE_ERR_KEYS_INVALID_REQUEST', 'usage must be SIGN or AUTH'));
      return serial(async () => {
        const member = usage === 'SIGN' ? checkMember(memberId) : undefined;
        if (usage === 'AUTH' && memberId !== undefined) throw new KeysError('TONLE_ERR_KEYS_INVALID_REQUEST', 'an AUTH key belongs to the server, not to a member: omit memberId');
        const info: TokenKeyInfo = await token.generateKey({ spec, label });
        const record: KeyRecord = { id: info.id, usage, spec, label, createdAt: clock.now(), ...(member === undefined ? {} : { memberId: member }) };
        await save({ ...state, keys: [...state.keys, record] });
        return record;
      });
    },
    listKeys: () => state.keys,
    getKey: (id) => state.keys.find((k) => k.id === id),
    deleteKey(id) {
      return serial(async () => {
        const k = key(id);
        const now = clock.now();
        const mine = state.certificates.filter((c) => c.keyId === id && isUsable(c, now));
        for (const c of mine) {
          const others = state.certificates.filter(
            (o) => o.keyId !== id && o.usage === c.usage && o.memberId === c.memberId && isUsable(o, now),
          );
          if (others.length === 0) {
            throw new KeysError('TONLE_ERR_KEYS_LAST_ACTIVE_KEY', `key ${id} holds the last active ${k.usage} certificate${c.memberId ? ` of ${c.memberId}` : ''}; activate another one first`);
          }
        }
        if (!token.status().loggedIn) throw new TokenError('TONLE_ERR_TOKEN_LOGGED_OUT', 'log the token in before deleting keys');
        // Forget the key here first: a crash in between leaves an unused key on the token, never a
        // certificate that points at a key that is gone.
        await save({
          ...state,
          keys: state.keys.filter((x) => x.id !== id),
          csrs: state.csrs.filter((x) => x.keyId !== id),
          certificates: state.certificates.filter((x) => x.keyId !== id),
        });
        await token.deleteKey(id).catch((e: unknown) => {
          if ((e as { code?: string }).code !== 'TONLE_ERR_TOKEN_KEY_NOT_FOUND') throw e;
        });
      });
    },
    createCsr({ keyId, profile = 'ejbca', memberId, server }) {
      return serial(async () => {
        const k = key(keyId);
        const p = profileNamed(profile);
        let subject: DistinguishedName;
        let member: string | undefined;
        if (k.usage === 'SIGN') {
          member = memberId === undefined ? k.memberId : checkMember(memberId);
          if (member === undefined || member !== k.memberId) throw new KeysError('TONLE_ERR_KEYS_MEMBER_MISMATCH', `key ${keyId} is the signing key of ${k.memberId}, not of the member given`);
          const m = parseClientId(member) as MemberId;
          subject = p.subjectFor(m);
        } else {
          if (server === undefined || server.type !== 'SERVER') throw new KeysError('TONLE_ERR_KEYS_INVALID_REQUEST', 'an AUTH CSR needs the security server id');
          subject = p.authSubjectFor(server);
        }
        const der = pkiCreateCsr({ privateKey: token.privateKey(keyId), subject });
        const record: CsrRecord = {
          id: randomUUID(),
          keyId,
          usage: k.usage,
          profile: p.name,
          subject,
          createdAt: clock.now(),
          der: b64(der),
          ...(member === undefined ? {} : { memberId: member }),
        };
        await save({ ...state, csrs: [...state.csrs, record] });
        return record;
      });
    },
    listCsrs: () => state.csrs,
    deleteCsr(id) {
      return serial(async () => {
        if (!state.csrs.some((c) => c.id === id)) throw new KeysError('TONLE_ERR_KEYS_NOT_FOUND', `no CSR ${id}`);
        await save({ ...state, csrs: state.csrs.filter((c) => c.id !== id) });
      });
    },
    importCertificate(certificate) {
      return serial(async () => {
        let info: CertificateInfo;
        try {
          info = parseCertificate(typeof certificate === 'string' ? toDer(certificate, 'CERTIFICATE') : certificate);
        } catch (e) {
          throw new KeysError('TONLE_ERR_KEYS_INVALID_CERTIFICATE', `not an X.509 certificate (${PkiError.is(e) ? e.code : 'unparseable'}); send the DER or PEM the CA issued`, { cause: e });
        }
        if (state.certificates.some((c) => c.hash === info.sha256)) throw new KeysError('TONLE_ERR_KEYS_DUPLICATE', `certificate ${info.sha256} is already imported`);
        const spki = Buffer.from(info.spki);
        const match = token.listKeys().find((k) => spki.equals(Buffer.from(k.spki)));
        const k = match === undefined ? undefined : state.keys.find((x) => x.id === match.id);
        if (k === undefined) throw new KeysError('TONLE_ERR_KEYS_NO_MATCHING_KEY', 'no key on this server matches the certificate\'s public key; import it on the server that made the CSR');
        if (clock.now() > info.notAfter) throw new KeysError('TONLE_ERR_KEYS_CERT_EXPIRED', `the certificate expired at ${new Date(info.notAfter).toISOString()}`);
        if (k.usage === 'SIGN') {
          const csr = state.csrs.find((c) => c.keyId === k.id);
          const p = profileNamed(csr?.profile ?? 'ejbca');
          let named: string;
          const instance = currentInstance();
          try {
            const m = p.memberIdFromCertificate(info, instance);
            named = formatClientId(makeMemberId(m.instance, m.memberClass, m.memberCode));
          } catch (e) {
            throw new KeysError('TONLE_ERR_KEYS_MEMBER_MISMATCH', `the signing certificate does not name a member of ${instance} by the ${p.name} profile`, { cause: e });
          }
          if (named !== k.memberId) throw new KeysError('TONLE_ERR_KEYS_MEMBER_MISMATCH', `the certificate names ${named} but key ${k.id} belongs to ${k.memberId}`);
        }
        const record: CertificateRecord = {
          hash: info.sha256,
          keyId: k.id,
          usage: k.usage,
          status: 'SAVED',
          active: false,
          importedAt: clock.now(),
          notBefore: info.notBefore,
          notAfter: info.notAfter,
          subject: dnText(info.subject),
          issuer: dnText(info.issuer),
          der: b64(info.der),
          ...(k.memberId === undefined ? {} : { memberId: k.memberId }),
        };
        // The CSR is fulfilled once its certificate is imported (X-Road removes it too).
        await save({ ...state, certificates: [...state.certificates, record], csrs: state.csrs.filter((c) => c.keyId !== k.id) });
        return record;
      });
    },
    listCertificates: () => state.certificates,
    getCertificate: (hash) => state.certificates.find((c) => c.hash === hash),
    activateCertificate(hash) {
      return serial(async () => {
        const c = cert(hash);
        const now = clock.now();
        if (now > c.notAfter || now < c.notBefore) throw new KeysError('TONLE_ERR_KEYS_CERT_EXPIRED', 'the certificate is outside its validity period; import a new one');
        if (c.status === 'DELETION_IN_PROGRESS') throw new KeysError('TONLE_ERR_KEYS_INVALID_STATE', 'the certificate is being deleted');
        let verdict: Awaited<ReturnType<CertificateStatusChecker['check']>>;
        try {
          verdict = await ocsp.check(unb64(c.der));
        } catch (e) {
          throw new KeysError('TONLE_ERR_KEYS_OCSP_UNAVAILABLE', 'cannot get a verified OCSP response from the CA\'s responder; check the responder and the global configuration, then retry', { cause: e });
        }
        const next: CertificateRecord = {
          ...c,
          ocsp: { status: verdict.status, checkedAt: now, ...(verdict.nextUpdate === undefined ? {} : { nextUpdate: verdict.nextUpdate }) },
        };
        if (verdict.status !== 'good') {
          await save(replaceCert(next));
          throw new KeysError('TONLE_ERR_KEYS_OCSP_NOT_GOOD', `the CA's OCSP responder says "${verdict.status}"; only a certificate with status good can be activated`);
        }
        // A disabled certificate returns to SAVED (auth certificates are re-registered; sign certificates need nothing more).
        const activated: CertificateRecord = { ...next, active: true, status: c.status === 'DISABLED' ? 'SAVED' : c.status };
        await save(replaceCert(activated));
        return activated;
      });
    },
    disableCertificate(hash) {
      return serial(async () => {
        const next: CertificateRecord = { ...cert(hash), active: false, status: 'DISABLED' };
        await save(replaceCert(next));
        return next;
      });
    },
    deleteCertificate(hash) {
      return serial(async () => {
        const c = cert(hash);
        if (c.usage === 'AUTH' && (c.status === 'REGISTERED' || c.status === 'REGISTRATION_IN_PROGRESS')) {
          throw new KeysError('TONLE_ERR_KEYS_INVALID_STATE', 'unregister the authentication certificate first (it is registered in the central registry)');
        }
        await save({ ...state, certificates: state.certificates.filter((x) => x.hash !== hash) });
      });
    },
    setCertificateStatus(hash, status, expected) {
      return serial(async () => {
        const c = cert(hash);
        if (!expected.includes(c.status)) throw new KeysError('TONLE_ERR_KEYS_INVALID_STATE', `certificate ${hash} is ${c.status}; expected ${expected.join(' or ')}`);
        const next: CertificateRecord = { ...c, status };
        await save(replaceCert(next));
        return next;
      });
    },
    refreshOcsp() {
      return serial(async () => {
        let next = state;
        for (const c of state.certificates.filter((x) => x.active)) {
          try {
            const v = await ocsp.check(unb64(c.der));
            const updated: CertificateRecord = { ...c, ocsp: { status: v.status, checkedAt: clock.now(), ...(v.nextUpdate === undefined ? {} : { nextUpdate: v.nextUpdate }) } };
            next = { ...next, certificates: next.certificates.map((x) => (x.hash === c.hash ? updated : x)) };
          } catch {
            // Responder unreachable: keep the last verdict; freshness is judged by whoever staples it (architecture §9).
          }
        }
        if (next !== state) await save(next);
      });
    },
    syncWithGlobalConf(registered) {
      return serial(async () => {
        let changed = false;
        const certificates: CertificateRecord[] = [];
        for (const c of state.certificates) {
          if (c.usage !== 'AUTH') {
            certificates.push(c);
            continue;
          }
          const listed = registered.has(c.hash);
          let status = c.status;
          if (listed && (c.status === 'REGISTRATION_IN_PROGRESS' || c.status === 'GLOBAL_ERROR' || c.status === 'SAVED')) status = 'REGISTERED';
          else if (!listed && c.status === 'REGISTERED') status = 'GLOBAL_ERROR';
          else if (!listed && c.status === 'DELETION_IN_PROGRESS') status = 'SAVED';
          if (status !== c.status) changed = true;
          certificates.push(status === c.status ? c : { ...c, status });
        }
        if (changed) await save({ ...state, certificates });
      });
    },
    expiryWarnings(withinMs) {
      const now = clock.now();
      return state.certificates
        .filter((c) => c.notAfter - now <= withinMs)
        .map((c) => ({ hash: c.hash, usage: c.usage, notAfter: c.notAfter, expired: c.notAfter < now, ...(c.memberId === undefined ? {} : { memberId: c.memberId }) }));
    },
    signerFor(member) {
      const id = formatClientId(makeMemberId(member.instance, member.memberClass, member.memberCode));
      const now = clock.now();
      const c = state.certificates.find((x) => x.usage === 'SIGN' && x.memberId === id && isUsable(x, now));
      if (c === undefined) throw new KeysError('TONLE_ERR_KEYS_NO_ACTIVE_CERTIFICATE', `no active signing certificate with a good OCSP status for ${id}; import and activate one`);
      const algorithm = token.defaultAlgorithm(c.keyId);
      token.privateKey(c.keyId); // fails now, with TONLE_ERR_TOKEN_LOGGED_OUT, rather than on first use
      return Object.freeze({
        keyId: c.keyId,
        algorithm,
        certificateChain: [unb64(c.der)],
        sign: (data: Uint8Array) => token.sign(c.keyId, algorithm, data),
      });
    },
    authCredentials() {
      const now = clock.now();
      const c = state.certificates.find((x) => x.usage === 'AUTH' && x.status === 'REGISTERED' && isUsable(x, now));
      if (c === undefined) throw new KeysError('TONLE_ERR_KEYS_NO_ACTIVE_CERTIFICATE', 'no registered, active authentication certificate with a good OCSP status');
      return { keyId: c.keyId, certificate: unb64(c.der), privateKey: token.privateKey(c.keyId) };
    },
  };
  return manager;
}

/** PEM of a CSR record, as the CA expects it. */
export function csrPem(csr: CsrRecord): string {
  return encodePem('CERTIFICATE REQUEST', unb64(csr.der));
}
