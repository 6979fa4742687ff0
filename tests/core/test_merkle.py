"""StandardMerkleTree against @openzeppelin/merkle-tree's vectors, and its properties."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core.hexstr import from_hex, to_hex
from registry.core.keccak import keccak256
from registry.core.merkle import (
    DOCUMENT_LEAF_ENCODING,
    PARAGRAPH_LEAF_ENCODING,
    LeafValue,
    MultiProof,
    StandardMerkleTree,
    encode_leaf_value,
    hash_leaf,
    hash_node,
    paragraph_leaves,
    process_multi_proof,
    process_proof,
    standard_root,
    value_from_json,
    value_to_json,
)
from registry.errors import VerificationError
from tests.core.conftest import VECTORS

TREES: list[dict[str, Any]] = VECTORS["documentTrees"] + VECTORS["paragraphTrees"]
TREE_IDS = [f"{'x'.join(t['leafEncoding'])}-{t['size']}" for t in TREES]

bytes32 = st.binary(min_size=32, max_size=32)


def _tree_of(vector: dict[str, Any]) -> StandardMerkleTree:
    encoding = vector["leafEncoding"]
    values = [value_from_json(encoding, entry["value"]) for entry in vector["dump"]["values"]]
    return StandardMerkleTree.of(values, encoding)


@pytest.mark.parametrize("vector", TREES, ids=TREE_IDS)
def test_root_and_dump_equal_openzeppelin(vector: dict[str, Any]) -> None:
    tree = _tree_of(vector)
    assert to_hex(tree.root) == vector["root"]
    assert tree.dump() == vector["dump"]


@pytest.mark.parametrize("vector", TREES, ids=TREE_IDS)
def test_leaf_hashes_equal_openzeppelin(vector: dict[str, Any]) -> None:
    tree = _tree_of(vector)
    assert [to_hex(tree.leaf_hash(value)) for value in tree.values] == vector["leaves"]
    assert [to_hex(tree.leaf_at(i)) for i in range(len(tree))] == vector["leaves"]


@pytest.mark.parametrize("vector", TREES, ids=TREE_IDS)
def test_proofs_equal_openzeppelin_and_verify(vector: dict[str, Any]) -> None:
    tree = _tree_of(vector)
    encoding = vector["leafEncoding"]
    for case in vector["proofs"]:
        value = value_from_json(encoding, case["value"])
        proof = tree.get_proof(case["index"])
        assert [to_hex(node) for node in proof] == case["proof"]
        assert tree.values[case["index"]] == value
        assert StandardMerkleTree.verify(tree.root, encoding, value, proof)
        assert process_proof(tree.leaf_hash(value), proof) == tree.root


@pytest.mark.parametrize("vector", [t for t in TREES if t["multiProof"]], ids=str)
def test_multiproof_equals_openzeppelin(vector: dict[str, Any]) -> None:
    tree = _tree_of(vector)
    encoding = vector["leafEncoding"]
    multi = tree.get_multi_proof([0, len(tree) - 1])
    assert multi.to_json(encoding) == vector["multiProof"]
    parsed = MultiProof.from_json(encoding, vector["multiProof"])
    assert parsed == multi
    assert StandardMerkleTree.verify_multi_proof(tree.root, encoding, parsed)


@pytest.mark.parametrize("vector", TREES, ids=TREE_IDS)
def test_load_of_openzeppelin_dump(vector: dict[str, Any]) -> None:
    loaded = StandardMerkleTree.load(vector["dump"])
    assert loaded == _tree_of(vector)
    assert to_hex(loaded.root) == vector["root"]


def test_document_and_paragraph_leaves_match_the_generic_encoder() -> None:
    document = (b"\x01" * 32, b"\x02" * 32, b"\xff" * 32)
    paragraph = (2**256 - 1, b"\x07" * 32)
    for encoding, value in (
        (DOCUMENT_LEAF_ENCODING, document),
        (PARAGRAPH_LEAF_ENCODING, paragraph),
    ):
        encoded = abi_encode(list(encoding), list(value))
        assert encode_leaf_value(encoding, value) == encoded
        assert hash_leaf(encoding, value) == keccak256(keccak256(encoded))


@settings(max_examples=100, deadline=None)
@given(
    word=bytes32,
    number=st.integers(min_value=0, max_value=2**256 - 1),
    address=st.binary(min_size=20, max_size=20),
    flag=st.booleans(),
    text=st.text(max_size=80),
)
def test_generic_encoding_equals_eth_abi(
    word: bytes, number: int, address: bytes, flag: bool, text: str
) -> None:
    encoding = ("string", "bytes32", "uint256", "address", "bool", "string")
    value: LeafValue = (text, word, number, to_hex(address), flag, text[::-1])
    expected = abi_encode(list(encoding), [text, word, number, to_hex(address), flag, text[::-1]])
    assert encode_leaf_value(encoding, value) == expected


def test_generic_tree_dump_round_trip() -> None:
    encoding = ("address", "uint256", "string", "bool")
    values = [("0x" + f"{i:040x}", 10**20 + i, f"claim {i} 湖南", i % 2 == 0) for i in range(5)]
    tree = StandardMerkleTree.of(values, encoding)
    dump = tree.dump()
    # integers past 2**53 travel as decimal strings, as JavaScript cannot hold them
    assert dump["values"][0]["value"][1] == str(10**20)
    assert StandardMerkleTree.load(dump) == tree
    for i in range(5):
        assert StandardMerkleTree.verify(tree.root, encoding, values[i], tree.get_proof(i))


def test_single_leaf_tree_has_empty_proof() -> None:
    value = (b"\xaa" * 32, b"\xbb" * 32, b"\xcc" * 32)
    tree = StandardMerkleTree.of([value], DOCUMENT_LEAF_ENCODING)
    assert tree.root == tree.leaf_hash(value)
    assert tree.get_proof(0) == ()


def test_unsorted_leaves_keep_value_order() -> None:
    values = [(i, bytes([i]) * 32) for i in range(4)]
    tree = StandardMerkleTree.of(values, PARAGRAPH_LEAF_ENCODING, sort_leaves=False)
    assert tree.tree_indices == (6, 5, 4, 3)
    for i, value in enumerate(values):
        assert StandardMerkleTree.verify(
            tree.root, PARAGRAPH_LEAF_ENCODING, value, tree.get_proof(i)
        )


def test_index_of_finds_values_and_refuses_strangers() -> None:
    values = [(i, bytes([i]) * 32) for i in range(5)]
    tree = StandardMerkleTree.of(values, PARAGRAPH_LEAF_ENCODING)
    assert [tree.index_of(v) for v in values] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="Leaf is not in tree"):
        tree.index_of((9, bytes([9]) * 32))


@pytest.mark.parametrize(
    ("encoding", "value", "message"),
    [
        (DOCUMENT_LEAF_ENCODING, (b"\x00" * 31, b"\x00" * 32, b"\x00" * 32), "not a valid bytes32"),
        (DOCUMENT_LEAF_ENCODING, (b"\x00" * 32, b"\x00" * 32), "has 2 items"),
        (PARAGRAPH_LEAF_ENCODING, (-1, b"\x00" * 32), "not a valid uint256"),
        (PARAGRAPH_LEAF_ENCODING, (2**256, b"\x00" * 32), "not a valid uint256"),
        (PARAGRAPH_LEAF_ENCODING, (True, b"\x00" * 32), "not a valid uint256"),
        (("address",), ("0x1234",), "not a valid address"),
        (("bool",), (1,), "not a valid bool"),
        (("uint8",), (1,), "unsupported leaf types"),
    ],
)
def test_invalid_values_are_refused(
    encoding: tuple[str, ...], value: LeafValue, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        StandardMerkleTree.of([value], encoding)


def test_empty_tree_and_bad_indices_are_refused() -> None:
    with pytest.raises(ValueError, match="non-zero number of leaves"):
        StandardMerkleTree.of([], DOCUMENT_LEAF_ENCODING)
    tree = StandardMerkleTree.of([(i, bytes(32)) for i in range(3)], PARAGRAPH_LEAF_ENCODING)
    with pytest.raises(ValueError, match="Index out of bounds: 3"):
        tree.get_proof(3)
    with pytest.raises(ValueError, match="Index out of bounds: -1"):
        tree.get_proof(-1)
    with pytest.raises(ValueError, match="Cannot prove duplicated index"):
        tree.get_multi_proof([1, 1])


def test_empty_multiproof_carries_the_root() -> None:
    tree = StandardMerkleTree.of([(i, bytes(32)) for i in range(3)], PARAGRAPH_LEAF_ENCODING)
    multi = tree.get_multi_proof([])
    assert multi == MultiProof(leaves=(), proof=(tree.root,), proof_flags=())
    assert StandardMerkleTree.verify_multi_proof(tree.root, PARAGRAPH_LEAF_ENCODING, multi)


def test_malformed_multiproofs_are_refused() -> None:
    leaf = b"\x01" * 32
    with pytest.raises(ValueError, match="Invalid multiproof format"):
        process_multi_proof([leaf, leaf], [], [False])
    with pytest.raises(ValueError, match="not compatible"):
        process_multi_proof([leaf, leaf], [leaf], [True])
    with pytest.raises(ValueError, match="flags consume more nodes"):
        process_multi_proof([], [leaf, leaf], [False])
    with pytest.raises(ValueError, match="32 bytes"):
        process_proof(leaf, [b"\x00" * 31])


def _first_vector(size: int) -> dict[str, Any]:
    return next(t for t in VECTORS["documentTrees"] if t["size"] == size)


def test_load_refuses_an_unknown_format() -> None:
    dump = copy.deepcopy(_first_vector(4)["dump"])
    dump["format"] = "simple-v1"
    with pytest.raises(VerificationError, match="Unknown format 'simple-v1'"):
        StandardMerkleTree.load(dump)


def test_load_refuses_a_tampered_node() -> None:
    dump = copy.deepcopy(_first_vector(4)["dump"])
    dump["tree"][1] = to_hex(b"\x00" * 32)
    with pytest.raises(VerificationError, match="Merkle tree is invalid at node 0"):
        StandardMerkleTree.load(dump)


def test_load_refuses_a_value_that_is_not_its_leaf() -> None:
    dump = copy.deepcopy(_first_vector(4)["dump"])
    dump["values"][0]["value"][0] = to_hex(b"\x01" * 32)
    with pytest.raises(VerificationError, match="does not contain the expected value"):
        StandardMerkleTree.load(dump)


def test_load_refuses_malformed_entries() -> None:
    dump = copy.deepcopy(_first_vector(4)["dump"])
    dump["tree"][2] = "0x1234"
    with pytest.raises(VerificationError, match="malformed Merkle tree dump"):
        StandardMerkleTree.load(dump)
    dump = copy.deepcopy(_first_vector(4)["dump"])
    dump["values"][0]["treeIndex"] = 0
    with pytest.raises(VerificationError, match="every leaf position once"):
        StandardMerkleTree.load(dump)


def test_values_in_json_accept_strings_for_integers() -> None:
    digest = to_hex(b"\x05" * 32)
    assert value_from_json(PARAGRAPH_LEAF_ENCODING, ["7", digest]) == (7, b"\x05" * 32)
    assert value_from_json(PARAGRAPH_LEAF_ENCODING, ["0x07", digest]) == (7, b"\x05" * 32)
    assert value_to_json(PARAGRAPH_LEAF_ENCODING, (7, b"\x05" * 32)) == [7, digest]
    with pytest.raises(ValueError, match="not a valid uint256"):
        value_from_json(PARAGRAPH_LEAF_ENCODING, ["seven", digest])
    with pytest.raises(ValueError, match="expected a list of 2 items"):
        value_from_json(PARAGRAPH_LEAF_ENCODING, [7])


def test_hash_node_is_order_independent() -> None:
    a, b = b"\x01" * 32, b"\x02" * 32
    assert hash_node(a, b) == hash_node(b, a) == keccak256(a + b)


# -- properties -----------------------------------------------------------------------------

document_values = st.lists(st.tuples(bytes32, bytes32, bytes32), min_size=1, max_size=64)


@settings(max_examples=100, deadline=None)
@given(values=document_values)
def test_every_proof_of_every_leaf_verifies(values: list[tuple[bytes, bytes, bytes]]) -> None:
    tree = StandardMerkleTree.of(values, DOCUMENT_LEAF_ENCODING)
    for index, value in enumerate(values):
        proof = tree.get_proof(index)
        assert StandardMerkleTree.verify(tree.root, DOCUMENT_LEAF_ENCODING, value, proof)
    assert StandardMerkleTree.load(tree.dump()) == tree


@settings(max_examples=100, deadline=None)
@given(values=document_values, data=st.data())
def test_multiproofs_of_random_subsets_verify(
    values: list[tuple[bytes, bytes, bytes]], data: st.DataObject
) -> None:
    tree = StandardMerkleTree.of(values, DOCUMENT_LEAF_ENCODING)
    indices = data.draw(st.sets(st.integers(0, len(values) - 1)))
    multi = tree.get_multi_proof(sorted(indices))
    assert sorted(multi.leaves) == sorted(values[i] for i in indices)
    assert StandardMerkleTree.verify_multi_proof(tree.root, DOCUMENT_LEAF_ENCODING, multi)


def _flip(data: bytes, position: int, mask: int) -> bytes:
    flipped = bytearray(data)
    flipped[position % len(data)] ^= mask
    return bytes(flipped)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.tuples(bytes32, bytes32, bytes32), min_size=2, max_size=64),
    data=st.data(),
    mask=st.integers(1, 255),
)
def test_a_flipped_byte_in_a_proof_or_value_fails(
    values: list[tuple[bytes, bytes, bytes]], data: st.DataObject, mask: int
) -> None:
    tree = StandardMerkleTree.of(values, DOCUMENT_LEAF_ENCODING)
    index = data.draw(st.integers(0, len(values) - 1))
    value = values[index]
    proof = list(tree.get_proof(index))
    node = data.draw(st.integers(0, len(proof) - 1))
    position = data.draw(st.integers(0, 31))
    bad_proof = [*proof[:node], _flip(proof[node], position, mask), *proof[node + 1 :]]
    assert not StandardMerkleTree.verify(tree.root, DOCUMENT_LEAF_ENCODING, value, bad_proof)
    item = data.draw(st.integers(0, 2))
    bad_value = tuple(_flip(v, position, mask) if i == item else v for i, v in enumerate(value))
    assert not StandardMerkleTree.verify(tree.root, DOCUMENT_LEAF_ENCODING, bad_value, proof)


def test_from_hex_round_trip_of_nodes() -> None:
    tree = _tree_of(_first_vector(3))
    assert tuple(from_hex(node) for node in tree.dump()["tree"]) == tree.tree


def test_keccak256_known_answer() -> None:
    empty = "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert keccak256(b"").hex() == empty


def test_the_fallback_keccak_backend_gives_the_same_root() -> None:
    # without safe-pysha3, keccak.py falls back to eth_hash.auto (pycryptodome)
    vector = _first_vector(33)
    probe = (
        "import sys; sys.modules['sha3'] = None\n"
        "from registry.core.keccak import keccak256\n"
        "from registry.core.merkle import StandardMerkleTree\n"
        "import json; dump = json.loads(sys.stdin.read())\n"
        "print(type(keccak256).__name__, StandardMerkleTree.load(dump).root.hex())"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        input=json.dumps(vector["dump"]),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["Keccak256", vector["root"][2:]]


@settings(max_examples=100, deadline=None)
@given(digests=st.lists(bytes32, min_size=1, max_size=40))
def test_paragraph_leaves_equal_eth_abi_encoded_leaves(digests: list[bytes]) -> None:
    # The bulk path concatenates the index word and the digest instead of ABI-encoding.
    expected = [
        keccak256(keccak256(abi_encode(list(PARAGRAPH_LEAF_ENCODING), [i, digest])))
        for i, digest in enumerate(digests)
    ]
    assert paragraph_leaves(digests) == expected
    assert expected == [
        hash_leaf(PARAGRAPH_LEAF_ENCODING, (i, digest)) for i, digest in enumerate(digests)
    ]


@settings(max_examples=100, deadline=None)
@given(digests=st.lists(bytes32, min_size=1, max_size=70))
def test_standard_root_equals_the_built_trees_root(digests: list[bytes]) -> None:
    values = list(enumerate(digests))
    tree = StandardMerkleTree.of(values, PARAGRAPH_LEAF_ENCODING)
    assert standard_root(paragraph_leaves(digests)) == tree.root
    # Its own sort: the order the leaves come in does not matter.
    assert standard_root(reversed(paragraph_leaves(digests))) == tree.root


@pytest.mark.parametrize("vector", VECTORS["paragraphTrees"], ids=lambda v: str(v["size"]))
def test_standard_root_of_openzeppelin_leaves(vector: dict[str, Any]) -> None:
    assert to_hex(standard_root(from_hex(leaf) for leaf in vector["leaves"])) == vector["root"]


def test_standard_root_and_paragraph_leaves_refuse_what_is_not_32_bytes() -> None:
    with pytest.raises(ValueError, match="non-zero number of leaves"):
        standard_root([])
    with pytest.raises(ValueError, match="32 bytes"):
        standard_root([b"\x01" * 32, b"\x02" * 31])
    with pytest.raises(ValueError, match="paragraph digests must be 32 bytes"):
        paragraph_leaves([b"\x01" * 32, b"\x02" * 33])
