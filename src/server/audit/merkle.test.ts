import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  EMPTY_ROOT,
  MerkleTree,
  RootAccumulator,
  consistencyProofRanges,
  inclusionProofRanges,
  leafHash,
  nodeHash,
  rootFromInclusionProof,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";
import { prng } from "../../../test/helpers/fuzz.js";

const h = (hex: string): Buffer => Buffer.from(hex, "hex");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/**
 * Test vectors of the RFC 6962 reference implementation in Go, github.com/transparency-dev/merkle:
 * rfc6962/rfc6962_test.go (hasher), proof/verify_test.go (the 8 leaves, the roots of the trees of 1..8 of
 * them, inclusion and consistency proofs) and testdata/consistency/1/happy-path.json (base64 form).
 */
const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(h);
const ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
/** [leaf index (0-based), tree size, proof]. */
const INCLUSION: [number, number, string[]][] = [
  [0, 1, []],
  [0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
];
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]],
  [6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
  [2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]],
  [6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a", "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]],
];

/** A straight transcription of the RFC 9162 §2.1.1 / 2.1.3.1 / 2.1.4.1 definitions, recursive over the leaves. */
const ref = {
  mth(d: Buffer[]): Buffer {
    if (d.length === 0) return createHash("sha256").digest();
    if (d.length === 1) return d[0]!;
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return nodeHash(ref.mth(d.slice(0, k)), ref.mth(d.slice(k)));
  },
  path(m: number, d: Buffer[]): Buffer[] {
    if (d.length === 1) return [];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return m < k ? [...ref.path(m, d.slice(0, k)), ref.mth(d.slice(k))] : [...ref.path(m - k, d.slice(k)), ref.mth(d.slice(0, k))];
  },
  subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
    if (m === d.length) return b ? [] : [ref.mth(d)];
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return m <= k ? [...ref.subproof(m, d.slice(0, k), b), ref.mth(d.slice(k))] : [...ref.subproof(m - k, d.slice(k), false), ref.mth(d.slice(0, k))];
  },
};

const randomLeaves = (n: number, salt = ""): Buffer[] => Array.from({ length: n }, (_, i) => leafHash(`${salt}leaf-${i}`));
const flipBit = (b: Buffer, bit = 0): Buffer => {
  const c = Buffer.from(b);
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
};

