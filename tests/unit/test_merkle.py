"""The Merkle tree against a brute-force reference and RFC 9162's verification algorithms.

The reference computes every hash from the definition over a list of leaves; the code under
test gets its hashes only through `Subtrees` (complete aligned nodes), as it does from the
store. Sizes cover 1, powers of two and their neighbours, where off-by-one errors live.
"""

import hashlib

import pytest

from hub.ledger.merkle import (
    CompactRange,
    LeafList,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33]


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def reference_path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) written exactly as RFC 9162 §2.1.3.1 states it."""
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return reference_path(m, d[:k]) + [tree_hash(d[k:])]
    return reference_path(m - k, d[k:]) + [tree_hash(d[:k])]


def reference_subproof(m: int, d: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) as RFC 9162 §2.1.4.1 states it."""
    n = len(d)
    if m == n:
        return [] if whole else [tree_hash(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return reference_subproof(m, d[:k], whole) + [tree_hash(d[k:])]
    return reference_subproof(m - k, d[k:], False) + [tree_hash(d[:k])]


def test_hashes_have_the_rfc_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert tree_hash([]) == hashlib.sha256(b"").digest()
    three = leaves(3)
    assert tree_hash(three) == node_hash(node_hash(three[0], three[1]), three[2])


@pytest.mark.parametrize("n", SIZES)
def test_root_from_complete_subtrees_is_the_reference(n: int) -> None:
    d = leaves(n)
    assert root(LeafList(d), n) == tree_hash(d)


@pytest.mark.parametrize("n", SIZES)
def test_compact_range_tracks_every_prefix_and_names_its_nodes(n: int) -> None:
    d = leaves(n)
    compact, finished = CompactRange(), {}
    for i, leaf in enumerate(d):
        for level, index, digest in compact.append(leaf):
            finished[(level, index)] = digest
        assert compact.root() == tree_hash(d[: i + 1])
    nodes = LeafList(d)
    assert all(digest == nodes.complete(lv, ix) for (lv, ix), digest in finished.items())
    # every complete aligned subtree was reported once: n leaves make 2n - popcount(n) nodes
    assert len(finished) == 2 * n - bin(n).count("1")
    resumed = CompactRange.resume(nodes, n)
    extra = leaf_hash(b"next")
    resumed.append(extra)
    assert resumed.root() == tree_hash([*d, extra])


@pytest.mark.parametrize("n", SIZES)
def test_every_inclusion_proof_is_the_reference_and_verifies(n: int) -> None:
    d = leaves(n)
    nodes, top = LeafList(d), tree_hash(d)
    for m in range(n):
        proof = inclusion_proof(nodes, m, n)
        assert proof == reference_path(m, d)
        assert verify_inclusion(d[m], m, n, proof, top)


def test_inclusion_fails_for_a_changed_leaf_index_size_or_path() -> None:
    d = leaves(9)
    nodes, top = LeafList(d), tree_hash(d)
    proof = inclusion_proof(nodes, 4, 9)
    assert verify_inclusion(d[4], 4, 9, proof, top)
    assert not verify_inclusion(leaf_hash(b"forged"), 4, 9, proof, top)
    assert not verify_inclusion(d[4], 5, 9, proof, top)
    # A size whose path has another shape fails; one of the same shape (10 here) cannot be told
    # apart by the proof, which is why the size is part of the signed head.
    assert not verify_inclusion(d[4], 4, 17, proof, top)
    assert not verify_inclusion(d[4], 4, 5, proof, top)
    assert not verify_inclusion(d[4], 9, 9, proof, top)  # index past the tree
    assert not verify_inclusion(d[4], 4, 9, proof[:-1], top)
    assert not verify_inclusion(d[4], 4, 9, [*proof, top], top)
    assert not verify_inclusion(d[4], 4, 9, proof, tree_hash(d[:8]))
    assert verify_inclusion(d[0], 0, 1, [], d[0])  # size 1: the leaf is the root
    with pytest.raises(ValueError):
        inclusion_proof(nodes, 9, 9)


@pytest.mark.parametrize("n", SIZES)
def test_every_consistency_proof_is_the_reference_and_verifies(n: int) -> None:
    d = leaves(n)
    nodes = LeafList(d)
    for m in range(1, n + 1):
        proof = consistency_proof(nodes, m, n)
        assert proof == (reference_subproof(m, d, True) if m < n else [])
        assert verify_consistency(m, n, tree_hash(d[:m]), tree_hash(d), proof)


def test_consistency_fails_for_a_rewritten_history_or_wrong_sizes() -> None:
    d = leaves(13)
    nodes = LeafList(d)
    proof = consistency_proof(nodes, 6, 13)
    old, new = tree_hash(d[:6]), tree_hash(d)
    assert verify_consistency(6, 13, old, new, proof)
    rewritten = [*d[:3], leaf_hash(b"forged"), *d[4:]]
    forged = consistency_proof(LeafList(rewritten), 6, 13)
    assert not verify_consistency(6, 13, old, tree_hash(rewritten), forged)
    assert not verify_consistency(6, 13, old, new, proof[:-1])
    assert not verify_consistency(5, 13, old, new, proof)
    assert not verify_consistency(6, 17, old, new, proof)  # another shape (see above)
    assert not verify_consistency(6, 13, old, new, [])
    assert not verify_consistency(0, 13, old, new, proof)
    assert not verify_consistency(13, 6, new, old, proof)
    assert verify_consistency(4, 4, tree_hash(d[:4]), tree_hash(d[:4]), [])
    assert not verify_consistency(4, 4, tree_hash(d[:4]), new, [])
    # first a power of two: the proof omits the old root, the verifier prepends it
    eight = consistency_proof(nodes, 8, 13)
    assert verify_consistency(8, 13, tree_hash(d[:8]), new, eight)
    assert not verify_consistency(8, 13, leaf_hash(b"x"), new, eight)
