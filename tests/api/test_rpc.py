"""``POST /rpc`` in process: the read-only JSON-RPC over eth-tester's chain, its wire shapes,
its refusals and bounds, JSON-RPC 2.0 framing, CORS, and arbitrary bytes and JSON.

The app runs on the API tests' real :class:`InMemoryChain` and SQLite; one document is
registered and anchored through the API first. Tools against a real server process (cast,
verify-receipt) and the proxy to an anvil node are in ``test_rpc_tools.py``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

import pytest
from eth_abi import abi
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3

from registry.artifact import contract_abi
from registry.read_rpc import MAX_BATCH, MAX_BODY_BYTES, MAX_LOG_BLOCKS, READ_METHODS
from registry.service import RegistryService
from tests.api.conftest import assert_error

QUANTITY: Final = re.compile(r"0x(0|[1-9a-f][0-9a-f]*)")
HASH: Final = re.compile(r"0x[0-9a-f]{64}")
ADDRESS: Final = re.compile(r"0x[0-9a-fA-F]{40}")
DATA: Final = re.compile(r"0x([0-9a-f]{2})*")
BLOOM: Final = re.compile(r"0x[0-9a-f]{512}")
BATCH_ANCHORED: Final = Web3.keccak(text="BatchAnchored(bytes32,address,uint32,string)").to_0x_hex()
REGISTRAR_ROLE: Final = Web3.keccak(text="REGISTRAR_ROLE")
BATCH_TYPE: Final = "(address,uint48,uint48,uint32,string)"
UNFUNDED: Final = "0x000000000000000000000000000000000000dead"
# Quantities and hashes a node sends, by object (the fields both anvil and this endpoint send).
BLOCK_QUANTITIES: Final = ("number", "gasLimit", "gasUsed", "timestamp", "size", "baseFeePerGas")
BLOCK_HASHES: Final = ("hash", "parentHash", "stateRoot", "transactionsRoot", "receiptsRoot")
RECEIPT_QUANTITIES: Final = (
    "blockNumber",
    "gasUsed",
    "cumulativeGasUsed",
    "effectiveGasPrice",
    "status",
    "transactionIndex",
    "type",
)
TX_QUANTITIES: Final = ("blockNumber", "nonce", "gas", "value", "chainId", "transactionIndex")
LOG_QUANTITIES: Final = ("blockNumber", "logIndex", "transactionIndex", "blockTimestamp")


def rpc(client: TestClient, method: str, *params: Any, request_id: Any = 1) -> dict[str, Any]:
    """One call's JSON-RPC response object (HTTP 200, as every JSON-RPC answer)."""
    body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}
    response = client.post("/rpc", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    reply: dict[str, Any] = response.json()
    assert reply["jsonrpc"] == "2.0"
    assert reply["id"] == request_id
    return reply


def result(client: TestClient, method: str, *params: Any) -> Any:
    reply = rpc(client, method, *params)
    assert "error" not in reply, reply
    return reply["result"]


def error(client: TestClient, method: str, *params: Any) -> dict[str, Any]:
    reply = rpc(client, method, *params)
    assert "result" not in reply, reply
    fault: dict[str, Any] = reply["error"]
    assert isinstance(fault["code"], int)
    assert isinstance(fault["message"], str)
    return fault


def assert_quantities(value: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        assert QUANTITY.fullmatch(value[name]), (name, value[name])


@pytest.fixture
def anchored(client: TestClient, registered: dict[str, Any]) -> dict[str, Any]:
    """The registered article's anchor: its root, transaction and block, as the API tells."""
    anchor = registered["anchor"]
    assert anchor is not None, registered
    return {
        "root": registered["batch_root"],
        "tx": anchor["transaction_hash"],
        "block": anchor["block_number"],
        "contract": anchor["contract"],
    }


def test_chain_identity_and_head(client: TestClient, service: RegistryService) -> None:
    assert result(client, "eth_chainId") == hex(service.chain.chain_id)
    assert result(client, "net_version") == str(service.chain.chain_id)
    assert result(client, "eth_blockNumber") == hex(service.chain.latest_block())
    assert isinstance(result(client, "web3_clientVersion"), str)


def test_blocks_have_a_nodes_wire_shape(client: TestClient, anchored: dict[str, Any]) -> None:
    block = result(client, "eth_getBlockByNumber", hex(anchored["block"]), False)
    assert_quantities(block, BLOCK_QUANTITIES)
    for name in BLOCK_HASHES:
        assert HASH.fullmatch(block[name]), name
    assert BLOOM.fullmatch(block["logsBloom"])
    assert int(block["logsBloom"], 16) != 0  # the anchor's log is in it
    assert ADDRESS.fullmatch(block["miner"])
    assert anchored["tx"] in block["transactions"]
    assert result(client, "eth_getBlockByHash", block["hash"], False) == block
    assert result(client, "eth_getBlockByNumber", "latest", False)["number"] == block["number"]
    assert result(client, "eth_getBlockByNumber", "earliest", False)["number"] == "0x0"
    assert result(client, "eth_getBlockByNumber", hex(anchored["block"] + 100), False) is None
    assert result(client, "eth_getBlockByHash", "0x" + "ab" * 32, False) is None

    full = result(client, "eth_getBlockByNumber", hex(anchored["block"]), True)
    (transaction,) = [t for t in full["transactions"] if t["hash"] == anchored["tx"]]
    assert transaction == result(client, "eth_getTransactionByHash", anchored["tx"])


def test_a_transaction_and_its_receipt_have_a_nodes_wire_shape(
    client: TestClient, anchored: dict[str, Any]
) -> None:
    transaction = result(client, "eth_getTransactionByHash", anchored["tx"])
    assert_quantities(transaction, TX_QUANTITIES)
    assert transaction["hash"] == anchored["tx"]
    assert transaction["to"].lower() == anchored["contract"].lower()
    assert DATA.fullmatch(transaction["input"])
    assert len(transaction["input"]) > 10
    assert transaction["blockNumber"] == hex(anchored["block"])

    receipt = result(client, "eth_getTransactionReceipt", anchored["tx"])
    assert_quantities(receipt, RECEIPT_QUANTITIES)
    assert receipt["status"] == "0x1"
    assert receipt["contractAddress"] is None
    assert "stateRoot" not in receipt
    assert "state_root" not in receipt
    block = result(client, "eth_getBlockByNumber", hex(anchored["block"]), False)
    assert receipt["blockHash"] == block["hash"]
    assert receipt["blockTimestamp"] == block["timestamp"]
    # The receipt's bloom is computed from its logs; the block's one transaction: the same.
    assert block["transactions"] == [anchored["tx"]]
    assert receipt["logsBloom"] == block["logsBloom"]
    (log,) = receipt["logs"]
    assert_quantities(log, LOG_QUANTITIES)
    assert log["removed"] is False
    assert "type" not in log
    assert log["topics"][:2] == [BATCH_ANCHORED, anchored["root"]]

    assert result(client, "eth_getTransactionReceipt", "0x" + "cd" * 32) is None
    assert result(client, "eth_getTransactionByHash", "0x" + "cd" * 32) is None


def test_logs_by_range_topic_and_block_hash(client: TestClient, anchored: dict[str, Any]) -> None:
    everything = result(client, "eth_getLogs", {"fromBlock": "earliest", "toBlock": "latest"})
    anchors = result(
        client,
        "eth_getLogs",
        {"fromBlock": "0x0", "address": anchored["contract"], "topics": [BATCH_ANCHORED]},
    )
    (anchor,) = anchors
    assert anchor in everything
    assert anchor["transactionHash"] == anchored["tx"]
    assert anchor["topics"][1] == anchored["root"]
    by_root = result(
        client, "eth_getLogs", {"fromBlock": "0x0", "topics": [None, [anchored["root"]]]}
    )
    assert by_root == anchors
    in_block = result(client, "eth_getLogs", {"blockHash": anchor["blockHash"]})
    assert anchor in in_block
    elsewhere = "0x" + "11" * 20
    assert result(client, "eth_getLogs", {"fromBlock": "0x0", "address": elsewhere}) == []


def test_a_log_query_is_bounded_to_its_block_range(client: TestClient) -> None:
    too_wide = error(client, "eth_getLogs", {"fromBlock": "0x0", "toBlock": hex(MAX_LOG_BLOCKS)})
    assert too_wide["code"] == -32602
    assert f"at most {MAX_LOG_BLOCKS} blocks" in too_wide["message"]
    widest = {"fromBlock": "0x1", "toBlock": hex(MAX_LOG_BLOCKS)}  # beyond the head: up to it
    assert result(client, "eth_getLogs", widest) == result(
        client, "eth_getLogs", {"fromBlock": "0x1"}
    )
    beyond = {"fromBlock": hex(MAX_LOG_BLOCKS), "toBlock": hex(MAX_LOG_BLOCKS + 1)}
    assert result(client, "eth_getLogs", beyond) == []
    backwards = error(client, "eth_getLogs", {"fromBlock": "0x5", "toBlock": "0x1"})
    assert backwards["code"] == -32602
    both = error(client, "eth_getLogs", {"fromBlock": "0x0", "blockHash": "0x" + "00" * 32})
    assert both["code"] == -32602
    many = error(client, "eth_getLogs", {"address": ["0x" + "11" * 20] * 33})
    assert many["code"] == -32602
    assert error(client, "eth_getLogs", {"topics": [None] * 5})["code"] == -32602
    assert error(client, "eth_getLogs", {"fromBlock": "0x0", "other": 1})["code"] == -32602


def test_calls_read_the_contract_as_a_node_would(
    client: TestClient, service: RegistryService, anchored: dict[str, Any]
) -> None:
    contract = Web3().eth.contract(address=anchored["contract"], abi=contract_abi())
    root = bytes.fromhex(anchored["root"][2:])
    data = contract.encode_abi("getBatch", args=[root])
    for sender in ({}, {"from": UNFUNDED}):  # cast calls from 0x0, which holds no ether
        output = result(client, "eth_call", {"to": anchored["contract"], "data": data, **sender})
        (batch,) = abi.decode([BATCH_TYPE], bytes.fromhex(output[2:]))
        record = service.chain.get_batch(root)
        assert record is not None
        assert (Web3.to_checksum_address(batch[0]), batch[2], batch[3]) == (
            record.registrar,
            record.block_number,
            record.document_count,
        )
    # "input" is the newer name of "data"; a call at an earlier block sees that block's state.
    at_anchor = {"to": anchored["contract"], "input": data}
    before = result(client, "eth_call", at_anchor, hex(anchored["block"] - 1))
    assert before != result(client, "eth_call", at_anchor, "latest")


def test_a_reverting_call_answers_as_geth_does(
    client: TestClient, anchored: dict[str, Any]
) -> None:
    contract = Web3().eth.contract(address=anchored["contract"], abi=contract_abi())
    data = contract.encode_abi("anchorBatch", args=[b"\x01" * 32, 1, "x"])
    fault = error(client, "eth_call", {"to": anchored["contract"], "data": data, "from": UNFUNDED})
    assert fault["code"] == 3
    assert fault["message"].startswith("execution reverted")
    selector = Web3.keccak(text="AccessControlUnauthorizedAccount(address,bytes32)")[:4]
    assert fault["data"].startswith("0x" + selector.hex() + "0" * 24 + UNFUNDED[2:])
    assert fault["data"].endswith(REGISTRAR_ROLE.hex())


def test_calls_are_bounded(client: TestClient, anchored: dict[str, Any]) -> None:
    to = anchored["contract"]
    assert error(client, "eth_call", {"to": to, "gas": hex(25_000_001)})["code"] == -32602
    version = "0x54fd4d50"  # version()
    assert result(client, "eth_call", {"to": to, "data": version, "gas": hex(25_000_000)})
    overrides = error(client, "eth_call", {"to": to}, "latest", {to: {"balance": "0x1"}})
    assert overrides["code"] == -32602
    assert "overrides" in overrides["message"]
    assert error(client, "eth_call", {"data": "0x"})["code"] == -32602
    assert error(client, "eth_call", {"to": to, "data": "0x0"})["code"] == -32602
    assert error(client, "eth_call", {"to": to, "data": "0x00", "input": "0x01"})["code"] == -32602
    assert error(client, "eth_call", {"to": to, "blob": "0x"})["code"] == -32602
    assert error(client, "eth_call", {"to": to}, "0x" + "f" * 20)["code"] == -32602
    assert error(client, "eth_call", {"to": to}, "newest")["code"] == -32602
    # Fields a signed transaction has are accepted and ignored: a call is free and unsigned.
    ignored = {"to": to, "gasPrice": "0x3b9aca00", "nonce": "0x9", "chainId": "0x1", "type": "0x2"}
    assert result(client, "eth_call", {**ignored, "data": version}).startswith("0x")
    # What cannot run at all is the node's error, not ours: a value the sender lacks, no gas.
    for unrunnable in ({"value": "0x1", "from": UNFUNDED}, {"gas": "0x1"}):
        fault = error(client, "eth_call", {"to": to, "data": version, **unrunnable})
        assert fault["code"] == -32000, fault
    beyond = error(client, "eth_call", {"to": to}, hex(10**6))
    assert beyond["code"] == -32000
    assert beyond["message"] == "header not found"


def test_code_and_transaction_count(
    client: TestClient, service: RegistryService, anchored: dict[str, Any]
) -> None:
    code = result(client, "eth_getCode", anchored["contract"], "latest")
    assert DATA.fullmatch(code)
    assert len(code) > 1000
    assert result(client, "eth_getCode", anchored["contract"], "0x0") == "0x"
    assert result(client, "eth_getCode", UNFUNDED) == "0x"
    count = result(client, "eth_getTransactionCount", service.chain.registrar, "latest")
    assert int(count, 16) >= 2  # the deployment and the anchor
    assert result(client, "eth_getTransactionCount", UNFUNDED, "latest") == "0x0"


@pytest.mark.parametrize(
    "method",
    [
        "eth_sendRawTransaction",
        "eth_sendTransaction",
        "eth_sign",
        "eth_signTransaction",
        "eth_accounts",
        "eth_estimateGas",
        "eth_newFilter",
        "evm_mine",
        "evm_snapshot",
        "evm_revert",
        "evm_increaseTime",
        "personal_unlockAccount",
        "debug_traceTransaction",
        "admin_nodeInfo",
        "anvil_setBalance",
        "",
        "eth_chainid",
    ],
)
def test_anything_but_the_reads_is_refused(
    client: TestClient, service: RegistryService, method: str
) -> None:
    head = service.chain.latest_block()
    fault = error(client, method, "0x02")
    assert fault["code"] == -32601
    assert "read-only" in fault["message"]
    assert service.chain.latest_block() == head


def test_parameters_are_checked(client: TestClient) -> None:
    checks: list[tuple[str, Any]] = [
        ("eth_blockNumber", ["latest"]),
        ("eth_getBlockByNumber", []),
        ("eth_getBlockByNumber", ["0x1", "yes"]),
        ("eth_getBlockByNumber", [1, False]),
        ("eth_getBlockByNumber", ["0x", False]),
        ("eth_getBlockByHash", ["0x1234", False]),
        ("eth_getTransactionByHash", [None]),
        ("eth_getTransactionReceipt", ["0x" + "zz" * 32]),
        ("eth_getCode", ["0x1234"]),
        ("eth_getLogs", ["latest"]),
        ("eth_getLogs", []),
        ("eth_call", ["0x"]),
    ]
    for method, params in checks:
        reply = client.post(
            "/rpc", json={"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
        ).json()
        assert reply["error"]["code"] == -32602, (method, params, reply)
    not_a_list = {"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": {"a": 1}}
    assert client.post("/rpc", json=not_a_list).json()["error"]["code"] == -32602
    # An EIP-1898 block by number is a block number.
    by_number = {"blockNumber": "0x0"}
    assert result(client, "eth_getCode", "0x" + "00" * 20, by_number) == "0x"


def test_batches_answer_each_call_with_its_id(client: TestClient) -> None:
    calls: list[Any] = [
        {"jsonrpc": "2.0", "id": "a", "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": 2, "method": "evm_mine", "params": []},
        {"jsonrpc": "2.0", "method": "eth_blockNumber", "params": []},  # a notification
        {"jsonrpc": "2.0", "id": None, "method": "eth_blockNumber", "params": []},
        5,
        {"jsonrpc": "1.0", "id": 6, "method": "eth_chainId"},
        {"jsonrpc": "2.0", "id": [7], "method": "eth_chainId"},
    ]
    response = client.post("/rpc", json=calls)
    assert response.status_code == 200
    replies = response.json()
    assert [reply.get("id") for reply in replies] == ["a", 2, None, None, 6, None]
    assert "result" in replies[0]
    assert replies[1]["error"]["code"] == -32601
    assert "result" in replies[2]
    assert [reply["error"]["code"] for reply in replies[3:]] == [-32600, -32600, -32600]

    full = [{"jsonrpc": "2.0", "id": n, "method": "eth_chainId"} for n in range(MAX_BATCH)]
    assert [reply["id"] for reply in client.post("/rpc", json=full).json()] == list(range(20))
    over = client.post("/rpc", json=[*full, full[0]]).json()
    assert over["error"]["code"] == -32600
    assert f"at most {MAX_BATCH}" in over["error"]["message"]
    assert client.post("/rpc", json=[]).json()["error"]["code"] == -32600
    only_notifications = [{"jsonrpc": "2.0", "method": "eth_chainId"}] * 2
    assert client.post("/rpc", json=only_notifications).status_code == 204
    assert client.post("/rpc", json=only_notifications[0]).status_code == 204


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"not json",
        b"\xff\xfe{}",
        b'{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": [NaN]}',
        b'{"id": 1' + b"9" * 5000 + b"}",
    ],
)
def test_what_is_not_json_is_a_parse_error(client: TestClient, body: bytes) -> None:
    response = client.post("/rpc", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32700, "message": "parse error: the body is not JSON"},
    }


