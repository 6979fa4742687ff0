"""One read-only JSON-RPC call, answered in the wire form a geth or anvil node sends.

:mod:`registry.read_rpc` has checked and normalized the call; this module is its
transport, for the two kinds of chain adapter:

- :func:`node_read` forwards it to the adapter's JSON-RPC node and returns the node's
  result or error as the node gave it. The node's URL (often carrying an API key) is
  never put in an answer: a transport failure is reported by its kind only.
- :func:`tester_read` answers it from eth-tester in this process. eth-tester's provider
  gives Python values (integers, snake_case keys, a bloom as an integer, a receipt
  without its bloom); they are put back into the standard shapes (hex quantities, ``0x``
  data, camelCase keys, a 256-byte ``logsBloom``, logs with ``removed``), so that
  ``cast``, ``ethers`` and web3 read them as they read any node.
- :func:`tester_call` runs ``eth_call`` on py-evm as a node does (no base fee, so an
  unfunded sender may call), reverts reported as geth reports them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from eth_bloom.bloom import BloomFilter
from eth_utils.exceptions import ValidationError
from web3 import Web3
from web3.types import RPCEndpoint

from registry.adapters.chain.revert import RevertDecoder
from registry.read_rpc import (
    EXECUTION_REVERTED,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    SERVER_ERROR,
    RpcFault,
)

MAX_MESSAGE_CHARS: Final = 500
_BLOOM_BYTES: Final = 256
_LIBRARY_PACKAGES: Final = frozenset({"web3", "eth_tester", "eth", "eth_utils", "eth_abi", "rlp"})


def node_read(w3: Web3, method: str, params: list[Any]) -> Any:
    """The node's own answer to ``method``: its result, or its error as an :class:`RpcFault`."""
    provider = w3.provider
    try:
        response = provider.make_request(RPCEndpoint(method), params)
    except Exception as exc:  # any transport failure; its text may hold the URL, so not kept
        raise RpcFault(
            INTERNAL_ERROR, f"the chain node did not answer ({type(exc).__name__})"
        ) from None
    if not isinstance(response, Mapping):
        raise RpcFault(INTERNAL_ERROR, "the chain node's answer is not a JSON-RPC response")
    error = response.get("error")
    if error is not None:
        secret = str(getattr(provider, "endpoint_uri", "") or "")
        raise _node_fault(error, secret)
    return response.get("result")


def tester_read(
    w3: Web3, chain_id: int, method: str, params: list[Any], block_time: Callable[[int], int]
) -> Any:
    """The answer to ``method`` from the eth-tester chain behind ``w3``, in wire form.

    ``block_time`` gives a block's timestamp: logs, transactions and receipts carry it
    as ``blockTimestamp``, as anvil and geth (1.16 on) put it there.
    """
    if method == "eth_chainId":
        return hex(chain_id)
    if method == "net_version":
        # eth-tester says "1" whatever the chain; a node says its network id, the chain id here.
        return str(chain_id)
    # Imported here, so that a process on a node never loads eth-tester.
    from eth_tester.exceptions import ValidationError as TesterValidationError

    request = w3.provider.request_func(w3, w3.middleware_onion)
    try:
        response = request(RPCEndpoint(method), params)
    except TesterValidationError as exc:
        raise RpcFault(INVALID_PARAMS, _bounded(str(exc))) from None
    except Exception as exc:
        if type(exc).__module__.partition(".")[0] not in _LIBRARY_PACKAGES:
            raise
        raise RpcFault(SERVER_ERROR, _bounded(f"{type(exc).__name__}: {exc}")) from None
    error = response.get("error")
    if error is not None:
        raise _node_fault(error, "")
    return _stamped(_wire_result(method, response.get("result")), block_time, {})


def tester_call(chain: Any, call: Mapping[str, str], block: str, reverts: RevertDecoder) -> str:
    """``eth_call`` on the py-evm ``chain`` as geth runs it: unsigned, free, state unchanged.

    eth-tester's own ``eth_call`` charges the block's base fee, so a sender without
    funds (``cast call`` asks as 0x0) is refused; a node runs a call at no gas price
    (base fee zero), which is what this does. The caller holds the chain's lock.
    """
    # Imported here, so that a process on a node never loads py-evm.
    from eth.exceptions import HeaderNotFound, Revert
    from eth.vm.spoof import SpoofTransaction

    try:
        header = _call_header(chain, block)
    except HeaderNotFound:
        raise RpcFault(SERVER_ERROR, "header not found") from None
    vm = chain.get_vm(at_header=header.copy(base_fee_per_gas=0))
    sender = bytes.fromhex(call.get("from", "0x" + "00" * 20)[2:])
    state = vm.state
    unsigned = vm.create_unsigned_transaction(
        nonce=state.get_nonce(sender),
        gas_price=0,
        gas=int(call["gas"], 16),
        to=bytes.fromhex(call["to"][2:]),
        value=int(call.get("value", "0x0"), 16),
        data=bytes.fromhex(call.get("data", "0x")[2:]),
    )
    snapshot = state.snapshot()
    try:
        computation = state.apply_transaction(SpoofTransaction(unsigned, from_=sender))
    except ValidationError as exc:
        # Not runnable at all (a value the sender lacks, gas below the intrinsic cost).
        raise RpcFault(SERVER_ERROR, _bounded(str(exc))) from None
    finally:
        state.revert(snapshot)
    if not computation.is_error:
        return "0x" + bytes(computation.output).hex()
    if isinstance(computation.error, Revert):
        raise _revert_fault(bytes(computation.output), reverts)
    raise RpcFault(SERVER_ERROR, _bounded(f"execution failed: {type(computation.error).__name__}"))


