import { isMap, isScalar, parseDocument, visit, type Document } from 'yaml';
import { OpenApiError } from './errors.ts';

export type OpenApiFormat = 'json' | 'yaml';

/** 4 MiB: far above any hand-written description, small enough to parse on the admin API's thread. */
export const DEFAULT_MAX_OPENAPI_BYTES = 4 * 1024 * 1024;

/**
 * At most this many alias expansions when a YAML document is turned into values: a few hundred anchors
 * is plenty for a real description, while a "billion laughs" document needs thousands.
 */
const MAX_ALIAS_COUNT = 1000;

export interface ParsedText {
  readonly format: OpenApiFormat;
  /** The document as stored: the text exactly as received (BOM removed). */
  readonly text: string;
  readonly root: unknown;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(input: string | Uint8Array, maxBytes: number): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_TOO_LARGE',
      `The OpenAPI description is ${size} bytes; at most ${maxBytes} are accepted. Split it or remove unused parts.`,
    );
  }
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = utf8.decode(input);
    } catch (e) {
      throw new OpenApiError('TONLE_ERR_OPENAPI_SYNTAX', 'The OpenAPI description is not valid UTF-8; save it as UTF-8.', { cause: e });
    }
  }
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8 says "... at position N" (Node 20); locate it as line:column for the operator.
    const m = /position (\d+)/.exec((e as Error).message);
    const where: { line?: number; column?: number } = m === null ? {} : lineColumn(text, Number(m[1]));
    const at = where.line === undefined ? '' : ` at line ${where.line}, column ${where.column}`;
    throw new OpenApiError('TONLE_ERR_OPENAPI_SYNTAX', `The OpenAPI description is not valid JSON${at}; fix the syntax.`, {
      ...where,
      cause: e,
    });
  }
}

/**
 * The yaml library's cost grows faster than linearly with nesting (50 000 nested "{" in 250 KB exhaust the
 * heap while compiling a regular expression), so nesting is bounded before the text reaches it. A real
 * description nests a few dozen levels at most.
 */
const MAX_NESTING = 100;

/**
 * Deepest nesting of flow collections (`[`, `{`) and of compact block entries on one line (`- - -`, `? ? ?`).
 * Quoted scalars and comments are skipped; brackets inside plain scalars are counted (so only a document with
 * more than MAX_NESTING unclosed brackets in its prose is refused by mistake).
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let lineStart = true;
  let compact = 0;
  let prev = '\n';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      compact = 0;
      prev = c;
      continue;
    }
    if (lineStart && (c === '-' || c === '?') && (text[i + 1] === ' ' || text[i + 1] === '\t')) {
      compact++;
      deepest = Math.max(deepest, depth + compact);
      prev = c;
      continue;
    }
    if (c !== ' ' && c !== '\t') lineStart = false;
    if (c === '#' && (prev === ' ' || prev === '\t' || prev === '\n')) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if ((c === '"' || c === "'") && /[\s:,[{?-]/.test(prev)) {
      for (i++; i < text.length; i++) {
        if (c === '"' && text[i] === '\\') i++;
        else if (text[i] === c) {
          if (c === "'" && text[i + 1] === "'") i++;
          else break;
        }
      }
      prev = c;
      continue;
    }
    if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth + compact);
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    prev = c;
  }
  return deepest;
}

/**
 * YAML 1.2 §3.2.1.1: the keys of a mapping are unique; a repeated key is an error, not "last one wins".
 * An alias inside the node it names makes a cycle, which no JSON description can have (and on which the
 * library's alias counting never ends).
 */
function checkYamlTree(doc: Document, text: string): void {
  visit(doc, {
    Alias(_key, alias, path) {
      const source = alias.resolve(doc);
      if (source !== undefined && path.includes(source)) {
        throw new OpenApiError('TONLE_ERR_OPENAPI_TOO_COMPLEX', `The YAML alias *${alias.source.slice(0, 40)} refers to a node that contains it; a description cannot be circular.`, lineColumn(text, alias.range?.[0] ?? 0));
      }
    },
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = String(pair.key.value);
        if (seen.has(k)) {
          const where: { line?: number; column?: number } = pair.key.range === undefined || pair.key.range === null ? {} : lineColumn(text, pair.key.range[0]);
          const at = where.line === undefined ? '' : ` at line ${where.line}, column ${where.column}`;
          throw new OpenApiError('TONLE_ERR_OPENAPI_SYNTAX', `The YAML description repeats the key ${JSON.stringify(k).slice(0, 80)}${at}; keys must be unique.`, where);
        }
        seen.add(k);
      }
    },
  });
}

function parseYaml(text: string): unknown {
  if (nestingDepth(text) > MAX_NESTING) {
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_TOO_COMPLEX',
      `The YAML description nests more than ${MAX_NESTING} levels (or has that many unclosed brackets); flatten it.`,
    );
  }
  let doc;
  try {
    // The library's own uniqueKeys check compares every pair of keys (quadratic: a flat 1 MB map takes
    // minutes), so duplicates are found below with one set per mapping instead.
    doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: true });
  } catch (e) {
    throw new OpenApiError('TONLE_ERR_OPENAPI_TOO_COMPLEX', 'The OpenAPI description is nested too deeply to read; flatten it.', { cause: e });
  }
  const first = doc.errors[0];
  if (first !== undefined) {
    const where = lineColumn(text, first.pos[0]);
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_SYNTAX',
      `The OpenAPI description is not valid YAML at line ${where.line}, column ${where.column} (${first.code}); fix the syntax.`,
      { ...where, cause: first },
    );
  }
  checkYamlTree(doc, text);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new OpenApiError(
      'TONLE_ERR_OPENAPI_TOO_COMPLEX',
      `The YAML description expands too many aliases or nests too deeply (at most ${MAX_ALIAS_COUNT} alias expansions); write it without anchor chains.`,
      { cause: e },
    );
  }
}

/**
 * Reads the text of a description. A document whose first non-blank character is `{` is JSON (JSON.parse
 * gives exact positions); anything else is YAML 1.2, of which JSON is a subset. The size limit is checked
 * on the bytes before anything is parsed.
 */
export function parseDescriptionText(input: string | Uint8Array, maxBytes = DEFAULT_MAX_OPENAPI_BYTES): ParsedText {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new TypeError('parseOpenApi: the description must be a string or a Uint8Array');
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new TypeError('parseOpenApi: maxBytes must be a positive integer');
  const text = decode(input, maxBytes);
  if (text.trim() === '') throw new OpenApiError('TONLE_ERR_OPENAPI_SYNTAX', 'The OpenAPI description is empty.');
  const format: OpenApiFormat = text.trimStart().startsWith('{') ? 'json' : 'yaml';
  return { format, text, root: format === 'json' ? parseJson(text) : parseYaml(text) };
}
