/**
 * Merkle trees with RFC 6962 / RFC 9162 hashing: leaf = H(0x00 || data), node = H(0x01 || left || right),
 * the split at the largest power of two below the size. One module serves the batch signer (one signature
 * over many messages), the message log (checkpoints over records) and the auditor's verifier.
 * The hash is injected (node:crypto SHA-256 on servers) so this stays runtime-neutral.
 */

/** A synchronous hash function, e.g. SHA-256. */
export type MerkleHash = (data: Uint8Array) => Uint8Array;

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

/**
 * The leaf hash of one entry: H(0x00 || data) (RFC 9162 2.1.1).
 *
 * @example
 * ```ts
 * const leaf = merkleLeafHash(sha256, new TextEncoder().encode('record'));
 * ```
 */
export function merkleLeafHash(hash: MerkleHash, data: Uint8Array): Uint8Array {
  return hash(concat(LEAF, data));
}

/**
 * The hash of an inner node: H(0x01 || left || right).
 *
 * @example
 * ```ts
 * const parent = merkleNodeHash(sha256, leftHash, rightHash);
 * ```
 */
export function merkleNodeHash(hash: MerkleHash, left: Uint8Array, right: Uint8Array): Uint8Array {
  return hash(concat(NODE, left, right));
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function checkSize(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer`);
}

/**
 * The tree head of a list of leaf hashes (MTH, RFC 9162 2.1.1); the empty tree's root is H().
 *
 * @example
 * ```ts
 * const root = merkleRoot(sha256, records.map((r) => merkleLeafHash(sha256, r)));
 * ```
 */
export function merkleRoot(hash: MerkleHash, leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return hash(new Uint8Array(0));
  return subtreeRoot(hash, leafHashes, 0, leafHashes.length);
}

function subtreeRoot(hash: MerkleHash, leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start] as Uint8Array;
  const k = largestPowerOfTwoBelow(n);
  return merkleNodeHash(hash, subtreeRoot(hash, leaves, start, start + k), subtreeRoot(hash, leaves, start + k, end));
}

/**
 * The audit path proving leaf `index` is in the tree of `leafHashes` (PATH, RFC 9162 2.1.3.1), leaf side
 * first.
 *
 * @example
 * ```ts
 * const proof = inclusionProof(sha256, leaves, 3);
 * verifyInclusion(sha256, { leafHash: leaves[3], index: 3, treeSize: leaves.length, proof, root }); // true
 * ```
 */
export function inclusionProof(hash: MerkleHash, leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  checkSize(index, 'index');
  if (index >= leafHashes.length) throw new RangeError(`index ${index} is outside a tree of ${leafHashes.length}`);
  const path: Uint8Array[] = [];
  let start = 0;
  let end = leafHashes.length;
  let m = index;
  const stack: Uint8Array[] = [];
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m < k) {
      stack.push(subtreeRoot(hash, leafHashes, start + k, end));
      end = start + k;
    } else {
      stack.push(subtreeRoot(hash, leafHashes, start, start + k));
      start += k;
      m -= k;
    }
  }
  // Collected root-side first; the proof lists the leaf side first.
  for (let i = stack.length - 1; i >= 0; i--) path.push(stack[i] as Uint8Array);
  return path;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * RFC 9162 2.1.3.2 step 4.b.ii (and 2.1.4.2 step 6.b.iii): when fn is a left child that is also the last
 * node of its level, right-shift fn and sn together until fn is a right child or the root.
 */
function shiftToRightChild(fn: number, sn: number): [number, number] {
  while (fn % 2 === 0 && fn !== 0) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return [fn, sn];
}

/** What an inclusion proof is checked against. */
export interface InclusionClaim {
  readonly leafHash: Uint8Array;
  readonly index: number;
  readonly treeSize: number;
  readonly proof: readonly Uint8Array[];
  readonly root: Uint8Array;
}

/**
 * Verifies an inclusion proof (RFC 9162 2.1.3.2). Never throws for bad input: a malformed claim is false.
 *
 * @example
 * ```ts
 * verifyInclusion(sha256, { leafHash, index, treeSize, proof, root }); // true or false
 * ```
 */
export function verifyInclusion(hash: MerkleHash, claim: InclusionClaim): boolean {
  const { index, treeSize, proof } = claim;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = claim.leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = merkleNodeHash(hash, p, r);
      [fn, sn] = shiftToRightChild(fn, sn);
    } else {
      r = merkleNodeHash(hash, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, claim.root);
}

/**
 * The proof that the tree of the first `oldSize` leaves is a prefix of the tree of all `leafHashes`
 * (PROOF, RFC 9162 2.1.4.1).
 *
 * @example
 * ```ts
 * const proof = consistencyProof(sha256, leaves, 5);
 * verifyConsistency(sha256, { oldSize: 5, newSize: leaves.length, oldRoot, newRoot, proof }); // true
 * ```
 */
export function consistencyProof(hash: MerkleHash, leafHashes: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  checkSize(oldSize, 'oldSize');
  if (oldSize > leafHashes.length) throw new RangeError(`oldSize ${oldSize} is larger than the tree (${leafHashes.length})`);
  if (oldSize === 0 || oldSize === leafHashes.length) return [];
  return subproof(hash, leafHashes, oldSize, 0, leafHashes.length, true);
}

function subproof(
  hash: MerkleHash,
  leaves: readonly Uint8Array[],
  m: number,
  start: number,
  end: number,
  complete: boolean,
): Uint8Array[] {
  const n = end - start;
  if (m === n) return complete ? [] : [subtreeRoot(hash, leaves, start, end)];
  const k = largestPowerOfTwoBelow(n);
  if (m <= k) {
    return [...subproof(hash, leaves, m, start, start + k, complete), subtreeRoot(hash, leaves, start + k, end)];
  }
  return [...subproof(hash, leaves, m - k, start + k, end, false), subtreeRoot(hash, leaves, start, start + k)];
}

/** What a consistency proof is checked against. */
export interface ConsistencyClaim {
  readonly oldSize: number;
  readonly newSize: number;
  readonly oldRoot: Uint8Array;
  readonly newRoot: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

/**
 * Verifies that a log only grew between two tree heads (RFC 9162 2.1.4.2). Never throws for bad input.
 *
 * @example
 * ```ts
 * verifyConsistency(sha256, { oldSize, newSize, oldRoot, newRoot, proof }); // true or false
 * ```
 */
export function verifyConsistency(hash: MerkleHash, claim: ConsistencyClaim): boolean {
  const { oldSize, newSize, oldRoot, newRoot } = claim;
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return claim.proof.length === 0 && equal(oldRoot, newRoot);
  if (oldSize === 0) return claim.proof.length === 0;
  const path = [...claim.proof];
  // RFC 9162 2.1.4.2 step 1: when the old tree is a perfect subtree its root starts the path.
  if (Number.isInteger(Math.log2(oldSize))) path.unshift(oldRoot);
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = path[0] as Uint8Array;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = merkleNodeHash(hash, c, fr);
      sr = merkleNodeHash(hash, c, sr);
      [fn, sn] = shiftToRightChild(fn, sn);
    } else {
      sr = merkleNodeHash(hash, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

/**
 * An append-only tree that keeps only the roots of its perfect subtrees (O(log n) memory), for logs
 * that grow one leaf at a time and need the current root at each checkpoint.
 *
 * @example
 * ```ts
 * const tree = new CompactMerkleTree(sha256);
 * tree.append(merkleLeafHash(sha256, record));
 * tree.root(); // equals merkleRoot(sha256, allLeafHashes)
 * ```
 */
export class CompactMerkleTree {
  readonly #hash: MerkleHash;
  /** Roots of perfect subtrees, largest (leftmost) first, with their sizes. */
  readonly #peaks: { hash: Uint8Array; size: number }[] = [];
  #size = 0;

  constructor(hash: MerkleHash) {
    this.#hash = hash;
  }

  /** How many leaves the tree has. */
  get size(): number {
    return this.#size;
  }

  /** Appends one leaf hash. */
  append(leafHash: Uint8Array): void {
    let peak = { hash: leafHash, size: 1 };
    let last = this.#peaks.at(-1);
    while (last !== undefined && last.size === peak.size) {
      this.#peaks.pop();
      peak = { hash: merkleNodeHash(this.#hash, last.hash, peak.hash), size: last.size * 2 };
      last = this.#peaks.at(-1);
    }
    this.#peaks.push(peak);
    this.#size += 1;
  }

  /** The current tree head. */
  root(): Uint8Array {
    if (this.#peaks.length === 0) return this.#hash(new Uint8Array(0));
    let root = (this.#peaks.at(-1) as { hash: Uint8Array }).hash;
    for (let i = this.#peaks.length - 2; i >= 0; i--) {
      root = merkleNodeHash(this.#hash, (this.#peaks[i] as { hash: Uint8Array }).hash, root);
    }
    return root;
  }
}
