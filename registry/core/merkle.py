"""OpenZeppelin's StandardMerkleTree, byte for byte.

The contract verifies proofs with OpenZeppelin's ``MerkleProof``, and the
known-answer vectors come from ``@openzeppelin/merkle-tree`` 1.0.8; this module
reproduces that library (``core.js``, ``standard.js``, ``merkletree.js``):

- a leaf is ``keccak256(keccak256(abi.encode(types, value)))``;
- leaves are sorted ascending as bytes (``sort_leaves``, the default) and placed
  at the end of a ``2n - 1`` array in reverse order;
- node ``i`` is ``hash_node(tree[2i + 1], tree[2i + 2])``, where ``hash_node``
  hashes the sorted concatenation of the pair, so proofs carry no left/right bits;
- a proof is the siblings from the leaf up to the root; multiproofs and the
  ``standard-v1`` dump format are OpenZeppelin's too.

Values are tuples of Python values, one per ABI type of the leaf encoding:
``bytes32`` -> 32 ``bytes``, ``uint256`` -> ``int``, ``address`` -> ``0x`` hex
``str``, ``bool`` -> ``bool``, ``string`` -> ``str``. The two encodings this
project hashes in bulk (document and paragraph leaves) skip the generic ABI
encoder and concatenate 32-byte words directly.

Invalid arguments (a value of the wrong shape, an index out of range) raise
``ValueError``; :meth:`StandardMerkleTree.load` raises
:class:`~registry.errors.VerificationError` for a dump that does not check out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from registry.core.hexstr import from_hex, to_hex
from registry.core.keccak import keccak256
from registry.errors import InputError, VerificationError

LeafItem = bytes | int | str | bool
LeafValue = tuple[LeafItem, ...]
LeafEncoding = tuple[str, ...]

DOCUMENT_LEAF_ENCODING: LeafEncoding = ("bytes32", "bytes32", "bytes32")
"""(contentDigest, paragraphRoot, metadataDigest): a document's leaf in a batch tree."""
PARAGRAPH_LEAF_ENCODING: LeafEncoding = ("uint256", "bytes32")
"""(index, sha256(paragraph)): a paragraph's leaf in a document's paragraph tree."""
SUPPORTED_TYPES = frozenset({"bytes32", "uint256", "address", "bool", "string"})
DUMP_FORMAT = "standard-v1"

_UINT256_LIMIT = 1 << 256
# Integers above 2**53 - 1 lose precision as JSON numbers in JavaScript; dump them as strings.
_JSON_SAFE_INTEGER = (1 << 53) - 1
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_DECIMAL = re.compile(r"[0-9]+")


# -- hashing --------------------------------------------------------------------------------


