import { GlobalConfError, type GlobalConfIssue } from './errors.ts';
import {
  array,
  base64Der,
  base64Url,
  boolean,
  deepFreeze,
  host,
  httpUrl,
  identifier,
  instant,
  integer,
  literal,
  object,
  sha256Hex,
  string,
  text,
  type Check,
} from './schema.ts';
import type { ConfigurationAnchor, GlobalConfiguration, PublicJwk, VerificationKey } from './types.ts';

const publicJwk: Check<PublicJwk> = (value, path, issues) => {
  const kty = typeof value === 'object' && value !== null ? (value as { kty?: unknown }).kty : undefined;
  // Private members (d, p, q...) are unknown fields here, so a leaked private key is refused, not published.
  if (kty === 'EC') return object({ kty: literal('EC'), crv: literal('P-256', 'P-384'), x: base64Url, y: base64Url })(value, path, issues);
  if (kty === 'OKP') return object({ kty: literal('OKP'), crv: literal('Ed25519'), x: base64Url })(value, path, issues);
  if (kty === 'RSA') return object({ kty: literal('RSA'), n: base64Url, e: base64Url })(value, path, issues);
  issues.push({ path: `${path}.kty`, message: 'expected "EC", "OKP" or "RSA"' });
  return undefined;
};

const algorithm = literal('ES256', 'ES384', 'EdDSA', 'PS256', 'RS256');
const keyId = string({ pattern: /^[A-Za-z0-9._:-]{1,128}$/, what: 'a key id of 1-128 characters from A-Za-z0-9._:-' });

const verificationKey = object({ kid: keyId, alg: algorithm, publicKey: publicJwk });
const announcedKey = object({ kid: keyId, alg: algorithm, publicKey: publicJwk, status: literal('current', 'next') });

const memberRef = object({ memberClass: identifier, memberCode: identifier });
const clientRef = object({ memberClass: identifier, memberCode: identifier, subsystemCode: identifier }, ['subsystemCode']);
const clientKey = (c: { memberClass: string; memberCode: string; subsystemCode?: string }): string =>
  [c.memberClass, c.memberCode, ...(c.subsystemCode === undefined ? [] : [c.subsystemCode])].join('/');

const documentShape = object({
  formatVersion: literal(1),
  instanceIdentifier: identifier,
  version: integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  generatedAt: instant,
  expiresAt: instant,
  sources: array(object({ address: httpUrl, verificationKeys: array(announcedKey, { max: 16, unique: (k) => k.kid }) }), { max: 16 }),
  members: array(
    object({
      memberClass: identifier,
      memberCode: identifier,
      name: text,
      subsystems: array(object({ subsystemCode: identifier }), { unique: (s) => s.subsystemCode }),
    }),
    { unique: (m) => `${m.memberClass}/${m.memberCode}` },
  ),
  securityServers: array(
    object({
      owner: memberRef,
      serverCode: identifier,
      address: host,
      authCertHashes: array(sha256Hex, { max: 64, unique: (h) => h }),
      clients: array(clientRef, { unique: clientKey }),
      maintenance: object({ enabled: boolean, message: text }),
    }),
    { unique: (s) => `${s.owner.memberClass}/${s.owner.memberCode}/${s.serverCode}` },
  ),
  approvedCas: array(
    object({
      name: string({ min: 1, max: 255 }),
      authOnly: boolean,
      certificateProfile: string({ min: 1, max: 255 }),
      topCertificate: base64Der,
      intermediateCertificates: array(base64Der, { max: 16 }),
      ocspResponders: array(object({ url: httpUrl, certificate: base64Der }, ['certificate']), { max: 16 }),
    }),
    { unique: (c) => c.name },
  ),
  approvedTsas: array(object({ name: string({ min: 1, max: 255 }), url: httpUrl, certificate: base64Der }), { unique: (t) => t.name }),
  globalGroups: array(object({ groupCode: identifier, description: text, members: array(clientRef, { unique: clientKey }) }), {
    unique: (g) => g.groupCode,
  }),
  settings: object({
    memberClasses: array(object({ code: identifier, description: text }), { unique: (c) => c.code }),
    ocspFreshnessSeconds: integer({ min: 1, max: 31_536_000 }),
    timestampingIntervalSeconds: integer({ min: 1, max: 31_536_000 }),
  }),
});

