import { AccessControlError } from './errors.ts';

// RFC 3986 §2.3: unreserved characters; percent-encodings of them are equivalent to the characters (§6.2.2.2).
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const PCT = /%([0-9A-Fa-f]{2})/g;

/**
 * Normalises the service-relative path of a REST call before access rules are matched, so that a path that
 * reaches a resource through `.`/`..`, `%2e`, or doubled slashes is judged by where it really goes
 * (X-Road XRDDEV-3054, fixed in 7.7.1: wildcard rules were bypassed by traversal).
 *
 * Steps (RFC 3986 §6.2.2): reject NUL (raw or `%00`), encoded separators (`%2F`, `%5C`) and raw `\`
 * (some providers treat it as `/`); decode percent-encoded unreserved characters and upper-case the hex of the
 * others; collapse duplicate slashes; remove dot segments (§5.2.4), rejecting `..` above the root instead of
 * clamping it, because a provider might resolve it differently.
 *
 * The result always starts with `/`, has no empty, `.` or `..` segments, and is a fixed point.
 * The caller must forward this normalised path to the provider, never the raw one.
 */
export function normalizeServicePath(raw: string): string {
  if (typeof raw !== 'string') throw new TypeError('normalizeServicePath(raw): raw must be a string');
  if (raw.includes('?') || raw.includes('#')) {
    throw new AccessControlError('TONLE_ERR_ACL_PATH_INVALID', 'Pass the path without query or fragment.');
  }
  if (raw.includes('\0')) throw new AccessControlError('TONLE_ERR_ACL_PATH_NUL', 'The path contains a NUL character.');
  if (raw.includes('\\')) {
    throw new AccessControlError('TONLE_ERR_ACL_PATH_ENCODED_SEPARATOR', 'The path contains a backslash; use "/".');
  }
  // A "%" that does not start a valid escape is malformed (RFC 3986 §2.1).
  if (/%(?![0-9A-Fa-f]{2})/.test(raw)) {
    throw new AccessControlError('TONLE_ERR_ACL_PATH_INVALID', 'The path contains a "%" that is not a valid escape.');
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\s]/.test(raw)) {
    throw new AccessControlError('TONLE_ERR_ACL_PATH_INVALID', 'The path contains whitespace or control characters.');
  }
  // Every escape must form valid UTF-8 (RFC 3986 §2.5): overlong forms such as %C0%AE ('.') are how old decoders
  // were tricked into traversal.
  if (!isValidUtf8(raw)) {
    throw new AccessControlError('TONLE_ERR_ACL_PATH_INVALID', 'The path has percent-escapes that are not valid UTF-8.');
  }
  const decoded = raw.replace(PCT, (_m, hex: string) => {
    const byte = Number.parseInt(hex, 16);
    if (byte === 0) throw new AccessControlError('TONLE_ERR_ACL_PATH_NUL', 'The path contains an encoded NUL (%00).');
    if (byte === 0x2f || byte === 0x5c) {
      throw new AccessControlError(
        'TONLE_ERR_ACL_PATH_ENCODED_SEPARATOR',
        'The path contains an encoded "/" or "\\" (%2F, %5C), which providers may decode differently.',
      );
    }
    const ch = String.fromCharCode(byte);
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
  const out: string[] = [];
  for (const segment of decoded.split('/')) {
    // Servlet containers drop path parameters before resolving dot segments (`/public/..;x=1/admin` is `/admin`
    // for Tomcat), so a dot segment carrying parameters cannot be judged safely.
    const base = segment.split(/;|%3B/)[0];
    if ((base === '.' || base === '..') && base !== segment) {
      throw new AccessControlError('TONLE_ERR_ACL_PATH_INVALID', 'The path has a "." or ".." segment with ";" parameters.');
    }
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) {
        throw new AccessControlError('TONLE_ERR_ACL_PATH_ESCAPES_ROOT', 'The path uses ".." above the service root.');
      }
      out.pop();
      continue;
    }
    out.push(segment);
  }
  // Keep a trailing slash (`/a/` and `/a` may be different resources); RFC 3986 §5.2.4 also leaves one after a
  // final `.` or `..` segment.
  const trailing = out.length > 0 && /(^|\/)\.{0,2}$/.test(decoded) ? '/' : '';
  return `/${out.join('/')}${trailing}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isValidUtf8(raw: string): boolean {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '%') {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // Literal characters are already text; only the escaped byte runs need checking, so cut the run here.
      if (bytes.length > 0 && !decodes(bytes.splice(0))) return false;
    }
  }
  return bytes.length === 0 || decodes(bytes);
}

function decodes(bytes: number[]): boolean {
  try {
    utf8.decode(new Uint8Array(bytes));
    return true;
  } catch {
    return false;
  }
}