def hash_node(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin's ``standardNodeHash``: keccak256 of the pair in ascending order."""
    return keccak256(a + b) if a <= b else keccak256(b + a)


def _check_item(kind: str, item: object) -> None:
    if kind == "bytes32":
        ok = isinstance(item, bytes) and len(item) == 32
    elif kind == "uint256":
        ok = isinstance(item, int) and not isinstance(item, bool) and 0 <= item < _UINT256_LIMIT
    elif kind == "address":
        ok = isinstance(item, str) and _ADDRESS.fullmatch(item) is not None
    elif kind == "bool":
        ok = isinstance(item, bool)
    elif kind == "string":
        ok = isinstance(item, str)
    else:
        raise ValueError(
            f"unsupported leaf type {kind!r}; expected one of {sorted(SUPPORTED_TYPES)}"
        )
    if not ok:
        raise ValueError(f"{item!r:.80} is not a valid {kind}")


def _check_value(leaf_encoding: LeafEncoding, value: Sequence[object]) -> None:
    if len(value) != len(leaf_encoding):
        raise ValueError(f"value has {len(value)} items, leaf encoding {list(leaf_encoding)} needs")
    for kind, item in zip(leaf_encoding, value, strict=True):
        _check_item(kind, item)


def _encode_static(kind: str, item: LeafItem) -> bytes:
    if isinstance(item, bool):  # before int: bool is an int subclass
        return item.to_bytes(32, "big")
    if isinstance(item, int):
        return item.to_bytes(32, "big")
    if isinstance(item, bytes):
        return item
    return bytes.fromhex(item[2:]).rjust(32, b"\x00")  # address


def encode_leaf_value(leaf_encoding: LeafEncoding, value: Sequence[LeafItem]) -> bytes:
    """Solidity's ``abi.encode(value...)`` for the supported types (``string`` is dynamic)."""
    _check_value(leaf_encoding, value)
    heads: list[bytes] = []
    tails: list[bytes] = []
    offset = 32 * len(leaf_encoding)
    for kind, item in zip(leaf_encoding, value, strict=True):
        if kind == "string":
            assert isinstance(item, str)
            data = item.encode("utf-8")
            tail = len(data).to_bytes(32, "big") + data + b"\x00" * (-len(data) % 32)
            heads.append(offset.to_bytes(32, "big"))
            tails.append(tail)
            offset += len(tail)
        else:
            heads.append(_encode_static(kind, item))
    return b"".join(heads + tails)


def _hash_document_value(value: Sequence[LeafItem]) -> bytes:
    # abi.encode of three bytes32 is their concatenation
    _check_value(DOCUMENT_LEAF_ENCODING, value)
    content, paragraphs, metadata = value
    assert isinstance(content, bytes)
    assert isinstance(paragraphs, bytes)
    assert isinstance(metadata, bytes)
    return keccak256(keccak256(content + paragraphs + metadata))


def _hash_paragraph_value(value: Sequence[LeafItem]) -> bytes:
    # abi.encode(uint256, bytes32) is the index as a 32-byte big-endian word, then the digest
    _check_value(PARAGRAPH_LEAF_ENCODING, value)
    index, digest = value
    assert isinstance(index, int)
    assert isinstance(digest, bytes)
    return keccak256(keccak256(index.to_bytes(32, "big") + digest))


def paragraph_leaves(digests: Sequence[bytes]) -> list[bytes]:
    """The leaves of ``(0, digests[0]), (1, digests[1]), ...`` under PARAGRAPH_LEAF_ENCODING.

    The leaves of a whole paragraph tree at once: the indexes are in range by
    construction, so only the digests' length is checked, not each value as
    :func:`hash_leaf` does (this is the hot loop of hashing a document).
    """
    if any(len(digest) != 32 for digest in digests):
        raise ValueError("paragraph digests must be 32 bytes")
    return [
        keccak256(keccak256(index.to_bytes(32, "big") + digest))
        for index, digest in enumerate(digests)
    ]


def leaf_hasher(leaf_encoding: Sequence[str]) -> Callable[[Sequence[LeafItem]], bytes]:
    """The function hashing one value of ``leaf_encoding`` into its leaf (it validates too)."""
    encoding = tuple(leaf_encoding)
    if encoding == DOCUMENT_LEAF_ENCODING:
        return _hash_document_value
    if encoding == PARAGRAPH_LEAF_ENCODING:
        return _hash_paragraph_value
    if not encoding:
        raise ValueError("a leaf encoding needs at least one type")
    unsupported = [kind for kind in encoding if kind not in SUPPORTED_TYPES]
    if unsupported:
        raise ValueError(f"unsupported leaf types {unsupported}; use {sorted(SUPPORTED_TYPES)}")

    def hash_generic(value: Sequence[LeafItem]) -> bytes:
        return keccak256(keccak256(encode_leaf_value(encoding, value)))

    return hash_generic


def hash_leaf(leaf_encoding: Sequence[str], value: Sequence[LeafItem]) -> bytes:
    """OpenZeppelin's ``standardLeafHash``: keccak256(keccak256(abi.encode(value)))."""
    return leaf_hasher(leaf_encoding)(value)


def _check_node(node: object) -> None:
    if not isinstance(node, bytes) or len(node) != 32:
        raise ValueError("Merkle tree nodes must be 32 bytes")


def process_proof(leaf: bytes, proof: Iterable[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (OpenZeppelin's ``processProof``)."""
    _check_node(leaf)
    node = leaf
    for sibling in proof:
        _check_node(sibling)
        node = hash_node(node, sibling)
    return node


def process_multi_proof(
    leaves: Sequence[bytes], proof: Sequence[bytes], proof_flags: Sequence[bool]
) -> bytes:
    """The root a multiproof leads to (OpenZeppelin's ``processMultiProof``).

    ``leaves`` are leaf hashes in the order the multiproof lists them.
    """
    for node in (*leaves, *proof):
        _check_node(node)
    if len(proof) < sum(1 for flag in proof_flags if not flag):
        raise ValueError("Invalid multiproof format")
    if len(leaves) + len(proof) != len(proof_flags) + 1:
        raise ValueError("Provided leaves and multiproof are not compatible")
    stack = list(leaves)
    siblings = list(proof)
    stack_head = 0
    sibling_head = 0
    for flag in proof_flags:
        if stack_head + (2 if flag else 1) > len(stack):
            raise ValueError("Invalid multiproof: flags consume more nodes than there are")
        a = stack[stack_head]
        stack_head += 1
        if flag:
            b = stack[stack_head]
            stack_head += 1
        else:
            b = siblings[sibling_head]
            sibling_head += 1
        stack.append(hash_node(a, b))
    if stack_head < len(stack):
        return stack[-1]
    return siblings[sibling_head]


# -- JSON values ----------------------------------------------------------------------------


def value_to_json(leaf_encoding: Sequence[str], value: Sequence[LeafItem]) -> list[Any]:
    """A value as OpenZeppelin's dump writes it: bytes32 as 0x hex, the rest as JSON scalars."""
    _check_value(tuple(leaf_encoding), value)
    items: list[Any] = []
    for item in value:
        if isinstance(item, bytes):
            items.append(to_hex(item))
        elif isinstance(item, int) and not isinstance(item, bool) and item > _JSON_SAFE_INTEGER:
            items.append(str(item))
        else:
            items.append(item)
    return items


def _item_from_json(kind: str, raw: object) -> LeafItem:
    item: object = raw
    if kind == "bytes32" and isinstance(raw, str):
        item = from_hex(raw)
    elif kind == "uint256" and isinstance(raw, str):
        if raw.startswith("0x"):
            item = int.from_bytes(from_hex(raw, None), "big")
        elif _DECIMAL.fullmatch(raw):
            item = int(raw)
    _check_item(kind, item)
    assert isinstance(item, bytes | int | str)
    return item


def value_from_json(leaf_encoding: Sequence[str], raw: object) -> LeafValue:
    """Parse a value as a dump or multiproof writes it (uint256 as number or string)."""
    if not isinstance(raw, list) or len(raw) != len(leaf_encoding):
        raise ValueError(f"expected a list of {len(leaf_encoding)} items, got {raw!r:.80}")
    try:
        return tuple(_item_from_json(k, r) for k, r in zip(leaf_encoding, raw, strict=True))
    except InputError as exc:
        raise ValueError(str(exc)) from exc


# -- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MultiProof:
    """Several values proved together; ``leaves`` are values in the order the proof uses."""

    leaves: tuple[LeafValue, ...]
    proof: tuple[bytes, ...]
    proof_flags: tuple[bool, ...]

    def to_json(self, leaf_encoding: Sequence[str]) -> dict[str, Any]:
        """OpenZeppelin's JSON shape: ``{leaves, proof, proofFlags}``."""
        return {
            "leaves": [value_to_json(leaf_encoding, leaf) for leaf in self.leaves],
            "proof": [to_hex(node) for node in self.proof],
            "proofFlags": list(self.proof_flags),
        }

    @classmethod
    def from_json(cls, leaf_encoding: Sequence[str], data: Mapping[str, Any]) -> MultiProof:
        try:
            leaves = tuple(value_from_json(leaf_encoding, leaf) for leaf in data["leaves"])
            proof = tuple(from_hex(node) for node in data["proof"])
            flags = data["proofFlags"]
        except (KeyError, TypeError, InputError) as exc:
            raise ValueError(f"malformed multiproof: {exc}") from exc
        if not all(isinstance(flag, bool) for flag in flags):
            raise ValueError("multiproof flags must be booleans")
        return cls(leaves, proof, tuple(flags))


def _sibling_index(i: int) -> int:
    return i + 1 if i % 2 else i - 1


def _nodes_over(ordered_leaves: Sequence[bytes]) -> list[bytes]:
    """The ``2n - 1`` nodes over leaves in leaf order: the first leaf goes last in the array."""
    count = len(ordered_leaves)
    tree = [b""] * (count - 1) + list(reversed(ordered_leaves))
    for i in range(count - 2, -1, -1):
        tree[i] = hash_node(tree[2 * i + 1], tree[2 * i + 2])
    return tree


def standard_root(leaves: Iterable[bytes]) -> bytes:
    """The root :meth:`StandardMerkleTree.of` builds over these leaf hashes (sorted, its default).

    Only the root: no values, proofs or lookup table, for callers that need nothing else.
    """
    ordered = sorted(leaves)
    if not ordered:
        raise ValueError("Expected non-zero number of leaves")
    for leaf in ordered:
        _check_node(leaf)
    return _nodes_over(ordered)[0]


@dataclass(frozen=True, slots=True)
class StandardMerkleTree:
    """A built tree: use :meth:`of` or :meth:`load`, not the constructor.

    ``values`` keep the caller's order; ``tree_indices[i]`` is where value ``i``'s
    leaf sits in ``tree`` (index 0 is the root).
    """

    leaf_encoding: LeafEncoding
    values: tuple[LeafValue, ...]
    tree: tuple[bytes, ...]
    tree_indices: tuple[int, ...]
    _value_index: dict[bytes, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.values or len(self.tree) != 2 * len(self.values) - 1:
            raise ValueError("a tree of n values has 2n - 1 nodes, n >= 1")
        if len(self.tree_indices) != len(self.values):
            raise ValueError("one tree index per value")
        lookup = {self.tree[ti]: vi for vi, ti in enumerate(self.tree_indices)}
        object.__setattr__(self, "_value_index", lookup)

    @classmethod
    def of(
        cls,
        values: Iterable[Sequence[LeafItem]],
        leaf_encoding: Sequence[str],
        *,
        sort_leaves: bool = True,
    ) -> StandardMerkleTree:
        """Build the tree of ``values`` (OpenZeppelin's ``StandardMerkleTree.of``)."""
        encoding = tuple(leaf_encoding)
        hasher = leaf_hasher(encoding)
        frozen_values = tuple(tuple(value) for value in values)
        if not frozen_values:
            raise ValueError("Expected non-zero number of leaves")
        hashes = [hasher(value) for value in frozen_values]
        count = len(hashes)
        order: Sequence[int] = range(count)
        if sort_leaves:
            # stable, like JavaScript's sort: equal leaves keep the values' order
            order = sorted(order, key=hashes.__getitem__)
        tree = _nodes_over([hashes[value_index] for value_index in order])
        last = len(tree) - 1
        tree_indices = [0] * count
        for position, value_index in enumerate(order):
            tree_indices[value_index] = last - position
        return cls(encoding, frozen_values, tuple(tree), tuple(tree_indices))

    @property
    def root(self) -> bytes:
        return self.tree[0]

    def __len__(self) -> int:
        return len(self.values)

    def leaf_hash(self, value: Sequence[LeafItem]) -> bytes:
        """The leaf of ``value`` under this tree's encoding."""
        return hash_leaf(self.leaf_encoding, value)

    def leaf_at(self, index: int) -> bytes:
        """The leaf of value ``index``."""
        return self.tree[self.tree_indices[self._check_index(index)]]

    def index_of(self, value: Sequence[LeafItem]) -> int:
        """The index of ``value`` in :attr:`values`; ValueError if it is not in the tree."""
        index = self._value_index.get(self.leaf_hash(value))
        if index is None:
            raise ValueError("Leaf is not in tree")
        return index

    def get_proof(self, index: int) -> tuple[bytes, ...]:
        """The sibling path of value ``index`` (an index into :attr:`values`)."""
        tree_index = self.tree_indices[self._check_index(index)]
        proof: list[bytes] = []
        while tree_index > 0:
            proof.append(self.tree[_sibling_index(tree_index)])
            tree_index = (tree_index - 1) // 2
        return tuple(proof)

    def get_multi_proof(self, indices: Iterable[int]) -> MultiProof:
        """One proof for several values (OpenZeppelin's ``getMultiProof``)."""
        tree_indices = sorted(
            (self.tree_indices[self._check_index(i)] for i in indices), reverse=True
        )
        if any(a == b for a, b in pairwise(tree_indices)):
            raise ValueError("Cannot prove duplicated index")
        stack = list(tree_indices)
        head = 0
        proof: list[bytes] = []
        flags: list[bool] = []
        while head < len(stack) and stack[head] > 0:
            j = stack[head]
            head += 1
            sibling = _sibling_index(j)
            if head < len(stack) and stack[head] == sibling:
                flags.append(True)
                head += 1
            else:
                flags.append(False)
                proof.append(self.tree[sibling])
            stack.append((j - 1) // 2)
        if not tree_indices:
            proof.append(self.tree[0])
        leaves = tuple(self.values[self._value_index[self.tree[ti]]] for ti in tree_indices)
        return MultiProof(leaves, tuple(proof), tuple(flags))

    @staticmethod
    def verify(
        root: bytes, leaf_encoding: Sequence[str], value: Sequence[LeafItem], proof: Sequence[bytes]
    ) -> bool:
        """Whether ``proof`` leads from ``value``'s leaf to ``root``."""
        return process_proof(hash_leaf(leaf_encoding, value), proof) == root

    @staticmethod
    def verify_multi_proof(root: bytes, leaf_encoding: Sequence[str], multi: MultiProof) -> bool:
        """Whether ``multi`` leads from its values' leaves to ``root``."""
        hasher = leaf_hasher(leaf_encoding)
        leaves = [hasher(value) for value in multi.leaves]
        return process_multi_proof(leaves, multi.proof, multi.proof_flags) == root

    def dump(self) -> dict[str, Any]:
        """The ``standard-v1`` dump, as JSON-ready data (bytes as 0x hex)."""
        return {
            "format": DUMP_FORMAT,
            "leafEncoding": list(self.leaf_encoding),
            "tree": [to_hex(node) for node in self.tree],
            "values": [
                {"value": value_to_json(self.leaf_encoding, value), "treeIndex": tree_index}
                for value, tree_index in zip(self.values, self.tree_indices, strict=True)
            ],
        }

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> StandardMerkleTree:
        """Rebuild a tree from its dump, checking every node and leaf.

        Raises :class:`~registry.errors.VerificationError` if the dump is malformed,
        of another format, or its nodes or leaves do not hash up correctly.
        """
        if data.get("format") != DUMP_FORMAT:
            raise VerificationError(f"Unknown format {data.get('format')!r:.40}")
        try:
            encoding = tuple(data["leafEncoding"])
            hasher = leaf_hasher(encoding)
            tree = tuple(from_hex(node) for node in data["tree"])
            values = tuple(value_from_json(encoding, entry["value"]) for entry in data["values"])
            tree_indices = tuple(int(entry["treeIndex"]) for entry in data["values"])
            loaded = cls(encoding, values, tree, tree_indices)
        except (KeyError, TypeError, ValueError, InputError) as exc:
            raise VerificationError(f"malformed Merkle tree dump: {exc}") from exc
        first_leaf = len(tree) // 2
        if sorted(tree_indices) != list(range(first_leaf, len(tree))):
            raise VerificationError("tree indices must name every leaf position once")
        for value, tree_index in zip(values, tree_indices, strict=True):
            if tree[tree_index] != hasher(value):
                raise VerificationError("Merkle tree does not contain the expected value")
        for i in range(first_leaf):
            if tree[i] != hash_node(tree[2 * i + 1], tree[2 * i + 2]):
                raise VerificationError(f"Merkle tree is invalid at node {i}")
        return loaded

    def _check_index(self, index: int) -> int:
        if not 0 <= index < len(self.values):
            raise ValueError(f"Index out of bounds: {index}")
        return index