def test_deep_nesting_is_answered(client: TestClient) -> None:
    body = b"[" * 1_000 + b"]" * 1_000
    response = client.post("/rpc", content=body)
    assert response.status_code == 200
    (reply,) = response.json()
    assert reply["error"]["code"] == -32600  # a batch of one array: not a call
    # Deeper than the recursion limit (py-evm's 12,288) the body cannot be parsed at all.
    for body in (b"[" * 30_000 + b"]" * 30_000, b"[" * 60_000):
        response = client.post("/rpc", content=body)
        assert response.status_code == 200
        assert response.json()["error"]["code"] == -32700


def test_a_request_that_is_not_a_call_is_invalid(client: TestClient) -> None:
    for call in ("eth_chainId", 1, None, {"jsonrpc": "2.0", "id": 1}, {"id": 1.5, "method": "x"}):
        reply = client.post("/rpc", content=json.dumps(call)).json()
        assert reply["error"]["code"] == -32600, (call, reply)


def test_a_body_over_the_limit_is_refused(client: TestClient) -> None:
    padding = " " * MAX_BODY_BYTES
    body = '{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"' + padding + "}"
    assert_error(client.post("/rpc", content=body), 413, "request_too_large", str(MAX_BODY_BYTES))
    chunked = client.post("/rpc", content=iter([body[:40_000].encode(), body[40_000:].encode()]))
    assert_error(chunked, 413, "request_too_large")
    fits = '{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}'
    assert client.post("/rpc", content=fits.ljust(MAX_BODY_BYTES)).json()["result"]


