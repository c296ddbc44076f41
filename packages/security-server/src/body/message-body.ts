import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, unlink, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BodyError } from './errors.ts';

/**
 * A message body taken in once and replayable: held in memory when small, spooled to a private file when
 * large (architecture §5: small bodies stay in memory, large ones stream with bounded memory). Its
 * SHA-512 is computed while it arrives, so the signature check or the signing needs no second pass.
 */
export interface MessageBody {
  readonly size: number;
  /** SHA-512 of the content (the transport's digest). */
  readonly sha512: Buffer;
  /** The content when it is held in memory; undefined when spooled. */
  readonly bytes: Buffer | undefined;
  /**
   * What the message log records: the bytes when in memory, else a salted SHA-256 commitment computed
   * while spooling (the log never stores a spooled body: docs/message-log.md "Bodies").
   */
  readonly forLog: Buffer | { readonly size: number; readonly salt: Buffer; readonly sha256: Buffer };
  /** A fresh stream of the content; each call starts from the beginning. */
  open(): Readable;
  /** Removes the spool file (idempotent). Call when the exchange ends, however it ends. */
  release(): Promise<void>;
}

const EMPTY_SHA512 = createHash('sha512').digest();

/** A body already in memory (metaservice answers, tests). */
export function bodyFromBytes(bytes: Uint8Array, sha512?: Buffer): MessageBody {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: buf.length,
    sha512: sha512 ?? (buf.length === 0 ? EMPTY_SHA512 : createHash('sha512').update(buf).digest()),
    bytes: buf,
    forLog: buf,
    open: () => Readable.from([buf]),
    release: () => Promise.resolve(),
  };
}

export interface BodySpool {
  /** The directory spooled bodies are written to (mode 0700, files 0600). */
  readonly dir: string;
  /**
   * Reads `source` to its end: in memory up to the spool's memory threshold, then into a spool file.
   * Rejects with a {@link BodyError} (the partial spool file already removed) when the body exceeds
   * `maxBytes`, the source breaks off, or the file cannot be written.
   */
  read(source: AsyncIterable<Uint8Array>, options: { readonly maxBytes: number }): Promise<MessageBody>;
  /** Spool files currently held (for tests and metrics). */
  held(): number;
  /** Removes the directory when the spool created it. */
  close(): Promise<void>;
}

export interface BodySpoolOptions {
  /** A directory used by this server only: leftovers from a crash are removed at start. Default: a fresh temp dir. */
  readonly dir?: string;
  /** Bodies up to this size stay in memory. */
  readonly memoryBytes: number;
}

const FILE = /^tonle-[0-9a-f-]{36}\.spool$/;
/** Spool writes are gathered into blocks of this size: few system calls, bounded memory. */
const WRITE_BLOCK = 1024 * 1024;

/**
 * Creates the spool. X-Road spools every REST body in 8 KB writes (xroad-digest, issue #1360); Tonle keeps
 * bodies up to `memoryBytes` in memory and writes larger ones in 1 MiB blocks.
 */
