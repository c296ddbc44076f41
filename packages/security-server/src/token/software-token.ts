import { createHash, createPublicKey, randomBytes, scrypt, sign as nodeSign, timingSafeEqual, constants, type KeyObject, type SignKeyObjectInput, type SignPrivateKeyInput } from 'node:crypto';
import { chmod, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '@tonle/protocol';
import { exportPrivateKeyPem, exportSpki, generateKeyPair, loadPrivateKey, PkiError, type KeySpec } from '@tonle/pki';
import { writeFileAtomic } from '@tonle/durable-file';
import { TokenError } from './errors.ts';

/** Key algorithms a security server may generate (xroad-digest §5; architecture §4 transport algorithms). */
export const TOKEN_KEY_SPECS = ['RSA-2048', 'RSA-3072', 'P-256', 'Ed25519'] as const;
export type TokenKeySpec = (typeof TOKEN_KEY_SPECS)[number];
export type TokenSignatureAlgorithm = 'ES256' | 'PS256' | 'RS256' | 'EdDSA';

export interface TokenKeyInfo {
  /** Lower-case hex, the first 40 hex digits of SHA-256 over the SubjectPublicKeyInfo (stable per key). */
  readonly id: string;
  readonly spec: TokenKeySpec;
  readonly label: string;
  readonly createdAt: number;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
}

export interface TokenStatus {
  readonly initialized: boolean;
  readonly loggedIn: boolean;
  /** Consecutive wrong PINs since the last successful login or lockout. */
  readonly failedAttempts: number;
  /** Set while login is refused after too many wrong PINs (epoch ms). */
  readonly lockedUntil?: number;
}

export interface SoftwareTokenOptions {
  /** Directory holding `token.json` and `keys/<id>.pem` (PIN-encrypted PKCS#8). Created if missing. */
  readonly directory: string;
  readonly clock: Clock;
  /** Wrong PINs in a row before login is locked (default 5). */
  readonly maxPinAttempts?: number;
  /** How long login stays locked after `maxPinAttempts` wrong PINs (default 60 s). */
  readonly lockoutMs?: number;
  /** Minimum PIN length on initialise / change (default 6). */
  readonly minPinLength?: number;
}

/**
 * The software token (X-Road token `0`): private keys encrypted at rest with the token PIN, usable only
 * while logged in. Login state lives in memory only, so a restart logs the token out.
 */
export interface SoftwareToken {
  status(): TokenStatus;
  initialize(pin: string): Promise<void>;
  login(pin: string): Promise<void>;
  logout(): void;
  changePin(oldPin: string, newPin: string): Promise<void>;
  generateKey(options: { spec: TokenKeySpec; label?: string }): Promise<TokenKeyInfo>;
  listKeys(): readonly TokenKeyInfo[];
  getKey(id: string): TokenKeyInfo | undefined;
  deleteKey(id: string): Promise<void>;
  /** The decrypted private key; refuses with TONLE_ERR_TOKEN_LOGGED_OUT when the token is logged out. */
  privateKey(id: string): KeyObject;
  /** Signs `data` with the key; refuses when logged out or when the algorithm does not fit the key. */
  sign(id: string, algorithm: TokenSignatureAlgorithm, data: Uint8Array): Promise<Uint8Array>;
  /** The JWS algorithm used by default for a key of this spec. */
  defaultAlgorithm(id: string): TokenSignatureAlgorithm;
}

interface PinVerifier {
  readonly kdf: 'scrypt';
  readonly salt: string;
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly hash: string;
}

interface StoredKey {
  readonly id: string;
  readonly spec: TokenKeySpec;
  readonly label: string;
  readonly createdAt: number;
  readonly spki: string;
}

interface TokenFile {
  readonly schemaVersion: 1;
  readonly pin: PinVerifier;
  readonly failedAttempts: number;
  readonly lockedUntil: number;
  /** Bumped on every PIN change; key files are named `<id>.<generation>.pem` so a PIN change is crash-safe. */
  readonly generation: number;
  readonly keys: readonly StoredKey[];
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

function scryptAsync(pin: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, 32, { ...params, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

async function makeVerifier(pin: string): Promise<PinVerifier> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(pin, salt, SCRYPT);
  return { kdf: 'scrypt', salt: salt.toString('base64'), ...SCRYPT, hash: hash.toString('base64') };
}

async function pinMatches(pin: string, v: PinVerifier): Promise<boolean> {
  const expected = Buffer.from(v.hash, 'base64');
  const actual = await scryptAsync(pin, Buffer.from(v.salt, 'base64'), v);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function isTokenFile(value: unknown): value is TokenFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const pin = v['pin'] as Record<string, unknown> | undefined;
  return (
    v['schemaVersion'] === 1 &&
    typeof pin === 'object' && pin !== null && pin['kdf'] === 'scrypt' &&
    typeof pin['salt'] === 'string' && typeof pin['hash'] === 'string' &&
    typeof pin['N'] === 'number' && typeof pin['r'] === 'number' && typeof pin['p'] === 'number' &&
    typeof v['failedAttempts'] === 'number' && typeof v['lockedUntil'] === 'number' && Number.isInteger(v['generation']) &&
    Array.isArray(v['keys']) &&
    (v['keys'] as unknown[]).every((k) => {
      const key = k as Record<string, unknown>;
      return typeof key === 'object' && key !== null && typeof key['id'] === 'string' && /^[0-9a-f]{40}$/.test(key['id']) &&
        (TOKEN_KEY_SPECS as readonly unknown[]).includes(key['spec']) && typeof key['label'] === 'string' &&
        typeof key['createdAt'] === 'number' && typeof key['spki'] === 'string';
    })
  );
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * Every signature is made on the libuv pool (node:crypto's callback form), so the event loop keeps serving
 * while it is in flight and the adaptive batch signer queues the messages that arrive meanwhile into the
 * next batch (architecture §5; as `@tonle/pki`'s Signer does). For RSA-3072 (milliseconds per signature)
 * that keeps the loop free; for ECDSA and EdDSA (tens of µs) it is what lets batches form under load at all:
 * signed synchronously, nothing could queue behind a signature. Measured side by side (docs/performance.md):
 * ES256 on the pool formed batches of about 3 messages at 50 connections and used 14 % less CPU per exchange.
 */
function signOnPool(hash: 'sha256' | null, key: SignKeyObjectInput | SignPrivateKeyInput, data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    nodeSign(hash, data, key, (error, signature) => (error === null ? resolve(new Uint8Array(signature)) : reject(error)));
  });
}

function keyIdOf(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex').slice(0, 40);
}

function assertPinShape(pin: unknown, what: string): asserts pin is string {
  if (typeof pin !== 'string') throw new TypeError(`${what} must be a string`);
}

/** Algorithms allowed per key spec (architecture §4: ES256 default, PS256/RS256 for RSA, EdDSA). */
function algorithmsFor(spec: TokenKeySpec): readonly TokenSignatureAlgorithm[] {
  switch (spec) {
    case 'RSA-2048':
    case 'RSA-3072':
      return ['PS256', 'RS256'];
    case 'P-256':
      return ['ES256'];
    case 'Ed25519':
      return ['EdDSA'];
  }
}

/**
 * Creates (or opens) the software token in `directory`.
 *
 * @example
 * ```ts
 * const token = await createSoftwareToken({ directory: '/var/lib/tonle/token', clock: systemClock });
 * if (!token.status().initialized) await token.initialize(pin);
 * await token.login(pin);
 * const key = await token.generateKey({ spec: 'P-256', label: 'sign' });
 * ```
 */
export async function createSoftwareToken(options: SoftwareTokenOptions): Promise<SoftwareToken> {
  const { directory, clock } = options;
  if (typeof directory !== 'string' || directory.length === 0) throw new TypeError('createSoftwareToken: directory is required');
  const maxPinAttempts = options.maxPinAttempts ?? 5;
  const lockoutMs = options.lockoutMs ?? 60_000;
  const minPinLength = options.minPinLength ?? 6;
  if (!Number.isInteger(maxPinAttempts) || maxPinAttempts < 1) throw new TypeError('createSoftwareToken: maxPinAttempts must be a positive integer');
  if (!Number.isFinite(lockoutMs) || lockoutMs < 0) throw new TypeError('createSoftwareToken: lockoutMs must be >= 0');
  const tokenPath = join(directory, 'token.json');
  const keyPath = (id: string, generation = requireFile().generation) => join(directory, 'keys', `${id}.${generation}.pem`);

  // Only this process's user may list or read the token (the key files are also 0600).
  await mkdir(join(directory, 'keys'), { recursive: true, mode: 0o700 });
  await chmod(directory, 0o700);
  await chmod(join(directory, 'keys'), 0o700);
  let file: TokenFile | undefined;
  try {
    const parsed: unknown = JSON.parse(await readFile(tokenPath, 'utf8'));
    if (!isTokenFile(parsed)) throw new TokenError('TONLE_ERR_TOKEN_CORRUPT', `${tokenPath} is not a valid token file; restore it from a backup`);
    file = parsed;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (e instanceof TokenError) throw e;
      throw new TokenError('TONLE_ERR_TOKEN_CORRUPT', `cannot read ${tokenPath}; restore it from a backup`, { cause: e });
    }
  }

  // Decrypted keys exist only in memory and only while logged in; the PIN itself is kept to
  // re-encrypt new keys and is dropped on logout.
  let session: { pin: string; keys: Map<string, KeyObject> } | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const save = async (next: TokenFile) => {
    await writeFileAtomic(tokenPath, JSON.stringify(next, null, 2));
    file = next;
  };
  const requireFile = (): TokenFile => {
    if (file === undefined) throw new TokenError('TONLE_ERR_TOKEN_NOT_INITIALIZED', 'the software token is not initialised; initialise it with a PIN first (POST /api/v1/initialization)');
    return file;
  };
  const requireSession = () => {
    requireFile();
    if (session === undefined) throw new TokenError('TONLE_ERR_TOKEN_LOGGED_OUT', 'the software token is logged out; log in with the token PIN (PUT /api/v1/tokens/0/login)');
    return session;
  };
  const checkPinPolicy = (pin: string) => {
    if (pin.length < minPinLength || pin.length > 256 || hasControlCharacter(pin)) {
      throw new TokenError('TONLE_ERR_TOKEN_WEAK_PIN', `the PIN must be ${minPinLength}-256 printable characters`);
    }
  };
  const toInfo = (k: StoredKey): TokenKeyInfo =>
    Object.freeze({ id: k.id, spec: k.spec, label: k.label, createdAt: k.createdAt, spki: new Uint8Array(Buffer.from(k.spki, 'base64')) });
  const findKey = (id: string): StoredKey => {
    const k = requireFile().keys.find((x) => x.id === id);
    if (k === undefined) throw new TokenError('TONLE_ERR_TOKEN_KEY_NOT_FOUND', `no key ${id} on the token; list keys with GET /api/v1/tokens/0`);
    return k;
  };

  /** Verifies the PIN with lockout bookkeeping persisted, so a restart does not reset the counter. */
  const verifyPin = async (pin: string): Promise<void> => {
    const f = requireFile();
    const now = clock.now();
    if (f.lockedUntil > now) {
      throw new TokenError('TONLE_ERR_TOKEN_LOCKED', `too many wrong PINs; try again after ${new Date(f.lockedUntil).toISOString()}`, { retryAt: f.lockedUntil });
    }
    if (await pinMatches(pin, f.pin)) {
      if (f.failedAttempts !== 0 || f.lockedUntil !== 0) await save({ ...f, failedAttempts: 0, lockedUntil: 0 });
      return;
    }
    const failed = f.failedAttempts + 1;
    if (failed >= maxPinAttempts) {
      const lockedUntil = now + lockoutMs;
      await save({ ...f, failedAttempts: 0, lockedUntil });
      throw new TokenError('TONLE_ERR_TOKEN_LOCKED', `wrong PIN ${failed} times; login is locked until ${new Date(lockedUntil).toISOString()}`, { retryAt: lockedUntil });
    }
    await save({ ...f, failedAttempts: failed, lockedUntil: 0 });
    throw new TokenError('TONLE_ERR_TOKEN_WRONG_PIN', `wrong PIN (${maxPinAttempts - failed} attempts left before lockout)`);
  };

  const decryptAll = async (f: TokenFile, pin: string): Promise<Map<string, KeyObject>> => {
    const keys = new Map<string, KeyObject>();
    for (const k of f.keys) {
      let pem: string;
      try {
        pem = await readFile(keyPath(k.id), 'utf8');
      } catch (e) {
        throw new TokenError('TONLE_ERR_TOKEN_CORRUPT', `key file for ${k.id} is missing; restore the token directory from a backup`, { cause: e });
      }
      let key: KeyObject;
      try {
        key = loadPrivateKey(pem, { pin });
      } catch (e) {
        throw new TokenError('TONLE_ERR_TOKEN_CORRUPT', `key file for ${k.id} does not decrypt with the token PIN; restore it from a backup`, { cause: PkiError.is(e) ? e.code : undefined });
      }
      if (keyIdOf(exportSpki(createPublicKey(key))) !== k.id) {
        throw new TokenError('TONLE_ERR_TOKEN_CORRUPT', `key file for ${k.id} holds another key; restore it from a backup`);
      }
      keys.set(k.id, key);
    }
    return keys;
  };

  const token: SoftwareToken = {
    status() {
      const now = clock.now();
      return Object.freeze({
        initialized: file !== undefined,
        loggedIn: session !== undefined,
        failedAttempts: file?.failedAttempts ?? 0,
        ...(file !== undefined && file.lockedUntil > now ? { lockedUntil: file.lockedUntil } : {}),
      });
    },
    initialize(pin) {
      assertPinShape(pin, 'initialize: pin');
      return serial(async () => {
        if (file !== undefined) throw new TokenError('TONLE_ERR_TOKEN_ALREADY_INITIALIZED', 'the software token is already initialised; change its PIN instead');
        checkPinPolicy(pin);
        await save({ schemaVersion: 1, pin: await makeVerifier(pin), failedAttempts: 0, lockedUntil: 0, generation: 0, keys: [] });
      });
    },
    login(pin) {
      assertPinShape(pin, 'login: pin');
      return serial(async () => {
        await verifyPin(pin);
        const f = requireFile();
        session = { pin, keys: await decryptAll(f, pin) };
      });
    },
    logout() {
      session = undefined;
    },
    changePin(oldPin, newPin) {
      assertPinShape(oldPin, 'changePin: oldPin');
      assertPinShape(newPin, 'changePin: newPin');
      return serial(async () => {
        await verifyPin(oldPin);
        checkPinPolicy(newPin);
        const f = requireFile();
        const keys = await decryptAll(f, oldPin);
        // Write the re-encrypted keys under the next generation, then switch token.json atomically,
        // then remove the old files: a crash at any point leaves one complete, consistent set.
        const next = f.generation + 1;
        for (const [id, key] of keys) await writeFileAtomic(keyPath(id, next), exportPrivateKeyPem(key, { pin: newPin }));
        await save({ ...requireFile(), pin: await makeVerifier(newPin), failedAttempts: 0, lockedUntil: 0, generation: next });
        for (const id of keys.keys()) await rm(keyPath(id, f.generation), { force: true });
        if (session !== undefined) session = { pin: newPin, keys };
      });
    },
    generateKey({ spec, label = '' }) {
      if (!(TOKEN_KEY_SPECS as readonly string[]).includes(spec)) {
        return Promise.reject(new TokenError('TONLE_ERR_TOKEN_UNSUPPORTED_ALGORITHM', `key spec must be one of ${TOKEN_KEY_SPECS.join(', ')}`));
      }
      if (typeof label !== 'string' || label.length > 255) return Promise.reject(new TypeError('generateKey: label must be a string of at most 255 characters'));
      return serial(async () => {
        const s = requireSession();
        const pair = await generateKeyPair(spec as KeySpec);
        const spki = exportSpki(pair.publicKey);
        const id = keyIdOf(spki);
        await writeFileAtomic(keyPath(id), exportPrivateKeyPem(pair.privateKey, { pin: s.pin }));
        const stored: StoredKey = { id, spec, label, createdAt: clock.now(), spki: Buffer.from(spki).toString('base64') };
        const f = requireFile();
        await save({ ...f, keys: [...f.keys, stored] });
        s.keys.set(id, pair.privateKey);
        return toInfo(stored);
      });
    },
    listKeys() {
      return (file?.keys ?? []).map(toInfo);
    },
    getKey(id) {
      const k = file?.keys.find((x) => x.id === id);
      return k === undefined ? undefined : toInfo(k);
    },
    deleteKey(id) {
      return serial(async () => {
        requireSession();
        findKey(id);
        const f = requireFile();
        await save({ ...f, keys: f.keys.filter((k) => k.id !== id) });
        session?.keys.delete(id);
        await rm(keyPath(id), { force: true });
      });
    },
    privateKey(id) {
      const s = requireSession();
      findKey(id);
      const key = s.keys.get(id);
      if (key === undefined) throw new TokenError('TONLE_ERR_TOKEN_KEY_NOT_FOUND', `no key ${id} on the token`);
      return key;
    },
    defaultAlgorithm(id) {
      return algorithmsFor(findKey(id).spec)[0] as TokenSignatureAlgorithm;
    },
    async sign(id, algorithm, data) {
      if (!(data instanceof Uint8Array)) throw new TypeError('sign: data must be a Uint8Array');
      const stored = findKey(id);
      if (!algorithmsFor(stored.spec).includes(algorithm)) {
        throw new TokenError('TONLE_ERR_TOKEN_UNSUPPORTED_ALGORITHM', `key ${id} (${stored.spec}) cannot sign with ${algorithm}; use ${algorithmsFor(stored.spec).join(' or ')}`);
      }
      const key = token.privateKey(id);
      switch (algorithm) {
        case 'ES256':
          return signOnPool('sha256', { key, dsaEncoding: 'ieee-p1363' }, data);
        case 'PS256':
          return signOnPool('sha256', { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, data);
        case 'RS256':
          return signOnPool('sha256', { key }, data);
        case 'EdDSA':
          return signOnPool(null, { key }, data);
      }
    },
  };
  return token;
}