def test_any_origin_may_post_to_rpc_and_only_there(client: TestClient) -> None:
    origin = {"Origin": "https://reader.example"}
    preflight = client.options(
        "/rpc",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in preflight.headers
    call = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}
    answered = client.post("/rpc", json=call, headers=origin)
    assert answered.headers["access-control-allow-origin"] == "*"
    # Credentials stay refused on /rpc, and POST stays refused everywhere else.
    with_auth = client.options(
        "/rpc",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert_error(with_auth, 400, "cors_refused")
    elsewhere = client.options(
        "/v1/verify", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert_error(elsewhere, 400, "cors_refused")


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=80),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
HEXISH = st.sampled_from(
    [
        "latest",
        "pending",
        "earliest",
        "safe",
        "finalized",
        "0x0",
        "0x1",
        "0x2",
        "0x",
        "0x" + "00" * 20,
        "0x" + "ab" * 32,
        "0x" + "f" * 64,
        "0x54fd4d50",
        True,
        False,
    ]
)
# The registry's address on a fresh in-memory chain (eth-tester's first key, nonce 0).
TESTER_REGISTRY = "0xF2E246BB76DF876Cef8b38ae84130F4F55De395b"
ADDRESSES = st.sampled_from([TESTER_REGISTRY, UNFUNDED, "0x" + "00" * 20, "0x" + "00" * 19 + "04"])
QUANTITIES = st.sampled_from(["0x0", "0x1", "0x5208", "0x17d7840", "0x" + "f" * 16])
OBJECTS = st.fixed_dictionaries(
    {},
    optional={
        "to": ADDRESSES | HEXISH,
        "from": ADDRESSES | HEXISH,
        "data": st.sampled_from(["0x54fd4d50", "0x", "0x1234"]) | HEXISH,
        "input": HEXISH,
        "gas": QUANTITIES | HEXISH,
        "value": QUANTITIES | HEXISH,
        "fromBlock": QUANTITIES | HEXISH,
        "toBlock": QUANTITIES | HEXISH,
        "blockHash": HEXISH,
        "address": ADDRESSES | HEXISH | st.lists(ADDRESSES | HEXISH, max_size=3),
        "topics": st.lists(st.none() | HEXISH | st.lists(HEXISH, max_size=2), max_size=5),
    },
)
# Mostly shaped like real calls (an object or a value, then a block), sometimes anything.
PARAMS = st.tuples(OBJECTS | ADDRESSES | HEXISH, HEXISH).map(list) | st.lists(
    HEXISH | JSON_VALUES | OBJECTS, max_size=4
)


@settings(
    max_examples=600,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(method=st.sampled_from(sorted(READ_METHODS)), params=PARAMS)
def test_generated_calls_get_results_or_clear_errors(
    client: TestClient, method: str, params: list[Any]
) -> None:
    call = {"jsonrpc": "2.0", "id": 9, "method": method, "params": params}
    response = client.post("/rpc", json=call)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["id"] == 9
    if "error" in reply:
        # Never an internal error: that would be a bug answering a client's input.
        assert reply["error"]["code"] in {-32602, -32000, 3}, (call, reply)
        assert len(reply["error"]["message"]) <= 500


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(body=st.binary(max_size=300) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bodies_get_json_rpc_answers(client: TestClient, body: bytes) -> None:
    response = client.post("/rpc", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (200, 204), response.text
    if response.status_code == 200:
        replies = response.json()
        for reply in replies if isinstance(replies, list) else [replies]:
            assert reply["jsonrpc"] == "2.0"
            assert "id" in reply
            assert "result" in reply or reply["error"]["code"] != -32603, reply


BLOCKS = st.sampled_from(
    ["latest", "pending", "earliest", "safe", "finalized", "0x0", "0x1", "0x2"]
)
CALLS = st.fixed_dictionaries(
    {"to": ADDRESSES},
    optional={
        "from": ADDRESSES,
        "data": st.sampled_from(["0x54fd4d50", "0x", "0x1234", "0x" + "ab" * 100]),
        "gas": QUANTITIES,
        "value": QUANTITIES,
        "gasPrice": QUANTITIES,
    },
)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(call=CALLS, block=BLOCKS)
def test_generated_calls_run_or_fail_as_a_node_says(
    client: TestClient, call: dict[str, str], block: str
) -> None:
    reply = rpc(client, "eth_call", call, block)
    if "error" in reply:
        assert reply["error"]["code"] in {-32602, -32000, 3}, (call, block, reply)
    else:
        assert DATA.fullmatch(reply["result"]), reply
