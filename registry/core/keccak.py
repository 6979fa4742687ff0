"""Keccak-256, the hash of Ethereum's ``keccak256`` and of OpenZeppelin Merkle trees."""

from __future__ import annotations

from collections.abc import Callable


def _choose_keccak256() -> Callable[[bytes], bytes]:
    # eth_hash.auto prefers pycryptodome, ~8x slower per call than safe-pysha3 (which
    # eth-tester[py-evm] installs on CPython); batch trees hash tens of thousands of nodes.
    try:
        from eth_hash.backends.pysha3 import keccak256 as pysha3_keccak256
    except ImportError:
        from eth_hash.auto import keccak

        return keccak
    return pysha3_keccak256


keccak256: Callable[[bytes], bytes] = _choose_keccak256()
"""Keccak-256 of ``data`` (the pre-standard SHA-3 padding Ethereum uses), 32 bytes."""
