import { AccessControlError } from './errors.ts';

const compiled = new Map<string, RegExp>();
const MAX_CACHED = 10_000;

/**
 * Checks an endpoint path pattern (X-Road PathGlob): it starts with `/` (or is `**`), `*` matches any characters
 * within one segment, `**` matches anything including `/`. Patterns are matched against normalised paths, so a
 * pattern must itself be normal: no `.`/`..`/empty segments, no `?`, `#`, `\`, NUL or encoded separators.
 */
export function validatePathGlob(glob: string): void {
  if (typeof glob !== 'string' || glob.length === 0 || glob.length > 2048) {
    throw new AccessControlError('TONLE_ERR_ACL_GLOB_INVALID', 'An endpoint path must be 1-2048 characters.');
  }
  if (glob === '**') return;
  if (!glob.startsWith('/')) {
    throw new AccessControlError('TONLE_ERR_ACL_GLOB_INVALID', 'An endpoint path must start with "/" (or be "**").');
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[?#\\\s\u0000-\u001f\u007f]/.test(glob) || /%(2f|5c|00)/i.test(glob) || /%(?![0-9A-Fa-f]{2})/.test(glob)) {
    throw new AccessControlError(
      'TONLE_ERR_ACL_GLOB_INVALID',
      'An endpoint path must not contain "?", "#", "\\", whitespace, control characters or encoded separators.',
    );
  }
  if (/\*{3,}/.test(glob)) {
    throw new AccessControlError('TONLE_ERR_ACL_GLOB_INVALID', 'Use "*" (one segment) or "**" (any depth), not "***".');
  }
  const segments = glob.slice(1).split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if ((segment === '' && !last) || segment === '.' || segment === '..') {
      throw new AccessControlError(
        'TONLE_ERR_ACL_GLOB_INVALID',
        'An endpoint path must not contain empty, "." or ".." segments (it is matched after normalisation).',
      );
    }
  });
}

function toRegExp(glob: string): RegExp {
  let source = '^';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        source += '.*';
        i++;
      } else {
        source += '[^/]*';
      }
    } else {
      source += ch.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`${source}$`, 's');
}

/**
 * Whether a normalised path matches an endpoint glob. The glob's own percent-escapes are compared after the same
 * unreserved-character normalisation as paths, so `/a%7Eb` and `/a~b` are the same pattern.
 */
export function matchPathGlob(glob: string, normalizedPath: string): boolean {
  let re = compiled.get(glob);
  if (re === undefined) {
    validatePathGlob(glob);
    const canonical = glob.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
      const ch = String.fromCharCode(Number.parseInt(hex, 16));
      return /^[A-Za-z0-9\-._~]$/.test(ch) ? ch : `%${hex.toUpperCase()}`;
    });
    re = toRegExp(canonical);
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(glob, re);
  }
  return re.test(normalizedPath);
}

const METHOD = /^[A-Z][A-Z0-9_-]{0,31}$/;

/** Endpoint methods are upper-case HTTP method tokens or `*` (any). */
export function validateEndpointMethod(method: string): void {
  if (method !== '*' && !(typeof method === 'string' && METHOD.test(method))) {
    throw new AccessControlError(
      'TONLE_ERR_ACL_METHOD_INVALID',
      'An endpoint method must be "*" or an upper-case HTTP method such as GET.',
    );
  }
}

export function matchMethod(pattern: string, method: string): boolean {
  return pattern === '*' || pattern === method.toUpperCase();
}
