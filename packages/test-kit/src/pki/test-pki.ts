import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memberId, securityServerId, systemClock, type Clock } from '@tonle/protocol';
import {
  buildOcspRequest,
  buildTimeStampRequest,
  createCsr,
  ejbcaProfile,
  encodePem,
  generateKeyPair,
  parseTimeStampResponse,
  type HashAlgorithm,
  type KeySpec,
} from '@tonle/pki';
import {
  createCaServer,
  createCertificationAuthority,
  createFileCertificateStore,
  createFileSerialCounter,
  createOcspResponder,
  createOcspServer,
  createTimeStampAuthority,
  createTrustLogger,
  createTsaServer,
  initTrustState,
  loadCaConfig,
  loadOcspConfig,
  loadServiceIdentity,
  loadTsaConfig,
  readSecretFile,
  stateLayout,
  type CertificateOwner,
  type CertificationAuthority,
  type RevocationReason,
} from '@tonle/trust-services';

/** The fastify instance type, without test-kit depending on fastify itself. */
type FastifyInstance = ReturnType<typeof createOcspServer>;

/** A key pair with the certificate the test CA issued for it. */
export interface TestCertificate {
  /** DER of the end-entity certificate. */
  readonly certificate: Uint8Array;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Lower-case hex, no leading zero bytes (use with {@link TestPki.revoke}). */
  readonly serialNumber: string;
  /** SHA-256 of the DER, lower-case hex (the `authCertHash` global configuration lists). */
  readonly sha256: string;
  /** `[certificate, CA certificate]`, DER, leaf first (what a `Signer` and `x5c` carry). */
  readonly chain: readonly Uint8Array[];
}

/** A member for {@link TestPki.issueSignCertificate}; `instance` defaults to the PKI's instance. */
export interface TestMember {
  readonly instance?: string;
  readonly memberClass: string;
  readonly memberCode: string;
}

/** A security server for {@link TestPki.issueAuthCertificate}. */
export interface TestServer extends TestMember {
  readonly serverCode: string;
}

