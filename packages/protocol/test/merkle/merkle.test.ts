import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompactMerkleTree,
  consistencyProof,
  inclusionProof,
  merkleLeafHash,
  merkleRoot,
  verifyConsistency,
  verifyInclusion,
} from '@tonle/protocol';

const sha256 = (data: Uint8Array): Uint8Array => createHash('sha256').update(data).digest();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const leavesOf = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => merkleLeafHash(sha256, Buffer.from(`leaf ${i}`)));

// The certificate-transparency test inputs (RFC 6962 reference implementation's test data).
const CT_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) =>
  Buffer.from(h, 'hex'),
);

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree and an empty leaf like RFC 6962', () => {
    expect(hex(merkleRoot(sha256, []))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(merkleLeafHash(sha256, new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('gives the reference root for the eight test leaves', () => {
    const root = merkleRoot(sha256, CT_INPUTS.map((d) => merkleLeafHash(sha256, d)));
    expect(hex(root)).toBe('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
  });
});

describe('inclusion proofs', () => {
  it('verify for every leaf of every tree up to 40 leaves', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = leavesOf(n);
      const root = merkleRoot(sha256, leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(sha256, leaves, i);
        expect(verifyInclusion(sha256, { leafHash: leaves[i] as Uint8Array, index: i, treeSize: n, proof, root })).toBe(true);
      }
    }
  });

  it('fail for a wrong leaf, index, size, root or a tampered proof', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 70 }), fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = leavesOf(n);
        const root = merkleRoot(sha256, leaves);
        const i = a % n;
        const other = (i + 1 + (b % (n - 1))) % n;
        const proof = inclusionProof(sha256, leaves, i);
        const leafHash = leaves[i] as Uint8Array;
        expect(verifyInclusion(sha256, { leafHash: leaves[other] as Uint8Array, index: i, treeSize: n, proof, root })).toBe(false);
        expect(verifyInclusion(sha256, { leafHash, index: other, treeSize: n, proof, root })).toBe(false);
        expect(verifyInclusion(sha256, { leafHash, index: i, treeSize: n, proof, root: sha256(root) })).toBe(false);
        // (A proof can verify against the same root under another tree size; checkpoints sign size and
        // root together, which is why verifiers take both from one signed tree head.)
        expect(verifyInclusion(sha256, { leafHash, index: n, treeSize: n, proof, root })).toBe(false);
        if (proof.length > 0) {
          const tampered = proof.map((p, k) => (k === b % proof.length ? sha256(p) : p));
          expect(verifyInclusion(sha256, { leafHash, index: i, treeSize: n, proof: tampered, root })).toBe(false);
          expect(verifyInclusion(sha256, { leafHash, index: i, treeSize: n, proof: proof.slice(1), root })).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('consistency proofs', () => {
  it('verify between every pair of sizes up to 33', () => {
    for (let n = 1; n <= 33; n++) {
      const leaves = leavesOf(n);
      const newRoot = merkleRoot(sha256, leaves);
      for (let m = 0; m <= n; m++) {
        const oldRoot = merkleRoot(sha256, leaves.slice(0, m));
        const proof = consistencyProof(sha256, leaves, m);
        expect(verifyConsistency(sha256, { oldSize: m, newSize: n, oldRoot, newRoot, proof }), `${m}->${n}`).toBe(true);
      }
    }
  });

  it('fail when history was rewritten', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = leavesOf(n);
        const m = 1 + (a % (n - 1));
        const oldRoot = merkleRoot(sha256, leaves.slice(0, m));
        const rewritten = [...leaves];
        rewritten[b % m] = sha256(Buffer.from('forged'));
        const newRoot = merkleRoot(sha256, rewritten);
        const proof = consistencyProof(sha256, rewritten, m);
        expect(verifyConsistency(sha256, { oldSize: m, newSize: n, oldRoot, newRoot, proof })).toBe(false);
        expect(verifyConsistency(sha256, { oldSize: n, newSize: m, oldRoot, newRoot, proof })).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CompactMerkleTree', () => {
  it('tracks the same root as the full computation at every size', () => {
    const leaves = leavesOf(100);
    const tree = new CompactMerkleTree(sha256);
    expect(hex(tree.root())).toBe(hex(merkleRoot(sha256, [])));
    leaves.forEach((leaf, i) => {
      tree.append(leaf);
      expect(tree.size).toBe(i + 1);
      expect(hex(tree.root())).toBe(hex(merkleRoot(sha256, leaves.slice(0, i + 1))));
    });
  });
});
