"""The read-only JSON-RPC (:func:`registry.read_rpc.answer`) over each chain adapter.

The in-memory and embedded chains answer in process, the RPC chain forwards to anvil; all
three must give the same wire shapes (anvil's are the reference), the same contract
answers and the same revert reports, so a verifier cannot tell which one it asks. The
parameter checks of :mod:`registry.read_rpc` are pure and tested at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from eth_abi import abi
from web3 import Web3

from registry.adapters.chain import EmbeddedChain, InMemoryChain, RpcChain, SignerKey, Web3Chain
from registry.artifact import contract_abi
from registry.read_rpc import CALL_GAS_CAP, RpcFault, answer, normalized_params
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil

ROOT: Final = b"\x42" * 32
HEX_QUANTITY: Final = re.compile(r"0x(0|[1-9a-f][0-9a-f]*)")
BATCH_TYPE: Final = "(address,uint48,uint48,uint32,string)"
OUTSIDER: Final = "0x000000000000000000000000000000000000dEaD"
# anvil sends a blob gas price on every receipt; a chain without blobs has none to send.
ANVIL_ONLY: Final = {"receipt": {"blobGasPrice"}}
ADAPTERS: Final = ["memory", "embedded", pytest.param("rpc", marks=requires_anvil)]


def registry_contract() -> Any:
    return Web3().eth.contract(abi=contract_abi())


@pytest.fixture(params=ADAPTERS)
def chain(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Web3Chain]:
    if request.param == "memory":
        with InMemoryChain() as memory:
            yield memory
    elif request.param == "embedded":
        with EmbeddedChain(tmp_path) as embedded:
            yield embedded
    else:
        node: AnvilNode = request.getfixturevalue("anvil_node")
        key = SignerKey(ANVIL_DEV_KEYS[0])
        with RpcChain(node.url, RpcChain.deploy(node.url, key), key) as rpc:
            yield rpc


def wire_objects(chain: Web3Chain, root: bytes) -> dict[str, dict[str, Any]]:
    """The block, transaction, receipt and log of anchoring ``root``, as ``/rpc`` gives them."""
    tx = chain.anchor_batch(root, 3, "wire shapes")
    tx_hash = "0x" + tx.tx_hash.hex()
    receipt = answer(chain, "eth_getTransactionReceipt", [tx_hash])
    return {
        "block": answer(chain, "eth_getBlockByNumber", [hex(tx.block_number), False]),
        "transaction": answer(chain, "eth_getTransactionByHash", [tx_hash]),
        "receipt": receipt,
        "log": receipt["logs"][0],
    }


def test_the_chain_and_its_head(chain: Web3Chain) -> None:
    assert answer(chain, "eth_chainId", []) == hex(chain.chain_id)
    assert answer(chain, "net_version", None) == str(chain.chain_id)
    assert answer(chain, "eth_blockNumber", []) == hex(chain.latest_block())
    code = answer(chain, "eth_getCode", [chain.contract_address])
    assert len(code) > 1000


def test_an_anchor_reads_back_in_wire_form(chain: Web3Chain) -> None:
    objects = wire_objects(chain, ROOT)
    block, transaction, receipt, log = (
        objects[name] for name in ("block", "transaction", "receipt", "log")
    )
    for name in ("number", "timestamp", "gasUsed", "gasLimit"):
        assert HEX_QUANTITY.fullmatch(block[name]), name
    assert len(block["logsBloom"]) == 2 + 512
    assert receipt["logsBloom"] == block["logsBloom"]  # the block's only transaction
    assert receipt["status"] == "0x1"
    assert receipt["blockHash"] == block["hash"] == transaction["blockHash"] == log["blockHash"]
    assert transaction["hash"] in block["transactions"]
    assert log["topics"][1] == "0x" + ROOT.hex()
    assert log["removed"] is False
    by_hash = answer(chain, "eth_getLogs", [{"blockHash": block["hash"]}])
    assert by_hash == [log]


def test_calls_and_reverts_read_the_same_everywhere(chain: Web3Chain) -> None:
    chain.anchor_batch(ROOT, 3, "called")
    registry = registry_contract()
    get_batch = registry.encode_abi("getBatch", args=[ROOT])
    output = answer(chain, "eth_call", [{"to": chain.contract_address, "data": get_batch}])
    (batch,) = abi.decode([BATCH_TYPE], bytes.fromhex(output[2:]))
    record = chain.get_batch(ROOT)
    assert record is not None
    assert Web3.to_checksum_address(batch[0]) == record.registrar
    assert batch[3:] == (3, "called")

    anchoring = registry.encode_abi("anchorBatch", args=[b"\x01" * 32, 1, "x"])
    call = {"to": chain.contract_address, "data": anchoring, "from": OUTSIDER}
    with pytest.raises(RpcFault) as caught:
        answer(chain, "eth_call", [call, "latest"])
    selector = Web3.keccak(text="AccessControlUnauthorizedAccount(address,bytes32)")[:4]
    assert caught.value.code == 3
    assert caught.value.message.startswith("execution reverted")
    assert caught.value.data is not None
    assert caught.value.data.startswith("0x" + selector.hex())


@requires_anvil
def test_the_embedded_shapes_are_anvils(anvil_node: AnvilNode) -> None:
    key = SignerKey(ANVIL_DEV_KEYS[0])
    with (
        InMemoryChain() as memory,
        RpcChain(anvil_node.url, RpcChain.deploy(anvil_node.url, key), key) as node,
    ):
        ours = wire_objects(memory, ROOT)
        anvils = wire_objects(node, ROOT)
    for name, reference in anvils.items():
        expected = set(reference) - ANVIL_ONLY.get(name, set())
        assert set(ours[name]) == expected, name
        for field, value in reference.items():
            if field in ours[name] and isinstance(value, str) and field != "blockTimestamp":
                assert ours[name][field][:2] == value[:2], (name, field)  # 0x... both


@pytest.mark.parametrize(
    ("method", "params", "normalized"),
    [
        (
            "eth_getCode",
            ["0xABCDEF0123456789ABCDEF0123456789ABCDEF01"],
            ["0xabcdef0123456789abcdef0123456789abcdef01", "latest"],
        ),
        ("eth_getBlockByNumber", ["0x000a"], ["0xa", False]),
        ("eth_getBlockByNumber", [{"blockNumber": "0x2"}, True], ["0x2", True]),
        (
            "eth_call",
            [{"to": "0x" + "AB" * 20, "input": "0xDEAD", "nonce": "0x1"}],
            [{"to": "0x" + "ab" * 20, "data": "0xdead", "gas": hex(CALL_GAS_CAP)}, "latest"],
        ),
        (
            "eth_getLogs",
            [{"topics": [None, ["0x" + "0A" * 32]]}],
            [{"fromBlock": "latest", "toBlock": "latest", "topics": [None, ["0x" + "0a" * 32]]}],
        ),
        ("eth_chainId", None, []),
    ],
)
def test_parameters_leave_in_canonical_wire_form(
    method: str, params: Any, normalized: list[Any]
) -> None:
    assert normalized_params(method, params) == normalized


@pytest.mark.parametrize(
    ("method", "params", "message"),
    [
        ("eth_getBlockByNumber", ["0x" + "f" * 17, False], "above"),
        ("eth_call", [{"to": "0x" + "00" * 20, "gas": hex(CALL_GAS_CAP + 1)}], "gas is above"),
        ("eth_call", [{"to": "0x" + "00" * 20, "data": "0x" + "00" * 40_000}], "longer than"),
        ("eth_getLogs", [{"address": []}], "1 to 32"),
        ("eth_getLogs", [{"topics": [["0x" + "00" * 32] * 33]}], "1 to 32"),
        ("eth_getTransactionByHash", ["0x" + "00" * 31], "32 bytes"),
        ("eth_getBlockByHash", ["0x" + "00" * 32, 1], "boolean"),
        ("eth_chainId", "latest", "array"),
    ],
)
def test_bad_parameters_are_named(method: str, params: Any, message: str) -> None:
    with pytest.raises(RpcFault) as caught:
        normalized_params(method, params)
    assert caught.value.code == -32602
    assert message in caught.value.message