/** A throwaway PKI with its three services listening on 127.0.0.1 (see {@link createTestPki}). */
export interface TestPki extends AsyncDisposable {
  /** The X-Road instance the CA certifies (default `EE`). */
  readonly instance: string;
  /** Temporary state directory (keys, store); deleted by {@link TestPki.close}. */
  readonly dir: string;
  readonly caCertificate: Uint8Array;
  readonly caCertificatePem: string;
  /** Delegated OCSP responder certificate (issued by the CA, EKU OCSPSigning). */
  readonly ocspResponderCertificate: Uint8Array;
  /** TSA certificate (issued by the CA, critical EKU timeStamping). */
  readonly tsaCertificate: Uint8Array;
  /** Base URL of the CA admin API (`/api/v1/...`, `/ca.pem`). */
  readonly caUrl: string;
  /** OCSP responder URL (also in the AIA of every issued certificate). */
  readonly ocspUrl: string;
  /** RFC 3161 TSA URL (POST `application/timestamp-query`). */
  readonly tsaUrl: string;
  /** The CA admin API key (send as `Authorization: Bearer <key>`). */
  readonly apiKey: string;
  /** Issues a member signing certificate (subject C=instance, O=class, CN=code) for a fresh key. */
  issueSignCertificate(member: TestMember, options?: { keySpec?: KeySpec }): Promise<TestCertificate>;
  /** Issues a security server authentication certificate for a fresh key. */
  issueAuthCertificate(server: TestServer, options?: { keySpec?: KeySpec }): Promise<TestCertificate>;
  /** Revokes a certificate; the OCSP responder answers `revoked` from then on. */
  revoke(serialNumber: string, reason?: RevocationReason): Promise<void>;
  /**
   * Fetches a fresh OCSP response (DER) for a certificate this CA issued, over HTTP from the responder,
   * as a security server does before stapling it. Pass `nonce: true` to get a nonce-bound response.
   */
  fetchOcspResponse(certificate: Uint8Array, options?: { nonce?: boolean }): Promise<Uint8Array>;
  /**
   * Time-stamps `data` at the TSA over HTTP and returns the DER TimeStampToken (rejects when the TSA
   * does not grant it). Verify it with `verifyTimeStampToken({ token, data, trustedTsaCertificates: [pki.tsaCertificate] })`.
   */
  timeStamp(data: Uint8Array, options?: { hashAlgorithm?: HashAlgorithm }): Promise<Uint8Array>;
  /** Stops the servers and deletes the state directory. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createTestPki}. */
export interface CreateTestPkiOptions {
  /** X-Road instance identifier of the CA (default `EE`). */
  readonly instance?: string;
  /** Clock for certificate validity, OCSP thisUpdate and TSA genTime (default: the system clock). */
  readonly clock?: Clock;
  /** Key type of the CA, OCSP and TSA keys (default P-256). */
  readonly keySpec?: KeySpec;
}

/**
 * Creates a throwaway PKI for tests: a root CA, a delegated OCSP responder and a TSA, all in a temp
 * directory, served by the real `@tonle/trust-services` HTTP servers on 127.0.0.1 with free ports. Use
 * it with `await using` (or call `close()`), never share it between test files.
 *
 * @example
 * ```ts
 * import { createTestPki } from '@tonle/test-kit';
 * await using pki = await createTestPki();
 * const sign = await pki.issueSignCertificate({ memberClass: 'GOV', memberCode: '1234' });
 * const auth = await pki.issueAuthCertificate({ memberClass: 'GOV', memberCode: '1234', serverCode: 'ss1' });
 * // sign.chain, sign.privateKey -> createSoftwareSigner(...); pki.ocspUrl, pki.tsaUrl -> global conf
 * await pki.revoke(sign.serialNumber, 'keyCompromise');
 * ```
 */
export async function createTestPki(options: CreateTestPkiOptions = {}): Promise<TestPki> {
  const instance = options.instance ?? 'EE';
  const clock = options.clock ?? systemClock;
  const log = createTrustLogger({ level: 'silent' });
  const dir = await mkdtemp(join(tmpdir(), 'tonle-test-pki-'));
  const apps: FastifyInstance[] = [];
  const listen = async (app: FastifyInstance): Promise<string> => {
    apps.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (typeof address !== 'object' || address === null) throw new TypeError('test PKI server has no TCP address');
    return `http://127.0.0.1:${address.port}`;
  };
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(apps.map((a) => a.close()));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const state = await initTrustState({
      stateDir: dir,
      instanceIdentifier: instance,
      ocspUrl: 'http://127.0.0.1/',
      clock,
      ...(options.keySpec === undefined ? {} : { keySpec: options.keySpec }),
    });
    const layout = stateLayout(dir);
    const pin = await readSecretFile(state.keyPinFile, 'key PIN');
    const apiKey = await readSecretFile(state.apiKeyFile, 'admin API key');
    const store = createFileCertificateStore({ dir: layout.issuedDir });

    const ocspConfig = loadOcspConfig({ overrides: { stateDir: dir, port: 0 } });
    const responder = createOcspResponder({
      caCertificate: state.caCertificate,
      responder: await loadServiceIdentity(dir, 'ocsp', pin),
      store,
      clock,
      log,
      nextUpdateSeconds: ocspConfig.nextUpdateSeconds,
      cacheMaxAgeSeconds: ocspConfig.cacheMaxAgeSeconds,
    });
    const ocspUrl = `${await listen(createOcspServer({ config: ocspConfig, log, responder }))}/`;

    const caConfig = loadCaConfig({ overrides: { stateDir: dir, port: 0, instanceIdentifier: instance, ocspUrl } });
    const authority: CertificationAuthority = createCertificationAuthority({
      settings: caConfig,
      issuer: await loadServiceIdentity(dir, 'ca', pin),
      store,
      clock,
      log,
    });
    const caUrl = await listen(createCaServer({ config: caConfig, log, authority, apiKey }));

    const tsaConfig = loadTsaConfig({ overrides: { stateDir: dir, port: 0 } });
    const tsa = createTimeStampAuthority({
      tsa: await loadServiceIdentity(dir, 'tsa', pin),
      serials: createFileSerialCounter({ path: layout.tsaSerial }),
      clock,
      log,
      policyOid: tsaConfig.policyOid,
    });
    const tsaUrl = await listen(createTsaServer({ config: tsaConfig, log, authority: tsa }));

    const issue = async (owner: CertificateOwner, keySpec: KeySpec): Promise<TestCertificate> => {
      const keys = await generateKeyPair(keySpec);
      const subject = owner.profile === 'sign' ? ejbcaProfile.subjectFor(owner.member) : ejbcaProfile.authSubjectFor(owner.server);
      const csr = createCsr({ privateKey: keys.privateKey, publicKey: keys.publicKey, subject });
      const record = await authority.issue({ csr, owner });
      return Object.freeze({
        certificate: record.certificate,
        certificatePem: encodePem('CERTIFICATE', record.certificate),
        privateKey: keys.privateKey,
        publicKey: keys.publicKey,
        serialNumber: record.serialNumber,
        sha256: record.sha256,
        chain: Object.freeze([record.certificate, state.caCertificate]),
      });
    };

    return {
      instance,
      dir,
      caCertificate: state.caCertificate,
      caCertificatePem: encodePem('CERTIFICATE', state.caCertificate),
      ocspResponderCertificate: state.ocspCertificate,
      tsaCertificate: state.tsaCertificate,
      caUrl,
      ocspUrl,
      tsaUrl,
      apiKey,
      issueSignCertificate: (member, opts = {}) =>
        issue({ profile: 'sign', member: memberId(member.instance ?? instance, member.memberClass, member.memberCode) }, opts.keySpec ?? 'P-256'),
      issueAuthCertificate: (server, opts = {}) =>
        issue({ profile: 'auth', server: securityServerId(server.instance ?? instance, server.memberClass, server.memberCode, server.serverCode) }, opts.keySpec ?? 'P-256'),
      async revoke(serialNumber, reason = 'unspecified') {
        await authority.revoke(serialNumber, reason);
      },
      async fetchOcspResponse(certificate, opts = {}) {
        const request = buildOcspRequest({ certificate, issuer: state.caCertificate, ...(opts.nonce === true ? { nonce: true as const } : {}) });
        const response = await fetch(ocspUrl, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: Buffer.from(request.der) });
        if (response.status !== 200) throw new TypeError(`test PKI OCSP responder answered HTTP ${response.status}`);
        return new Uint8Array(await response.arrayBuffer());
      },
      async timeStamp(data, opts = {}) {
        const request = buildTimeStampRequest({ hashAlgorithm: opts.hashAlgorithm ?? 'SHA-256', data, nonce: true, certReq: true });
        const response = await fetch(tsaUrl, { method: 'POST', headers: { 'content-type': 'application/timestamp-query' }, body: Buffer.from(request.der) });
        const parsed = parseTimeStampResponse(new Uint8Array(await response.arrayBuffer()));
        if (parsed.token === undefined) throw new TypeError(`test PKI TSA did not grant the time-stamp: ${parsed.status} ${(parsed.failInfo ?? []).join(',')}`);
        return parsed.token;
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
