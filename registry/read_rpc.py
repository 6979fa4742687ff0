"""The read-only JSON-RPC a verifier needs, served over the registry's own chain.

A receipt is only worth something if a reader can check it against the chain without
trusting us; the embedded chain lives inside the server process (its data directory is
locked while it runs), so the API answers the handful of Ethereum JSON-RPC reads a
verifier makes (``cast``, ``ethers``, ``policy-registry verify-receipt --rpc-url``) and
nothing else. This module is the policy: which methods, how their parameters are checked
and bounded, and the JSON-RPC error they get when they are not acceptable. The chain
adapters do the transport (:meth:`registry.ports.ChainPort.read_rpc`): the embedded
chain answers in process, a node-backed service forwards to its node.

Parameters arrive as JSON (anything at all) and leave as the standard wire form: hex
quantities, ``0x`` data, 20-byte addresses, 32-byte hashes, block tags. Bounds: a log
query covers at most :data:`MAX_LOG_BLOCKS` blocks, an ``eth_call`` at most
:data:`CALL_GAS_CAP` gas (the default when none is given), filters at most
:data:`MAX_FILTER_VALUES` addresses or topic alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from registry.errors import ChainUnavailable, RegistryError

# JSON-RPC 2.0's codes, and the two Ethereum nodes use (geth's "execution reverted").
PARSE_ERROR: Final = -32700
INVALID_REQUEST: Final = -32600
METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
SERVER_ERROR: Final = -32000
EXECUTION_REVERTED: Final = 3

READ_METHODS: Final = frozenset(
    {
        "eth_chainId",
        "eth_blockNumber",
        "eth_call",
        "eth_getCode",
        "eth_getLogs",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_getTransactionByHash",
        "eth_getTransactionReceipt",
        # Not a verifier's read, but cast asks it (for the sender 0x0) before every eth_call.
        "eth_getTransactionCount",
        "net_version",
        "web3_clientVersion",
    }
)
MAX_BODY_BYTES: Final = 64 * 1024
MAX_BATCH: Final = 20
MAX_LOG_BLOCKS: Final = 10_000
CALL_GAS_CAP: Final = 25_000_000
"""Below the embedded chain's block gas limit (30,029,122); far above any registry view."""
MAX_FILTER_VALUES: Final = 32
MAX_CALL_DATA_BYTES: Final = 32 * 1024