describe("RFC 9162 hashes (transparency-dev/merkle rfc6962_test.go vectors)", () => {
  it("hashes the empty tree, an empty leaf, a leaf and a node as the reference does", () => {
    expect(hex(EMPTY_ROOT)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hex(leafHash(Buffer.alloc(0)))).toBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    expect(hex(leafHash("L123456"))).toBe("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    expect(hex(nodeHash(Buffer.from("N123"), Buffer.from("N456")))).toBe("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
  });

  it("separates leaves from nodes and depends on order", () => {
    const a = leafHash("Hello");
    const b = leafHash("World");
    expect(hex(nodeHash(a, b))).not.toBe(hex(leafHash(Buffer.concat([a, b]))));
    expect(hex(nodeHash(a, b))).not.toBe(hex(nodeHash(b, a)));
  });
});

describe("Merkle tree roots and proofs against the reference vectors (transparency-dev/merkle proof/verify_test.go)", () => {
  const leaves = LEAVES.map((l) => leafHash(l));
  const tree = new MerkleTree(leaves);

  it("computes the root of the trees of 1..8 leaves", () => {
    for (let n = 1; n <= 8; n++) {
      expect(hex(tree.root(n)), `size ${n}`).toBe(ROOTS[n - 1]);
      expect(hex(rootOf(leaves.slice(0, n))), `size ${n} (streaming)`).toBe(ROOTS[n - 1]);
    }
    expect(hex(tree.root(0))).toBe(hex(EMPTY_ROOT));
  });

  it("generates and verifies the reference inclusion proofs", () => {
    for (const [index, size, proof] of INCLUSION) {
      expect(tree.inclusionProof(index, size).map(hex), `${index}@${size}`).toEqual(proof);
      expect(verifyInclusion(index, size, leaves[index]!, proof.map(h), h(ROOTS[size - 1]!))).toBe(true);
    }
  });

  it("generates and verifies the reference consistency proofs", () => {
    for (const [m, n, proof] of CONSISTENCY) {
      expect(tree.consistencyProof(m, n).map(hex), `${m}→${n}`).toEqual(proof);
      expect(verifyConsistency(m, n, h(ROOTS[m - 1]!), h(ROOTS[n - 1]!), proof.map(h))).toBe(true);
    }
  });

  it("accepts the base64 happy-path vector of testdata/consistency/1", () => {
    const b64 = (s: string): Buffer => Buffer.from(s, "base64");
    const proof = ["lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=", "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=", "a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ="].map(b64);
    expect(verifyConsistency(1, 8, b64("bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0="), b64("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="), proof)).toBe(true);
  });

  it("rejects the reference's corrupted inclusion probes", () => {
    const someHash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (const [index, size, proofHex] of INCLUSION.slice(1)) {
      const proof = proofHex.map(h);
      const root = h(ROOTS[size - 1]!);
      const leaf = leaves[index]!;
      const probes: [string, number, number, Buffer, Buffer[], Buffer][] = [
        ["index - 1", index - 1, size, leaf, proof, root],
        ["index + 1", index + 1, size, leaf, proof, root],
        ["index ^ 2", index ^ 2, size, leaf, proof, root],
        ["size * 2", index, size * 2, leaf, proof, root],
        ["size / 2", index, Math.floor(size / 2), leaf, proof, root],
        ["wrong leaf", index, size, leafHash("WrongLeaf"), proof, root],
        ["empty root", index, size, leaf, proof, EMPTY_ROOT],
        ["random root", index, size, leaf, proof, someHash],
        ["trailing garbage", index, size, leaf, [...proof, Buffer.alloc(0)], root],
        ["trailing root", index, size, leaf, [...proof, root], root],
        ["preceding garbage", index, size, leaf, [Buffer.alloc(0), ...proof], root],
        ["preceding root", index, size, leaf, [root, ...proof], root],
        ...proof.map((_, i): [string, number, number, Buffer, Buffer[], Buffer] => [`flipped proof[${i}]`, index, size, leaf, proof.map((p, j) => (j === i ? flipBit(p, 3) : p)), root]),
      ];
      if (proof.length > 0) probes.push(["removed component", index, size, leaf, proof.slice(0, -1), root]);
      if (proof.length > 1) probes.push(["inserted component", index, size, leaf, [proof[0]!, someHash, ...proof.slice(1)], root]);
      for (const [desc, i, n, l, p, r] of probes) expect(verifyInclusion(i, n, l, p, r), `${index}@${size}: ${desc}`).toBe(false);
    }
  });

  it("rejects the reference's corrupted consistency probes", () => {
    for (const [m, n, proofHex] of CONSISTENCY.filter(([, , p]) => p.length > 0)) {
      const proof = proofHex.map(h);
      const r1 = h(ROOTS[m - 1]!);
      const r2 = h(ROOTS[n - 1]!);
      const probes: [string, number, number, Buffer, Buffer, Buffer[]][] = [
        ["m - 1", m - 1, n, r1, r2, proof],
        ["m + 1", m + 1, n, r1, r2, proof],
        ["m ^ 2", m ^ 2, n, r1, r2, proof],
        ["n * 2", m, n * 2, r1, r2, proof],
        ["n / 2", m, Math.floor(n / 2), r1, r2, proof],
        ["wrong root1", m, n, Buffer.from("WrongRoot"), r2, proof],
        ["wrong root2", m, n, r1, Buffer.from("WrongRoot"), proof],
        ["swapped roots", m, n, r2, r1, proof],
        ["empty proof", m, n, r1, r2, []],
        ["trailing garbage", m, n, r1, r2, [...proof, Buffer.alloc(0)]],
        ["trailing root1", m, n, r1, r2, [...proof, r1]],
        ["trailing root2", m, n, r1, r2, [...proof, r2]],
        ["preceding garbage", m, n, r1, r2, [Buffer.alloc(0), ...proof]],
        ["preceding root1", m, n, r1, r2, [r1, ...proof]],
        ["preceding root2", m, n, r1, r2, [r2, ...proof]],
        ["preceding proof[0]", m, n, r1, r2, [proof[0]!, ...proof]],
        ["truncated", m, n, r1, r2, proof.slice(0, -1)],
        ...proof.map((_, i): [string, number, number, Buffer, Buffer, Buffer[]] => [`flipped proof[${i}]`, m, n, r1, r2, proof.map((p, j) => (j === i ? flipBit(p, 4) : p))]),
      ];
      for (const [desc, a, b, x, y, p] of probes) expect(verifyConsistency(a, b, x, y, p), `${m}→${n}: ${desc}`).toBe(false);
    }
  });

  it("handles the edge sizes as the reference does", () => {
    const r1 = leafHash("x");
    const r2 = leafHash("y");
    expect(verifyConsistency(0, 0, r1, r1, [])).toBe(true);
    expect(verifyConsistency(0, 1, r1, r2, [])).toBe(true);
    expect(verifyConsistency(1, 1, r2, r2, [])).toBe(true);
    expect(verifyConsistency(1, 1, r1, r2, [])).toBe(false);
    expect(verifyConsistency(1, 0, r1, r2, [])).toBe(false);
    expect(verifyConsistency(2, 1, r1, r2, [])).toBe(false);
    expect(verifyConsistency(1, 2, r1, r2, [])).toBe(false);
    expect(verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    expect(verifyConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false);
    for (const [i, n] of [[0, 0], [1, 0], [2, 1]] as const) expect(verifyInclusion(i, n, r1, [], r1)).toBe(false);
    expect(verifyInclusion(0, 1, r1, [], r1)).toBe(true);
    expect(verifyInclusion(0, 1, r1, [], r2)).toBe(false);
  });
});

describe("Merkle tree properties over random sizes", () => {
  it("matches the RFC's recursive definitions for every size up to 70", () => {
    const all = randomLeaves(70);
    const tree = new MerkleTree(all);
    for (let n = 1; n <= 70; n++) {
      const d = all.slice(0, n);
      expect(hex(tree.root(n))).toBe(hex(ref.mth(d)));
      for (let m = 0; m < n; m++) expect(tree.inclusionProof(m, n).map(hex), `path ${m}@${n}`).toEqual(ref.path(m, d).map(hex));
      for (let m = 1; m < n; m++) expect(tree.consistencyProof(m, n).map(hex), `proof ${m}→${n}`).toEqual(ref.subproof(m, d, true).map(hex));
    }
  });

  it("verifies every proof at random sizes and rejects any changed leaf, index, size or proof element", () => {
    const rand = prng(9162);
    const all = randomLeaves(5000, "p");
    const tree = new MerkleTree(all);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(rand() * (round < 150 ? 64 : all.length));
      const index = Math.floor(rand() * n);
      const root = tree.root(n);
      const proof = tree.inclusionProof(index, n);
      expect(verifyInclusion(index, n, all[index]!, proof, root)).toBe(true);
      expect(hex(rootFromInclusionProof(index, n, all[index]!, proof)!)).toBe(hex(root));
      expect(verifyInclusion(index, n, flipBit(all[index]!, Math.floor(rand() * 256)), proof, root)).toBe(false);
      if (n > 1) {
        expect(verifyInclusion((index + 1) % n, n, all[index]!, proof, root)).toBe(false);
        const i = Math.floor(rand() * proof.length);
        expect(verifyInclusion(index, n, all[index]!, proof.map((p, j) => (j === i ? flipBit(p, Math.floor(rand() * 256)) : p)), root)).toBe(false);
        expect(verifyInclusion(index, n, all[index]!, proof.slice(1), root)).toBe(false);
      }
      const m = Math.floor(rand() * (n + 1));
      const cproof = tree.consistencyProof(m, n);
      const r1 = tree.root(m);
      expect(verifyConsistency(m, n, r1, root, cproof), `${m}→${n}`).toBe(true);
      if (m > 0 && m < n) {
        const i = Math.floor(rand() * cproof.length);
        expect(verifyConsistency(m, n, r1, root, cproof.map((p, j) => (j === i ? flipBit(p, Math.floor(rand() * 256)) : p)))).toBe(false);
        expect(verifyConsistency(m, n, flipBit(r1), root, cproof)).toBe(false);
        expect(verifyConsistency(m, n, r1, flipBit(root), cproof)).toBe(false);
        expect(verifyConsistency(m, n, r1, root, cproof.slice(0, -1))).toBe(false);
        // A tree whose first m leaves were rewritten is not consistent with the old root.
        const victim = Math.floor(rand() * m);
        const forged = new MerkleTree(all.slice(0, n).map((l, j) => (j === victim ? flipBit(l) : l)));
        expect(verifyConsistency(m, n, r1, forged.root(n), forged.consistencyProof(m, n))).toBe(false);
      }
    }
  });

  it("the streaming accumulator agrees with the cached tree at every size", () => {
    const all = randomLeaves(1100, "s");
    const acc = new RootAccumulator();
    const tree = new MerkleTree();
    for (const l of all) {
      acc.push(l);
      tree.append(l);
      expect(hex(acc.root())).toBe(hex(tree.root()));
    }
  });

  it("describes the proof ranges that the proofs are made of", () => {
    expect(inclusionProofRanges(5, 8)).toEqual([[4, 5], [6, 8], [0, 4]]);
    expect(consistencyProofRanges(6, 8)).toEqual([[4, 6], [6, 8], [0, 4]]);
    expect(consistencyProofRanges(4, 8)).toEqual([[4, 8]]);
    expect(() => inclusionProofRanges(8, 8)).toThrow(RangeError);
    expect(() => new MerkleTree(randomLeaves(3)).root(4)).toThrow(RangeError);
  });
});
