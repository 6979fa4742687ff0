"""Custom-error reverts of the registry contract, decoded by name and arguments.

Through web3.py's ``EthereumTesterProvider``, a reverted call, gas estimate or
transaction surfaces as ``eth_tester.exceptions.TransactionFailed``: py-evm's
``Revert`` is turned into ``str()``, so the raw revert data arrives as the
Python literal of a ``bytes`` after the prefix ``"execution reverted: "``
(e.g. ``execution reverted: b'PEp\\xe3'``). :func:`revert_data` is the one
place that knows this; :class:`ErrorDecoder` maps the data to the ABI's
``type == "error"`` entries.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi.abi import decode
from eth_tester.exceptions import TransactionFailed
from eth_utils.abi import collapse_if_tuple
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.contract import Contract

_REVERT_PREFIX = "execution reverted: "
# Error(string) and Panic(uint256) are built into Solidity and absent from ABIs.
_BUILTIN_ERRORS: tuple[Mapping[str, Any], ...] = (
    {"type": "error", "name": "Error", "inputs": [{"name": "message", "type": "string"}]},
    {"type": "error", "name": "Panic", "inputs": [{"name": "code", "type": "uint256"}]},
)


@dataclass(frozen=True)
class CustomError:
    """A decoded revert: the error's name and its arguments in ABI order."""

    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True)
class _ErrorShape:
    name: str
    types: tuple[str, ...]


def revert_data(failure: BaseException) -> bytes:
    """The raw revert data carried by an eth-tester ``TransactionFailed``."""
    message = failure.args[0] if failure.args else None
    if not isinstance(message, str) or not message.startswith(_REVERT_PREFIX):
        pytest.fail(f"not a revert with data: {failure!r}")
    literal = message.removeprefix(_REVERT_PREFIX)
    try:
        data = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        pytest.fail(f"revert data is not a bytes literal: {literal!r}")
    if not isinstance(data, bytes):
        pytest.fail(f"revert data is not bytes: {literal!r}")
    return data


class ErrorDecoder:
    """Maps revert data to a :class:`CustomError` using an ABI's error entries."""

    def __init__(self, abi: Iterable[Mapping[str, Any]]) -> None:
        entries = [entry for entry in abi if entry.get("type") == "error"]
        self._by_selector: dict[bytes, _ErrorShape] = {}
        for entry in (*entries, *_BUILTIN_ERRORS):
            types = tuple(collapse_if_tuple(item) for item in entry.get("inputs", []))
            signature = f"{entry['name']}({','.join(types)})"
            self._by_selector[keccak(text=signature)[:4]] = _ErrorShape(entry["name"], types)

    @property
    def error_names(self) -> frozenset[str]:
        return frozenset(shape.name for shape in self._by_selector.values())

    def decode(self, data: bytes) -> CustomError:
        if len(data) < 4:
            pytest.fail(f"revert data too short for a selector: 0x{data.hex()}")
        shape = self._by_selector.get(data[:4])
        if shape is None:
            pytest.fail(f"unknown error selector 0x{data[:4].hex()}")
        values = decode(list(shape.types), data[4:], strict=True)
        # web3 returns checksummed addresses everywhere else; do the same here.
        args = tuple(
            to_checksum_address(value) if kind == "address" else value
            for kind, value in zip(shape.types, values, strict=True)
        )
        return CustomError(shape.name, args)


@contextmanager
def reverts_with(contract: Contract, name: str, *args: Any) -> Iterator[None]:
    """Expect the ``with`` block to revert with ``contract``'s custom error ``name(*args)``."""
    decoder = ErrorDecoder(contract.abi)
    if name not in decoder.error_names:
        pytest.fail(f"{name} is not an error of the contract's ABI")
    with pytest.raises(TransactionFailed) as failure:
        yield
    expected, actual = CustomError(name, tuple(args)), decoder.decode(revert_data(failure.value))
    assert actual == expected, f"expected a revert with {expected}, got {actual}"