BLOCK_TAGS: Final = frozenset({"latest", "pending", "earliest", "safe", "finalized"})
_HEAD_TAGS: Final = frozenset({"latest", "pending", "safe", "finalized"})
_QUANTITY: Final = re.compile(r"0x[0-9a-fA-F]{1,64}")
_DATA: Final = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
_ADDRESS: Final = re.compile(r"0x[0-9a-fA-F]{40}")
_HASH: Final = re.compile(r"0x[0-9a-fA-F]{64}")
_MAX_BLOCK_NUMBER: Final = 2**63 - 1
_MAX_WEI: Final = 2**256 - 1
# eth_call fields a read-only call does without: it runs unsigned, at no gas price.
_IGNORED_CALL_FIELDS: Final = frozenset(
    {"gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "nonce", "type", "chainId", "accessList"}
)
_CALL_FIELDS: Final = frozenset({"from", "to", "gas", "value", "data", "input"})
_FILTER_FIELDS: Final = frozenset({"fromBlock", "toBlock", "address", "topics", "blockHash"})


class RpcFault(Exception):
    """A JSON-RPC error object: ``code``, ``message`` and, for a revert, its ``data``."""

    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def as_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class ReadRpcChain(Protocol):
    """What :func:`answer` needs of a chain: its head and the transport of one read."""

    def latest_block(self) -> int: ...

    def read_rpc(self, method: str, params: list[Any]) -> Any: ...


def answer(chain: ReadRpcChain, method: object, params: object) -> Any:
    """The result of one read ``method`` with ``params`` on ``chain``, in wire form.

    Raises :class:`RpcFault` for anything that is not an acceptable read, or that the
    chain refused or could not answer (never with the node's address in it).
    """
    if not isinstance(method, str) or method not in READ_METHODS:
        raise RpcFault(
            METHOD_NOT_FOUND,
            f"the method {_shown(method)} is not served: this endpoint is read-only "
            f"({', '.join(sorted(READ_METHODS))})",
        )
    normalized = normalized_params(method, params)
    try:
        if method == "eth_getLogs":
            query = _bounded_log_filter(normalized[0], chain.latest_block())
            if query is None:
                return []
            normalized = [query]
        return chain.read_rpc(method, normalized)
    except ChainUnavailable:
        raise RpcFault(INTERNAL_ERROR, "the chain is unreachable; try again later") from None
    except RegistryError as exc:
        raise RpcFault(SERVER_ERROR, f"the chain could not answer ({type(exc).__name__})") from None


def normalized_params(method: str, params: object) -> list[Any]:
    """``params`` for ``method`` checked, bounded and in canonical wire form."""
    if params is None:
        params = []
    if not isinstance(params, list):
        raise RpcFault(INVALID_PARAMS, "params must be an array")
    checker = _CHECKERS[method]
    return checker(params)


# -- the methods' parameters ------------------------------------------------------------


def _no_params(params: list[Any]) -> list[Any]:
    if params:
        raise RpcFault(INVALID_PARAMS, "this method takes no parameters")
    return []


def _account_params(params: list[Any]) -> list[Any]:
    _arity(params, 1, 2)
    block = params[1] if len(params) > 1 else "latest"
    return [_address(params[0], "address"), _block(block)]


def _call_params(params: list[Any]) -> list[Any]:
    if len(params) > 2:
        raise RpcFault(INVALID_PARAMS, "state and block overrides are not served")
    _arity(params, 1, 2)
    block = params[1] if len(params) > 1 else "latest"
    return [_call(params[0]), _block(block)]


def _logs_params(params: list[Any]) -> list[Any]:
    _arity(params, 1, 1)
    return [_filter(params[0])]


def _block_by_number_params(params: list[Any]) -> list[Any]:
    _arity(params, 1, 2)
    return [_block(params[0]), _full(params)]


def _block_by_hash_params(params: list[Any]) -> list[Any]:
    _arity(params, 1, 2)
    return [_hash(params[0], "block hash"), _full(params)]


def _transaction_params(params: list[Any]) -> list[Any]:
    _arity(params, 1, 1)
    return [_hash(params[0], "transaction hash")]


_CHECKERS: Final[dict[str, Callable[[list[Any]], list[Any]]]] = {
    "eth_chainId": _no_params,
    "eth_blockNumber": _no_params,
    "net_version": _no_params,
    "web3_clientVersion": _no_params,
    "eth_call": _call_params,
    "eth_getCode": _account_params,
    "eth_getTransactionCount": _account_params,
    "eth_getLogs": _logs_params,
    "eth_getBlockByNumber": _block_by_number_params,
    "eth_getBlockByHash": _block_by_hash_params,
    "eth_getTransactionByHash": _transaction_params,
    "eth_getTransactionReceipt": _transaction_params,
}


# -- the parameters' parts --------------------------------------------------------------


def _arity(params: list[Any], least: int, most: int) -> None:
    if not least <= len(params) <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise RpcFault(INVALID_PARAMS, f"expected {wanted} parameters, got {len(params)}")


def _full(params: list[Any]) -> bool:
    full = params[1] if len(params) > 1 else False
    if not isinstance(full, bool):
        raise RpcFault(INVALID_PARAMS, "the second parameter (full transactions) is a boolean")
    return full


def _quantity(value: object, name: str, maximum: int) -> int:
    if not isinstance(value, str) or not _QUANTITY.fullmatch(value):
        raise RpcFault(INVALID_PARAMS, f"{name} must be a hex quantity (0x...)")
    number = int(value, 16)
    if number > maximum:
        raise RpcFault(INVALID_PARAMS, f"{name} is above {maximum}")
    return number


def _block(value: object) -> str:
    if isinstance(value, Mapping) and set(value) == {"blockNumber"}:
        value = value["blockNumber"]  # EIP-1898, by number
    if isinstance(value, str) and value in BLOCK_TAGS:
        return value
    if isinstance(value, str) and value.startswith("0x"):
        return hex(_quantity(value, "the block number", _MAX_BLOCK_NUMBER))
    raise RpcFault(
        INVALID_PARAMS,
        "a block is a hex number or one of " + ", ".join(sorted(BLOCK_TAGS)),
    )


def _address(value: object, name: str) -> str:
    if not isinstance(value, str) or not _ADDRESS.fullmatch(value):
        raise RpcFault(INVALID_PARAMS, f"{name} must be a 20-byte hex address")
    return value.lower()


def _hash(value: object, name: str) -> str:
    if not isinstance(value, str) or not _HASH.fullmatch(value):
        raise RpcFault(INVALID_PARAMS, f"{name} must be 32 bytes of hex (0x and 64 digits)")
    return value.lower()


def _data(value: object, name: str) -> str:
    if not isinstance(value, str) or not _DATA.fullmatch(value):
        raise RpcFault(INVALID_PARAMS, f"{name} must be hex bytes (0x...)")
    if len(value) > 2 + 2 * MAX_CALL_DATA_BYTES:
        raise RpcFault(INVALID_PARAMS, f"{name} is longer than {MAX_CALL_DATA_BYTES} bytes")
    return value.lower()


def _call(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise RpcFault(INVALID_PARAMS, "the call must be an object")
    unknown = set(value) - _CALL_FIELDS - _IGNORED_CALL_FIELDS
    if unknown:
        raise RpcFault(INVALID_PARAMS, f"unknown call field {_shown(min(unknown))}")
    if "to" not in value or value["to"] is None:
        raise RpcFault(INVALID_PARAMS, "the call needs a 'to' address")
    call = {"to": _address(value["to"], "to")}
    if value.get("from") is not None:
        call["from"] = _address(value["from"], "from")
    data = [_data(value[key], key) for key in ("data", "input") if value.get(key) is not None]
    if len(set(data)) > 1:
        raise RpcFault(INVALID_PARAMS, "data and input differ")
    if data:
        call["data"] = data[0]
    gas = CALL_GAS_CAP
    if value.get("gas") is not None:
        gas = _quantity(value["gas"], "gas", CALL_GAS_CAP)
    call["gas"] = hex(gas)
    if value.get("value") is not None:
        call["value"] = hex(_quantity(value["value"], "value", _MAX_WEI))
    return call


def _filter(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise RpcFault(INVALID_PARAMS, "the log filter must be an object")
    unknown = set(value) - _FILTER_FIELDS
    if unknown:
        raise RpcFault(INVALID_PARAMS, f"unknown filter field {_shown(min(unknown))}")
    query: dict[str, Any] = {}
    if value.get("blockHash") is not None:
        if value.get("fromBlock") is not None or value.get("toBlock") is not None:
            raise RpcFault(INVALID_PARAMS, "give blockHash or fromBlock/toBlock, not both")
        query["blockHash"] = _hash(value["blockHash"], "blockHash")
    else:
        for key in ("fromBlock", "toBlock"):
            query[key] = _block(value[key]) if value.get(key) is not None else "latest"
    address = value.get("address")
    if isinstance(address, list):
        query["address"] = [_address(item, "address") for item in _bounded(address, "address")]
    elif address is not None:
        query["address"] = _address(address, "address")
    topics = value.get("topics")
    if topics is not None:
        if not isinstance(topics, list) or len(topics) > 4:
            raise RpcFault(INVALID_PARAMS, "topics is an array of at most 4 positions")
        query["topics"] = [_topic(position) for position in topics]
    return query


def _topic(position: object) -> str | list[str] | None:
    if position is None:
        return None
    if isinstance(position, list):
        return [_hash(item, "a topic") for item in _bounded(position, "topic alternatives")]
    return _hash(position, "a topic")


def _bounded(values: list[Any], name: str) -> list[Any]:
    if not values or len(values) > MAX_FILTER_VALUES:
        raise RpcFault(INVALID_PARAMS, f"{name} holds 1 to {MAX_FILTER_VALUES} values")
    return values


def _bounded_log_filter(query: dict[str, Any], head: int) -> dict[str, Any] | None:
    """``query`` with its block range as numbers, at most :data:`MAX_LOG_BLOCKS` blocks, and
    none beyond the head (None: the range starts beyond it, no log can match)."""
    if "blockHash" in query:
        return query
    first = _block_number(query["fromBlock"], head)
    last = _block_number(query["toBlock"], head)
    if first > last:
        raise RpcFault(INVALID_PARAMS, "fromBlock is after toBlock")
    if last - first + 1 > MAX_LOG_BLOCKS:
        raise RpcFault(
            INVALID_PARAMS,
            f"a log query covers at most {MAX_LOG_BLOCKS} blocks; "
            f"this one covers {last - first + 1} (split it)",
        )
    if first > head:
        return None
    return {**query, "fromBlock": hex(first), "toBlock": hex(min(last, head))}


def _block_number(block: str, head: int) -> int:
    if block in _HEAD_TAGS:
        return head
    if block == "earliest":
        return 0
    return int(block, 16)


def _shown(value: object) -> str:
    """``value`` quoted for a message, cut short (a client may send anything)."""
    text = repr(value)
    return text if len(text) <= 64 else text[:61] + "..."