def tester_log_filter(chain: Any, query: Mapping[str, Any]) -> dict[str, Any]:
    """``query`` as eth-tester takes it: by block numbers (it has no ``blockHash`` filter)."""
    if "blockHash" not in query:
        return dict(query)
    from eth.exceptions import HeaderNotFound

    try:
        header = chain.get_block_header_by_hash(bytes.fromhex(query["blockHash"][2:]))
    except HeaderNotFound:
        raise RpcFault(SERVER_ERROR, "unknown block") from None
    number = hex(header.block_number)
    rest = {key: value for key, value in query.items() if key != "blockHash"}
    return {**rest, "fromBlock": number, "toBlock": number}


def _call_header(chain: Any, block: str) -> Any:
    if block in ("latest", "pending", "safe", "finalized"):
        return chain.get_canonical_head()
    number = 0 if block == "earliest" else int(block, 16)
    return chain.get_canonical_block_header_by_number(number)


# -- eth-tester's values in wire form -----------------------------------------------------


def _wire_result(method: str, result: Any) -> Any:
    if result is None:
        return None
    if method in ("eth_getBlockByNumber", "eth_getBlockByHash"):
        return _wire_block(result)
    if method == "eth_getTransactionByHash":
        return _wire_transaction(result)
    if method == "eth_getTransactionReceipt":
        return _wire_receipt(result)
    if method == "eth_getLogs":
        return [_wire_log(log) for log in result]
    return _wire(result)


def _stamped(value: Any, block_time: Callable[[int], int], times: dict[int, str]) -> Any:
    """``value`` with ``blockTimestamp`` beside each mined ``blockNumber`` in it."""
    if isinstance(value, list):
        return [_stamped(item, block_time, times) for item in value]
    if not isinstance(value, dict):
        return value
    stamped = {key: _stamped(item, block_time, times) for key, item in value.items()}
    number = value.get("blockNumber")
    if isinstance(number, str) and "blockTimestamp" not in value:
        block = int(number, 16)
        if block not in times:
            times[block] = hex(block_time(block))
        stamped["blockTimestamp"] = times[block]
    return stamped


def _wire_block(block: Mapping[str, Any]) -> dict[str, Any]:
    wired: dict[str, Any] = {}
    for key, value in block.items():
        if key == "logsBloom":
            wired[key] = _bloom_hex(int(value) if not isinstance(value, bytes) else value)
        elif key == "transactions":
            wired[key] = [
                _wire_transaction(item) if isinstance(item, Mapping) else _wire(item)
                for item in value
            ]
        else:
            wired[_camel(key)] = _wire(value)
    return wired


def _wire_transaction(transaction: Mapping[str, Any]) -> dict[str, Any]:
    wired: dict[str, Any] = {}
    for key, value in transaction.items():
        # eth-tester's "data" is the wire's "input"; inside a block it is not renamed.
        name = "input" if key == "data" else _camel(key)
        wired[name] = None if name == "to" and value == "" else _wire(value)
    return wired


def _wire_receipt(receipt: Mapping[str, Any]) -> dict[str, Any]:
    wired: dict[str, Any] = {}
    for key, value in receipt.items():
        if key in ("state_root", "stateRoot"):
            continue  # a pre-Byzantium field eth-tester fills with a status byte
        name = _camel(key)
        if name == "logs":
            wired[name] = [_wire_log(log) for log in value]
        elif name == "to":
            wired[name] = value or None  # eth-tester says "" for a deployment
        else:
            wired[name] = _wire(value)
    if "logsBloom" not in wired:
        wired["logsBloom"] = _bloom_hex(_receipt_bloom(receipt.get("logs", [])))
    return wired


def _wire_log(log: Mapping[str, Any]) -> dict[str, Any]:
    wired = {_camel(key): _wire(value) for key, value in log.items() if key != "type"}
    wired["removed"] = False  # eth-tester's "type": "mined"; nothing is ever reorganised here
    return wired


def _receipt_bloom(logs: Any) -> int:
    bloom = BloomFilter()
    for log in logs:
        bloom.add(bytes.fromhex(str(log["address"])[2:]))
        for topic in log["topics"]:
            bloom.add(bytes.fromhex(str(topic)[2:]) if isinstance(topic, str) else bytes(topic))
    return int(bloom)


def _bloom_hex(value: int | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.to_bytes(_BLOOM_BYTES, "big")
    return "0x" + raw.hex()


def _wire(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {_camel(str(key)): _wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    raise TypeError(f"no wire form for {type(value).__name__}")


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# -- errors ----------------------------------------------------------------------------


def _revert_fault(payload: bytes, reverts: RevertDecoder) -> RpcFault:
    """A revert as geth reports it: code 3, "execution reverted", the payload as data."""
    message = "execution reverted"
    revert = reverts.decode(payload)
    if revert.name == "Error" and revert.args:
        message += f": {revert.args[0]}"
    return RpcFault(EXECUTION_REVERTED, _bounded(message), "0x" + payload.hex())


def _node_fault(error: object, secret: str) -> RpcFault:
    if not isinstance(error, Mapping):
        return RpcFault(INTERNAL_ERROR, "the chain node answered with a malformed error")
    code = error.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        code = SERVER_ERROR
    message = str(error.get("message", "error"))
    if secret:
        message = message.replace(secret, "<node>")
    data = error.get("data")
    return RpcFault(code, _bounded(message), data if isinstance(data, str) else None)


def _bounded(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[: MAX_MESSAGE_CHARS - 3] + "..."
