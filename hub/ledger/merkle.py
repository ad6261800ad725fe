"""The ledger as a Merkle tree in the style of RFC 9162 (Certificate Transparency v2), §2.1.

Why a tree on top of the chain: the chain shows tampering only to someone who walks every row
and holds the head; a tree lets a member who kept one small signed head (size, root) check one
row with log(n) hashes (inclusion), and check that a later head extends the one it kept
without rewriting history (consistency), without the ledger itself.

Hashes (SHA-256, as RFC 9162 §2.1.1):

    leaf i  = SHA-256(0x00 || bytes.fromhex(row_hash of the row with seq i + 1))
    node    = SHA-256(0x01 || left || right)
    MTH(D[n]) for n > 1 = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

The leaf's input is the row's stored `row_hash` (32 raw bytes), not the row's columns again:
`row_hash` already covers every column and the previous row (hub.ledger.chain), so a leaf
commits to the row, and an auditor holding a row recomputes it from the row's canonical JSON
(docs/ledger.md). Leaf index = seq - 1.

Everything here is pure. Proofs need the hash of ranges of leaves; they get them from a
`Subtrees` source: `complete(level, index)` is the hash of the aligned complete subtree over
leaves [index * 2**level, (index + 1) * 2**level). The store keeps those (hub.store.tree_heads),
so a root or a proof reads O(log n) of them; tests use a list of leaves.
"""

import hashlib
from collections.abc import Sequence
from typing import Protocol

__all__ = [
    "CompactRange",
    "LeafList",
    "Subtrees",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "range_hash",
    "root",
    "tree_hash",
    "verify_consistency",
    "verify_inclusion",
]


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash of `data` (for the ledger: the 32 raw bytes of a row's row_hash)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, straight from the definition: the reference the rest is tested on.
    The empty tree's hash is SHA-256 of nothing (RFC 9162 §2.1.1)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


class Subtrees(Protocol):
    """Where proofs get their hashes: aligned complete subtrees, by level and index."""

    def complete(self, level: int, index: int) -> bytes:
        """Hash of leaves [index * 2**level, (index + 1) * 2**level)."""
        ...


class LeafList:
    """Subtrees over leaf hashes held in memory (tests, small exports)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = leaves

    def complete(self, level: int, index: int) -> bytes:
        start = index << level
        return tree_hash(self.leaves[start : start + (1 << level)])


def range_hash(nodes: Subtrees, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for the ranges RFC 9162's recursions name: a complete aligned range is
    one stored node; any other splits at the largest power of two, as MTH does."""
    n = end - start
    if n < 1:
        raise ValueError("a range holds at least one leaf")
    if n & (n - 1) == 0 and start % n == 0:
        return nodes.complete(n.bit_length() - 1, start // n)
    k = _split(n)
    return node_hash(range_hash(nodes, start, start + k), range_hash(nodes, start + k, end))


def root(nodes: Subtrees, size: int) -> bytes:
    """The root of the tree of the first `size` leaves (size >= 1)."""
    return range_hash(nodes, 0, size)


def inclusion_proof(nodes: Subtrees, index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1: leaf to root, nearest sibling first."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    path: list[bytes] = []
    start, end = 0, size
    # The recursion walks down from the root; the path lists siblings bottom-up, so prepend.
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(range_hash(nodes, start + k, end))
            end = start + k
        else:
            path.append(range_hash(nodes, start, start + k))
            start += k
    return path[::-1]


def consistency_proof(nodes: Subtrees, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 9162 §2.1.4.1; empty when the sizes are equal."""
    if not 0 < first <= second:
        raise ValueError("consistency needs 0 < first <= second")
    proof: list[bytes] = []
    start, end, whole = 0, second, True
    m = first
    # SUBPROOF(m, D[start:end], whole), unrolled; it appends top-down, the proof is bottom-up.
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(range_hash(nodes, start + k, end))
            end = start + k
        else:
            proof.append(range_hash(nodes, start, start + k))
            start, m, whole = start + k, m - k, False
    if not whole:
        proof.append(range_hash(nodes, start, end))
    return proof[::-1]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: whether `proof` shows leaf hash `leaf` at `index` in the tree of
    `size` leaves whose root is `expected_root`."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: whether `proof` shows the tree of `second` leaves extends the tree of
    `first` leaves. Equal sizes need an empty proof and equal roots."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


class CompactRange:
    """The root of a growing tree from the leaves seen so far, in O(log n) memory: the stack of
    complete subtrees RFC 9162's trees decompose into. `ledger verify` streams rows through it
    and compares each signed head's root when the count reaches its size."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels strictly falling

    @classmethod
    def resume(cls, nodes: Subtrees, size: int) -> "CompactRange":
        """The range of the first `size` leaves, from the complete subtrees it consists of."""
        made, start = cls(), 0
        for level in range(size.bit_length() - 1, -1, -1):
            if size >> level & 1:
                made._stack.append((level, nodes.complete(level, start >> level)))
                start += 1 << level
        made.size = size
        return made

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add the next leaf; return the complete subtrees it finished as (level, index, hash),
        the leaf itself first, so a caller can store them."""
        finished = [(0, self.size, leaf)]
        level, current = 0, leaf
        while self._stack and self._stack[-1][0] == level:
            _, left = self._stack.pop()
            level, current = level + 1, node_hash(left, current)
            finished.append((level, (self.size + 1 >> level) - 1, current))
        self._stack.append((level, current))
        self.size += 1
        return finished

    def root(self) -> bytes:
        """MTH of the leaves so far: the stack folded from the right."""
        if not self._stack:
            return hashlib.sha256(b"").digest()
        result = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result
