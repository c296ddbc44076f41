/**
 * The slice of the web platform (WebCrypto, TextEncoder) this package uses. Node.js 20+ and browsers both expose `globalThis.crypto`;
 * declaring only what we call keeps the package free of DOM and Node type libraries.
 */
export interface WebCryptoLike {
  randomUUID(): string;
  readonly subtle: {
    digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
  };
}

interface TextEncoderLike {
  encode(text: string): Uint8Array;
}

/** The runtime's UTF-8 encoder (a global in Node.js and browsers). */
export const utf8: TextEncoderLike = new (globalThis as unknown as { TextEncoder: new () => TextEncoderLike }).TextEncoder();

/** The runtime's WebCrypto. */
export const webCrypto: WebCryptoLike = (globalThis as unknown as { crypto: WebCryptoLike }).crypto;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (RFC 4648 section 4, with padding) of bytes; no runtime provides it type-free. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += BASE64[(n >> 18) & 63] as string;
    out += BASE64[(n >> 12) & 63] as string;
    out += b === undefined ? '=' : (BASE64[(n >> 6) & 63] as string);
    out += c === undefined ? '=' : (BASE64[n & 63] as string);
  }
  return out;
}