export async function createBodySpool(options: BodySpoolOptions): Promise<BodySpool> {
  if (!Number.isSafeInteger(options.memoryBytes) || options.memoryBytes < 0) throw new TypeError('memoryBytes must be a non-negative integer');
  let dir: string;
  let owned = false;
  if (options.dir === undefined) {
    dir = await mkdtemp(join(tmpdir(), 'tonle-spool-'));
    owned = true;
  } else {
    dir = options.dir;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Files left by a crash hold bodies of exchanges that ended with it: they are never read again.
    for (const name of await readdir(dir)) if (FILE.test(name)) await rm(join(dir, name), { force: true });
  }
  let held = 0;

  async function read(source: AsyncIterable<Uint8Array>, { maxBytes }: { readonly maxBytes: number }): Promise<MessageBody> {
    const sha512 = createHash('sha512');
    let size = 0;
    let chunks: Buffer[] = [];
    let pending = 0;
    let file: { path: string; handle: FileHandle; salt: Buffer; sha256: ReturnType<typeof createHash> } | undefined;

    const flush = async () => {
      if (file === undefined || pending === 0) return;
      const block = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, pending);
      chunks = [];
      pending = 0;
      let written = 0;
      while (written < block.length) written += (await file.handle.write(block, written)).bytesWritten;
    };
    try {
      for await (const chunk of source) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        size += buf.length;
        if (size > maxBytes) throw new BodyError('TONLE_ERR_BODY_TOO_LARGE', `The body is larger than ${maxBytes} bytes`);
        sha512.update(buf);
        chunks.push(buf);
        pending += buf.length;
        if (file === undefined && size > options.memoryBytes) {
          const path = join(dir, `tonle-${randomUUID()}.spool`);
          let handle: FileHandle;
          try {
            handle = await open(path, 'wx', 0o600);
          } catch (error) {
            throw new BodyError('TONLE_ERR_BODY_SPOOL', 'The body cannot be spooled to disk', { cause: error });
          }
          held += 1;
          const salt = randomBytes(32);
          file = { path, handle, salt, sha256: createHash('sha256').update(salt) };
          for (const c of chunks) file.sha256.update(c);
        } else if (file !== undefined) {
          file.sha256.update(buf);
        }
        if (file !== undefined && pending >= WRITE_BLOCK) await flush().catch(spoolFailed);
      }
      await flush().catch(spoolFailed);
    } catch (error) {
      if (file !== undefined) await discard(file.path, file.handle);
      if (error instanceof BodyError) throw error;
      throw new BodyError('TONLE_ERR_BODY_ABORTED', 'The body broke off before its end', { cause: error });
    }
    const digest = sha512.digest();
    if (file === undefined) {
      return bodyFromBytes(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), digest);
    }
    const spooled = file;
    try {
      await spooled.handle.close();
    } catch (error) {
      await discard(spooled.path, undefined);
      throw new BodyError('TONLE_ERR_BODY_SPOOL', 'The spooled body cannot be closed', { cause: error });
    }
    let released = false;
    return {
      size,
      sha512: digest,
      bytes: undefined,
      forLog: { size, salt: spooled.salt, sha256: spooled.sha256.digest() },
      open: () => createReadStream(spooled.path, { highWaterMark: 256 * 1024 }),
      async release() {
        if (released) return;
        released = true;
        await discard(spooled.path, undefined);
      },
    };
  }

  function spoolFailed(error: unknown): never {
    throw new BodyError('TONLE_ERR_BODY_SPOOL', 'The body cannot be written to the spool', { cause: error });
  }

  async function discard(path: string, handle: FileHandle | undefined): Promise<void> {
    await handle?.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    held -= 1;
  }

  return {
    dir,
    read,
    held: () => held,
    async close() {
      if (owned) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What to throw for each way taking a body in can fail (each proxy has its own fault codes). */
export interface BodyFaults {
  tooLarge(): Error;
  broken(cause: unknown): Error;
  internal(cause: unknown): Error;
}

/**
 * Reads a body through the spool and turns a {@link BodyError} into the caller's fault; `onTaken` gets the
 * body as soon as it is complete, so the caller can schedule its release before anything else can fail.
 */
export async function takeBody(
  spool: BodySpool,
  source: AsyncIterable<Uint8Array>,
  options: { readonly maxBytes: number; readonly faults: BodyFaults; readonly onTaken: (body: MessageBody) => void },
): Promise<MessageBody> {
  let body: MessageBody;
  try {
    body = await spool.read(source, { maxBytes: options.maxBytes });
  } catch (error) {
    const code = (error as BodyError).code;
    if (code === 'TONLE_ERR_BODY_TOO_LARGE') throw options.faults.tooLarge();
    if (code === 'TONLE_ERR_BODY_ABORTED') throw options.faults.broken((error as BodyError).cause);
    throw options.faults.internal(error);
  }
  options.onTaken(body);
  return body;
}
