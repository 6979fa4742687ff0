"""Decoding contract reverts into the custom error they carry, whichever transport raised them.

A JSON-RPC node reports a revert as a JSON-RPC error whose ``data`` is the raw revert
payload; web3 raises it as ``ContractLogicError`` (or its subclasses
``ContractCustomError`` / ``ContractPanicError``) with ``.data`` set to that hex string.
eth-tester instead raises its own ``TransactionFailed`` whose message is
``"execution reverted: <repr of the payload bytes>"`` (web3's eth-tester provider has
already tried and failed to read it as ``Error(string)``). :func:`revert_of` reads both
shapes, and :class:`RevertDecoder` names the payload from the ABI's ``error`` entries.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from eth_abi import abi
from eth_abi.exceptions import DecodingError
from eth_typing import ABIError
from eth_utils.abi import (
    abi_to_signature,
    function_signature_to_4byte_selector,
    get_abi_input_types,
)
from web3.exceptions import ContractLogicError

ERROR_STRING_SIGNATURE = "Error(string)"
PANIC_SIGNATURE = "Panic(uint256)"
_TESTER_REVERT_PREFIX = "execution reverted: "


@dataclass(frozen=True, slots=True)
class DecodedRevert:
    """A revert payload named from the ABI; ``name`` is None when the selector is unknown."""

    name: str | None
    args: tuple[object, ...]
    data: bytes
    detail: str = ""

    def describe(self) -> str:
        if self.name is None:
            if self.data:
                return f"reverted with unknown data 0x{self.data.hex()}"
            return f"reverted: {self.detail}" if self.detail else "reverted"
        rendered = ", ".join(_render(arg) for arg in self.args)
        return f"reverted with {self.name}({rendered})"


@dataclass(frozen=True, slots=True)
class _ErrorShape:
    name: str
    input_types: tuple[str, ...]


class RevertDecoder:
    """Maps 4-byte selectors to the custom errors of an ABI (plus Solidity's built-in two)."""

    def __init__(self, contract_abi: Iterable[Mapping[str, Any]]) -> None:
        shapes: dict[bytes, _ErrorShape] = {}
        builtin = (
            {"type": "error", "name": "Error", "inputs": [{"name": "reason", "type": "string"}]},
            {"type": "error", "name": "Panic", "inputs": [{"name": "code", "type": "uint256"}]},
        )
        for entry in (*builtin, *contract_abi):
            if entry.get("type") != "error":
                continue
            error = cast(ABIError, entry)
            selector = function_signature_to_4byte_selector(abi_to_signature(error))
            shapes[selector] = _ErrorShape(
                name=entry["name"],
                input_types=tuple(get_abi_input_types(error)),
            )
        self._shapes = shapes

    @property
    def error_names(self) -> frozenset[str]:
        return frozenset(shape.name for shape in self._shapes.values())

    def decode(self, data: bytes) -> DecodedRevert:
        shape = self._shapes.get(data[:4])
        if shape is None:
            return DecodedRevert(name=None, args=(), data=data)
        try:
            args = tuple(abi.decode(list(shape.input_types), data[4:]))
        except DecodingError:
            # A known selector with a malformed body still names the error.
            args = ()
        return DecodedRevert(name=shape.name, args=args, data=data)


def revert_of(exc: BaseException, decoder: RevertDecoder) -> DecodedRevert | None:
    """The revert carried by ``exc``, or None if ``exc`` is not a contract revert."""
    if isinstance(exc, ContractLogicError):
        data = _payload_from_rpc(exc.data)
        if data is None:
            return DecodedRevert(name=None, args=(), data=b"")
        return decoder.decode(data)
    if _is_tester_failure(exc):
        return _decode_tester_failure(exc, decoder)
    return None


def _payload_from_rpc(data: str | dict[str, str] | None) -> bytes | None:
    # Some nodes nest the payload one level deeper: {"data": "0x..."}.
    if isinstance(data, Mapping):
        data = data.get("data")
    if not isinstance(data, str) or not data.startswith("0x"):
        return None
    try:
        return bytes.fromhex(data[2:])
    except ValueError:
        return None


def _is_tester_failure(exc: BaseException) -> bool:
    # Look the class up only if eth-tester is loaded, so RPC-only processes never import it.
    module = sys.modules.get("eth_tester.exceptions")
    return module is not None and isinstance(exc, module.TransactionFailed)


def _decode_tester_failure(exc: BaseException, decoder: RevertDecoder) -> DecodedRevert:
    message = str(exc.args[0]) if exc.args else ""
    detail = message.removeprefix(_TESTER_REVERT_PREFIX)
    if detail.startswith(("b'", 'b"')):
        try:
            payload = ast.literal_eval(detail)
        except (ValueError, SyntaxError):
            payload = None
        if isinstance(payload, bytes):
            return decoder.decode(payload)
    # Not a payload: a halt without revert data (out of gas, invalid opcode) or a reason
    # string web3 already decoded; neither names a custom error.
    return DecodedRevert(name=None, args=(), data=b"", detail=detail)


def _render(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value) if isinstance(value, str) else str(value)
