import { createHash } from 'node:crypto';
import { verifyConsistency, verifyInclusion, type ConsistencyClaim, type InclusionClaim, type MerkleHash } from '@tonle/protocol';
import { AuditError } from '../errors.ts';

const sha256: MerkleHash = (data) => createHash('sha256').update(data).digest();

/** RFC 9162 §2.1.1 leaf hash with SHA-256 (the log's hash), via @tonle/protocol. */
export function leafHash(data: Uint8Array): Uint8Array {
  // The same bytes as merkleLeafHash(sha256, data), fed to the hash in parts: no copy of the entry, which
  // the security server computes for every record it logs (docs/performance.md).
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** RFC 9162 §2.1.1 interior node hash with SHA-256 (as merkleNodeHash(sha256, left, right), without the copy). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** Checks a consistency proof between two roots with SHA-256 (protocol's `verifyConsistency`). */
export function verifyLogConsistency(claim: ConsistencyClaim): boolean {
  return verifyConsistency(sha256, claim);
}

/** Checks an inclusion proof against a root with SHA-256 (protocol's `verifyInclusion`). */
export function verifyLeafInclusion(claim: InclusionClaim): boolean {
  return verifyInclusion(sha256, claim);
}

const EMPTY_ROOT = sha256(new Uint8Array(0));

/** One perfect subtree of the frontier: leaves [start, start + size). */
export interface FrontierNode {
  readonly start: number;
  readonly size: number;
  readonly hash: Uint8Array;
}

/**
 * The compact range [0, size) of an append-only Merkle tree: the roots of its maximal perfect subtrees,
 * left to right. Appending is O(log n) and gives the RFC 6962 root at any size without keeping the leaves,
 * which is what lets the writer checkpoint cheaply and lets a segment file start from where the previous
 * one ended (its header carries the frontier, authenticated by the next signed checkpoint).
 */
export class MerkleFrontier {
  #nodes: FrontierNode[];

  constructor(nodes: readonly FrontierNode[] = []) {
    let expectedStart = 0;
    for (const n of nodes) {
      if (n.start !== expectedStart || n.size <= 0 || (n.size & (n.size - 1)) !== 0 || n.hash.length !== 32) {
        throw new AuditError('TONLE_ERR_AUDIT_MERKLE_RANGE', 'frontier nodes must be adjacent power-of-two subtrees from 0');
      }
      expectedStart += n.size;
    }
    this.#nodes = [...nodes];
  }

  get size(): number {
    const last = this.#nodes.at(-1);
    return last === undefined ? 0 : last.start + last.size;
  }

  get nodes(): readonly FrontierNode[] {
    return this.#nodes;
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.#nodes);
  }

  push(hash: Uint8Array): void {
    let node: FrontierNode = { start: this.size, size: 1, hash };
    for (;;) {
      const last = this.#nodes.at(-1);
      if (last === undefined || last.size !== node.size) break;
      this.#nodes.pop();
      node = { start: last.start, size: last.size * 2, hash: nodeHash(last.hash, node.hash) };
    }
    this.#nodes.push(node);
  }

  /** RFC 6962 MTH of the first `size` leaves: fold the subtree roots from the right. */
  root(): Uint8Array {
    const nodes = this.#nodes;
    const last = nodes.at(-1);
    if (last === undefined) return EMPTY_ROOT;
    let acc = last.hash;
    for (let i = nodes.length - 2; i >= 0; i--) acc = nodeHash(nodes[i]!.hash, acc);
    return acc;
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Hashes over a stretch of the log that starts at `base.size` (whose earlier leaves are known only through
 * the frontier) followed by explicit leaf hashes. Gives RFC 9162 §2.1.3 inclusion proofs for leaves at or
 * after `base.size` in any tree size up to the end of `leaves`.
 */
export class MerkleRange {
  readonly #base: Map<string, Uint8Array>;
  readonly #start: number;
  readonly #leaves: readonly Uint8Array[];

  constructor(base: MerkleFrontier, leaves: readonly Uint8Array[]) {
    this.#base = new Map(base.nodes.map((n) => [`${n.start}:${n.size}`, n.hash]));
    this.#start = base.size;
    this.#leaves = leaves;
  }

  get end(): number {
    return this.#start + this.#leaves.length;
  }

  #hash(a: number, b: number): Uint8Array {
    const known = this.#base.get(`${a}:${b - a}`);
    if (known !== undefined) return known;
    if (b - a === 1 && a >= this.#start) return this.#leaves[a - this.#start]!;
    if (b - a <= 1) throw new AuditError('TONLE_ERR_AUDIT_MERKLE_RANGE', `leaf ${a} is before the known range`);
    const k = largestPowerOfTwoBelow(b - a);
    return nodeHash(this.#hash(a, a + k), this.#hash(a + k, b));
  }

  root(treeSize: number): Uint8Array {
    this.#check(this.#start, treeSize);
    return treeSize === 0 ? EMPTY_ROOT : this.#hash(0, treeSize);
  }

  /** Audit path for `index` in the tree of `treeSize` leaves, deepest sibling first (RFC 9162 §2.1.3.1). */
  inclusionProof(index: number, treeSize: number): Uint8Array[] {
    this.#check(index, treeSize);
    const path: Uint8Array[] = [];
    const walk = (m: number, a: number, b: number): void => {
      if (b - a <= 1) return;
      const k = largestPowerOfTwoBelow(b - a);
      if (m < k) {
        walk(m, a, a + k);
        path.push(this.#hash(a + k, b));
      } else {
        walk(m - k, a + k, b);
        path.push(this.#hash(a, a + k));
      }
    };
    walk(index, 0, treeSize);
    return path;
  }

  /**
   * RFC 9162 §2.1.4.1 consistency proof from tree size `oldSize` to `newSize` (both at or after the
   * frontier base; `oldSize` > 0).
   */
  consistencyProof(oldSize: number, newSize: number): Uint8Array[] {
    if (!Number.isSafeInteger(oldSize) || oldSize <= 0 || oldSize > newSize || newSize > this.end || oldSize < this.#start) {
      throw new AuditError('TONLE_ERR_AUDIT_MERKLE_RANGE', `cannot prove consistency from ${oldSize} to ${newSize} with leaves [${this.#start}, ${this.end})`);
    }
    const sub = (m: number, a: number, b: number, complete: boolean): Uint8Array[] => {
      if (m === b - a) return complete ? [] : [this.#hash(a, b)];
      const k = largestPowerOfTwoBelow(b - a);
      if (m <= k) return [...sub(m, a, a + k, complete), this.#hash(a + k, b)];
      return [...sub(m - k, a + k, b, false), this.#hash(a, a + k)];
    };
    return oldSize === newSize ? [] : sub(oldSize, 0, newSize, true);
  }

  #check(index: number, treeSize: number): void {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < this.#start || treeSize > this.end || (index >= treeSize && treeSize > 0)) {
      throw new AuditError('TONLE_ERR_AUDIT_MERKLE_RANGE', `cannot prove leaf ${index} in tree size ${treeSize} from leaves [${this.#start}, ${this.end})`);
    }
  }
}
