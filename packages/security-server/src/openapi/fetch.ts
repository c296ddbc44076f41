import { Agent, request, type Dispatcher } from 'undici';
import { OpenApiError } from './errors.ts';
import { DEFAULT_MAX_OPENAPI_BYTES } from './parse.ts';

export interface FetchOpenApiOptions {
  /** Whole-exchange limit, connect to last byte (default 10 s). */
  readonly timeoutMs?: number;
  /** Larger answers are cut off and refused (default 4 MiB, as for uploads). */
  readonly maxBytes?: number;
  /** Verify the server's TLS certificate (default true; the service's "verify TLS" flag, as in X-Road). */
  readonly tlsVerify?: boolean;
  /** For tests and proxies; a fresh agent per call otherwise. */
  readonly dispatcher?: Dispatcher;
}

/** Checks that a description URL is absolute http(s) without credentials; returns it normalised. */
export function checkDescriptionUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (e) {
    throw new OpenApiError('TONLE_ERR_OPENAPI_INVALID_URL', 'The OpenAPI description URL is not an absolute URL.', { cause: e });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OpenApiError('TONLE_ERR_OPENAPI_INVALID_URL', `The OpenAPI description URL must be http: or https:, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new OpenApiError('TONLE_ERR_OPENAPI_INVALID_URL', 'The OpenAPI description URL must not carry credentials (they would be stored).');
  }
  url.hash = '';
  return url.href;
}

function failed(url: string, why: string, cause?: unknown): OpenApiError {
  return new OpenApiError('TONLE_ERR_OPENAPI_FETCH_FAILED', `Could not fetch the OpenAPI description from ${url}: ${why}.`, cause === undefined ? {} : { cause });
}

/**
 * Downloads a description with a deadline and a size cap. Redirects are not followed (the stored source must
 * be where the document is; undici's request() does not follow them), and only 200 answers are accepted.
 */
export async function fetchOpenApiText(value: string, options: FetchOpenApiOptions = {}): Promise<{ url: string; body: Uint8Array }> {
  const url = checkDescriptionUrl(value);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_OPENAPI_BYTES;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('fetchOpenApiText: timeoutMs must be a positive number');
  const own = options.dispatcher === undefined ? new Agent({ connect: { rejectUnauthorized: options.tlsVerify ?? true } }) : undefined;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    let answer;
    try {
      answer = await request(url, {
        method: 'GET',
        headers: { accept: 'application/vnd.oai.openapi+json, application/json, application/yaml, text/yaml, */*;q=0.5' },
        dispatcher: options.dispatcher ?? own!,
        signal,
      });
    } catch (e) {
      throw failed(url, signal.aborted ? `no answer within ${timeoutMs} ms` : 'the server could not be reached', e);
    }
    if (answer.statusCode !== 200) {
      await answer.body.dump().catch(() => undefined);
      throw failed(url, `the server answered HTTP ${answer.statusCode}${answer.statusCode >= 300 && answer.statusCode < 400 ? ' (redirects are not followed; give the final URL)' : ''}`);
    }
    // Destroying the body makes undici emit an abort error on it; nobody reads it afterwards.
    const discard = (): void => void answer.body.on('error', () => undefined).destroy();
    const declared = Number(answer.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      discard();
      throw new OpenApiError('TONLE_ERR_OPENAPI_TOO_LARGE', `The OpenAPI description at ${url} is ${declared} bytes; at most ${maxBytes} are accepted.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of answer.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          discard();
          throw new OpenApiError('TONLE_ERR_OPENAPI_TOO_LARGE', `The OpenAPI description at ${url} is larger than ${maxBytes} bytes.`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      if (e instanceof OpenApiError) throw e;
      throw failed(url, signal.aborted ? `no complete answer within ${timeoutMs} ms` : 'the answer was cut off', e);
    }
    return { url, body: new Uint8Array(Buffer.concat(chunks)) };
  } finally {
    await own?.close().catch(() => undefined);
  }
}
