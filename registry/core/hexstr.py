"""Hex strings: how digests and addresses travel in JSON.

Chain values (addresses, transaction hashes, batch roots, leaves, proofs, and the
keccak paragraph root and metadata digest) are lowercase ``0x``-prefixed hex
everywhere, and every digest inside a travelling value (receipts, quote proofs) is
too. An article id, a document's SHA-256, is written bare in the registry's own
API and CLI output (:data:`ArticleIdHex`), as ``sha256sum`` prints it. The
annotated types below validate them inside pydantic models and :func:`from_hex`
parses ``0x`` hex with a typed error.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import StringConstraints

from registry.errors import InvalidIdentifier

_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")

# A 32-byte digest (SHA-256, Keccak-256, a Merkle node), lowercase as ``to_hex`` writes it.
Hex32 = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-f]{64}$")]
# A 20-byte account or contract address; either case, so checksummed addresses pass.
HexAddress = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
# An article id: a document's SHA-256 as 64 lowercase hex digits without 0x, as the API and
# the CLI write it (inputs also accept 0x and upper case: registry.ids parses them).
ArticleIdHex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


def to_hex(data: bytes) -> str:
    """``0x`` followed by the lowercase hex of ``data``."""
    return "0x" + data.hex()


def from_hex(text: str, length: int | None = 32) -> bytes:
    """Parse a ``0x``-prefixed hex string of ``length`` bytes (any length if None).

    Raises :class:`~registry.errors.InvalidIdentifier` on anything else.
    """
    if not isinstance(text, str) or _HEX.fullmatch(text) is None:
        raise InvalidIdentifier(f"not a 0x-prefixed hex string: {text!r:.80}")
    data = bytes.fromhex(text[2:])
    if length is not None and len(data) != length:
        raise InvalidIdentifier(f"expected {length} bytes of hex, got {len(data)}: {text:.80}")
    return data