/** Cross-references the shape alone cannot express: owners, clients and group members must exist. */
function checkReferences(doc: GlobalConfiguration, issues: GlobalConfIssue[]): void {
  const classes = new Set(doc.settings.memberClasses.map((c) => c.code));
  const clients = new Set<string>();
  doc.members.forEach((m, i) => {
    if (!classes.has(m.memberClass)) issues.push({ path: `$.members[${i}].memberClass`, message: `unknown member class ${m.memberClass}` });
    clients.add(clientKey(m));
    for (const s of m.subsystems) clients.add(clientKey({ ...m, subsystemCode: s.subsystemCode }));
  });
  doc.securityServers.forEach((s, i) => {
    if (!clients.has(clientKey(s.owner))) issues.push({ path: `$.securityServers[${i}].owner`, message: `owner ${clientKey(s.owner)} is not a member` });
    s.clients.forEach((c, j) => {
      if (!clients.has(clientKey(c))) issues.push({ path: `$.securityServers[${i}].clients[${j}]`, message: `client ${clientKey(c)} is not registered` });
    });
  });
  doc.globalGroups.forEach((g, i) => {
    g.members.forEach((c, j) => {
      if (!clients.has(clientKey(c))) issues.push({ path: `$.globalGroups[${i}].members[${j}]`, message: `group member ${clientKey(c)} does not exist` });
    });
  });
  if (Date.parse(doc.expiresAt) <= Date.parse(doc.generatedAt)) issues.push({ path: '$.expiresAt', message: 'must be after generatedAt' });
  if (doc.sources.length === 0) issues.push({ path: '$.sources', message: 'at least one source is required' });
  doc.sources.forEach((s, i) => {
    if (!s.verificationKeys.some((k) => k.status === 'current'))
      issues.push({ path: `$.sources[${i}].verificationKeys`, message: 'at least one key must have status "current"' });
  });
}

/**
 * Checks that `value` (parsed JSON) is a well-formed global configuration: exact field set, types,
 * identifier charset, base64 DER, URLs, unique entries and internal references. Returns it deeply frozen.
 *
 * @throws GlobalConfError `TONLE_ERR_GCONF_INVALID` listing every issue with its JSON path.
 * @example
 * ```ts
 * const doc = validateGlobalConfiguration(JSON.parse(text));
 * doc.securityServers.map((s) => s.address);
 * ```
 */
export function validateGlobalConfiguration(value: unknown): GlobalConfiguration {
  const issues: GlobalConfIssue[] = [];
  const doc = documentShape(value, '$', issues) as GlobalConfiguration | undefined;
  if (doc !== undefined) checkReferences(doc, issues);
  if (doc === undefined || issues.length > 0) {
    throw new GlobalConfError('TONLE_ERR_GCONF_INVALID', `Global configuration is invalid: ${summarize(issues)}`, { issues });
  }
  return deepFreeze(doc);
}

const anchorShape = object({
  format: literal('tonle-configuration-anchor/1'),
  instanceIdentifier: identifier,
  generatedAt: instant,
  sources: array(object({ address: httpUrl, verificationKeys: array(verificationKey, { max: 16, unique: (k) => k.kid }) }), { max: 16 }),
});

/**
 * Parses a configuration anchor file (JSON). Refuses unknown fields, private key material and anchors
 * without a source or key.
 *
 * @throws GlobalConfError `TONLE_ERR_GCONF_ANCHOR_INVALID`.
 * @example
 * ```ts
 * const anchor = parseConfigurationAnchor(await readFile('anchor.json', 'utf8'));
 * ```
 */
export function parseConfigurationAnchor(textValue: string): ConfigurationAnchor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textValue);
  } catch (cause) {
    throw new GlobalConfError('TONLE_ERR_GCONF_ANCHOR_INVALID', 'Configuration anchor is not JSON; export it again from the registry.', { cause });
  }
  const issues: GlobalConfIssue[] = [];
  const anchor = anchorShape(parsed, '$', issues) as ConfigurationAnchor | undefined;
  if (anchor !== undefined) {
    if (anchor.sources.length === 0) issues.push({ path: '$.sources', message: 'at least one source is required' });
    anchor.sources.forEach((s, i) => {
      if (s.verificationKeys.length === 0) issues.push({ path: `$.sources[${i}].verificationKeys`, message: 'at least one key is required' });
    });
  }
  if (anchor === undefined || issues.length > 0) {
    throw new GlobalConfError('TONLE_ERR_GCONF_ANCHOR_INVALID', `Configuration anchor is invalid: ${summarize(issues)}`, { issues });
  }
  return deepFreeze(anchor);
}

/**
 * Serialises an anchor to the file format {@link parseConfigurationAnchor} reads.
 *
 * @example
 * ```ts
 * await writeFile('anchor.json', formatConfigurationAnchor(anchor));
 * ```
 */
export function formatConfigurationAnchor(anchor: ConfigurationAnchor): string {
  return `${JSON.stringify(anchor, null, 2)}\n`;
}

/** The keys an anchor trusts, in source order. */
export function anchorKeys(anchor: ConfigurationAnchor): readonly VerificationKey[] {
  return anchor.sources.flatMap((s) => s.verificationKeys);
}

function summarize(issues: readonly GlobalConfIssue[]): string {
  const shown = issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
  return issues.length > 5 ? `${shown.join('; ')}; and ${issues.length - 5} more` : shown.join('; ');
}
