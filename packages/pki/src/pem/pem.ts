import { PkiError } from '../errors/index.ts';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * Wraps DER bytes in an RFC 7468 PEM block (64-character lines).
 *
 * @example
 * ```ts
 * import { encodePem } from '@tonle/pki';
 * const text = encodePem('CERTIFICATE', certificateDer);
 * ```
 */
export function encodePem(label: string, der: Uint8Array): string {
  if (!/^[A-Z0-9 ]+$/.test(label)) throw new TypeError('encodePem: label must be upper-case, e.g. "CERTIFICATE"');
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * The labels of every PEM block in a text, in order (`CERTIFICATE`, `ENCRYPTED PRIVATE KEY`, ...), without
 * decoding them: how to tell what a file holds before choosing how to read it.
 *
 * @example
 * ```ts
 * import { pemLabels } from '@tonle/pki';
 * pemLabels(fs.readFileSync('sign.key', 'utf8')); // ['ENCRYPTED PRIVATE KEY']
 * ```
 */
export function pemLabels(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError('pemLabels: text must be a string');
  return [...text.matchAll(PEM_BLOCK)].map((m) => m[1] as string);
}

/**
 * Every PEM block with the given label, in order (a certificate chain file holds several).
 * Throws `TONLE_ERR_PKI_MALFORMED` when there is none.
 *
 * @example
 * ```ts
 * import { decodePemAll } from '@tonle/pki';
 * const chain = decodePemAll(fs.readFileSync('chain.pem', 'utf8'), 'CERTIFICATE');
 * ```
 */
export function decodePemAll(text: string, label: string): Uint8Array[] {
  if (typeof text !== 'string') throw new TypeError('decodePemAll: text must be a string');
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (m[1] !== label) continue;
    const body = (m[2] ?? '').replace(/\s+/g, '');
    // RFC 7468 §3: strict base64 body; reject anything else instead of decoding garbage.
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0 || body.length === 0) {
      throw new PkiError('TONLE_ERR_PKI_MALFORMED', `PEM block "${label}" has an invalid base64 body`);
    }
    out.push(new Uint8Array(Buffer.from(body, 'base64')));
  }
  if (out.length === 0) {
    throw new PkiError('TONLE_ERR_PKI_MALFORMED', `no "-----BEGIN ${label}-----" block found; pass a PEM file of that type`);
  }
  return out;
}

/**
 * The first PEM block with the given label.
 *
 * @example
 * ```ts
 * import { decodePem } from '@tonle/pki';
 * const der = decodePem(pemText, 'CERTIFICATE');
 * ```
 */
export function decodePem(text: string, label: string): Uint8Array {
  return decodePemAll(text, label)[0] as Uint8Array;
}

/**
 * Accepts either DER bytes or PEM text and returns DER, so callers can take certificates in both forms.
 *
 * @example
 * ```ts
 * import { toDer } from '@tonle/pki';
 * const der = toDer(input, 'CERTIFICATE');
 * ```
 */
export function toDer(input: Uint8Array | string, label: string): Uint8Array {
  if (typeof input === 'string') return decodePem(input, label);
  if (input instanceof Uint8Array) return input;
  throw new TypeError(`expected DER bytes (Uint8Array) or PEM text for ${label}`);
}
