import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * One attribute of a distinguished name, e.g. `{ type: 'CN', value: '12345678' }`.
 *
 * @example
 * ```ts
 * const cn: NameAttribute = { type: 'CN', value: '1234' };
 * ```
 */
export interface NameAttribute {
  /** A short name (`C`, `ST`, `L`, `O`, `OU`, `CN`, `serialNumber`, `DC`, `E`) or a dotted OID. */
  readonly type: string;
  readonly value: string;
}

/**
 * A distinguished name as an ordered list of attributes, most significant first (C, O, ..., CN).
 *
 * @example
 * ```ts
 * const subject: DistinguishedName = [{ type: 'C', value: 'EE' }, { type: 'O', value: 'GOV' }, { type: 'CN', value: '1234' }];
 * ```
 */
export type DistinguishedName = readonly NameAttribute[];

const SHORT_TO_OID: Readonly<Record<string, string>> = {
  C: '2.5.4.6',
  ST: '2.5.4.8',
  L: '2.5.4.7',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  CN: '2.5.4.3',
  serialNumber: '2.5.4.5',
  DC: '0.9.2342.19200300.100.1.25',
  E: '1.2.840.113549.1.9.1',
};
const OID_TO_SHORT: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SHORT_TO_OID).map(([k, v]) => [v, k]),
);

/** The OID of a name attribute type given as a short name or a dotted OID. */
export function attributeOid(type: string): string {
  const oid = SHORT_TO_OID[type] ?? (/^\d+(\.\d+)+$/.test(type) ? type : undefined);
  if (oid === undefined) {
    throw new TypeError(`unknown name attribute "${type}"; use C, ST, L, O, OU, CN, serialNumber, DC, E or an OID`);
  }
  return oid;
}

/** Checks a subject given by a caller: non-empty, known attribute types, non-empty string values. */
export function assertDistinguishedName(name: DistinguishedName, what: string): void {
  if (!Array.isArray(name) || name.length === 0) throw new TypeError(`${what}: give at least one name attribute`);
  for (const a of name) {
    if (typeof a?.value !== 'string' || a.value.length === 0) {
      throw new TypeError(`${what}: attribute ${String(a?.type)} needs a non-empty string value`);
    }
    attributeOid(a.type);
    if (a.type === 'C' && !/^[A-Za-z]{2}$/.test(a.value)) {
      // X.520: countryName is a two-letter PrintableString.
      throw new TypeError(`${what}: C must be two letters (ISO 3166), got "${a.value}"`);
    }
  }
}

/** Converts a pkijs Name into our flat list (multi-valued RDNs are flattened in order). */
export function fromPkijsName(name: pkijs.RelativeDistinguishedNames): DistinguishedName {
  return name.typesAndValues.map((tv) => {
    const value = tv.value as asn1js.BaseStringBlock | undefined;
    const text = typeof value?.valueBlock?.value === 'string' ? value.valueBlock.value : '';
    return Object.freeze({ type: OID_TO_SHORT[tv.type] ?? tv.type, value: text });
  });
}

/**
 * A pkijs Name from our list: one attribute per RDN (pkijs would put them all in one multi-valued
 * RDN), C and serialNumber as PrintableString (X.520), E/DC as IA5String, the rest UTF8String
 * (RFC 5280 §4.1.2.6).
 */
export function toPkijsName(name: DistinguishedName): pkijs.RelativeDistinguishedNames {
  const rdns = name.map((a) => {
    const oid = attributeOid(a.type);
    const value =
      oid === SHORT_TO_OID['C'] || oid === SHORT_TO_OID['serialNumber']
        ? new asn1js.PrintableString({ value: a.value })
        : oid === SHORT_TO_OID['E'] || oid === SHORT_TO_OID['DC']
          ? new asn1js.IA5String({ value: a.value })
          : new asn1js.Utf8String({ value: a.value });
    return new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type: oid, value }).toSchema()] });
  });
  const der = new asn1js.Sequence({ value: rdns }).toBER(false);
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(der).result });
}

/**
 * RFC 4514-like text, most significant first (`C=EE, O=GOV, CN=123`), for messages and logs.
 *
 * @example
 * ```ts
 * formatDistinguishedName(parseCertificate(der).subject); // 'C=EE, O=GOV, CN=1234'
 * ```
 */
export function formatDistinguishedName(name: DistinguishedName): string {
  return name.map((a) => `${a.type}=${a.value.replace(/([,+"\\<>;=])/g, '\\$1')}`).join(', ');
}

/**
 * The values of one attribute type in a name, e.g. all `OU`s.
 *
 * @example
 * ```ts
 * const [memberCode] = nameValues(parseCertificate(der).subject, 'CN');
 * ```
 */
export function nameValues(name: DistinguishedName, type: string): string[] {
  const oid = attributeOid(type);
  return name.filter((a) => (SHORT_TO_OID[a.type] ?? a.type) === oid).map((a) => a.value);
}

/** DER of a pkijs Name, for byte-exact issuer/subject comparison (RFC 5280 §7.1 in its simplest form). */
export function nameDer(name: pkijs.RelativeDistinguishedNames): Uint8Array {
  return new Uint8Array(name.toSchema().toBER(false));
}

