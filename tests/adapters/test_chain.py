"""The chain adapters: one contract every adapter passes, then what is particular to each.

:class:`ChainPortContract` holds the tests of :class:`registry.ports.ChainPort`; each
``Test...Chain`` subclass supplies a fresh registry through the ``chain`` fixture (in
memory, embedded under ``tmp_path``, or on a real anvil node).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from eth_abi import abi
from eth_account import Account
from eth_tester.exceptions import TransactionFailed
from eth_typing import HexStr
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.exceptions import ContractCustomError, ContractPanicError
from web3.middleware.base import Web3Middleware
from web3.types import MakeRequestFn, RPCEndpoint, RPCResponse

from registry.adapters.chain import (
    ZERO_ADDRESS,
    EmbeddedChain,
    InMemoryChain,
    RpcChain,
    SignerKey,
    Web3Chain,
    load_signer_key,
    tester,
)
from registry.adapters.chain.revert import RevertDecoder, revert_of
from registry.adapters.chain.web3_chain import ROLE_RESCAN_DEPTH
from registry.artifact import contract_abi
from registry.core.records import (
    DocumentDigests,
    DocumentStatus,
    InclusionProof,
    OnChainStatus,
    TxInfo,
)
from registry.errors import (
    ChainUnavailable,
    ContractNotDeployed,
    InputError,
    InvalidIdentifier,
    TransactionReverted,
)
from registry.ports import BatchAnchored, ChainPort, DocumentRevoked, DocumentSuperseded
from tests.adapters.conftest import VectorTree
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil, running_anvil
from tests.chain_admin import grant_registrar, is_confirmed, is_registrar, revoke_registrar

REPO_ROOT = Path(__file__).resolve().parents[2]
SIGNER_ENV = "POLICY_REGISTRY_TEST_SIGNER_KEY"
UNKNOWN_ROOT = b"\x5a" * 32


def _selector(signature: str) -> bytes:
    return Web3.keccak(text=signature)[:4]


def _tampered(document: InclusionProof) -> InclusionProof:
    digests = document.digests
    return InclusionProof(
        root=document.root,
        proof=document.proof,
        digests=DocumentDigests(digests.content_digest, digests.paragraph_root, b"\x01" * 32),
    )


class ChainPortContract:
    """Every chain adapter passes these; subclasses provide ``chain``, a fresh registry."""

    @pytest.fixture
    def chain(self) -> Iterator[Web3Chain]:
        raise NotImplementedError

    @pytest.fixture
    def four(self, document_trees: dict[int, VectorTree]) -> VectorTree:
        return document_trees[4]

    @pytest.fixture
    def five(self, document_trees: dict[int, VectorTree]) -> VectorTree:
        return document_trees[5]

    def test_is_a_chain_port(self, chain: Web3Chain) -> None:
        port: ChainPort = chain
        assert port.contract_address == Web3.to_checksum_address(port.contract_address)
        assert port.registrar == Web3.to_checksum_address(port.registrar)
        assert is_registrar(chain, chain.registrar)

    def test_deploy_binds_a_new_registry(self, chain: Web3Chain, four: VectorTree) -> None:
        first = chain.contract_address
        chain.anchor_batch(four.root, four.size, "in the first registry")

        second = chain.deploy_registry()

        assert second != first
        assert chain.contract_address == second
        assert chain.get_batch(four.root) is None
        assert is_registrar(chain, chain.registrar)

    def test_anchor_records_the_batch(self, chain: Web3Chain, four: VectorTree) -> None:
        tx = chain.anchor_batch(four.root, four.size, "ministry/2025-06")

        assert len(tx.tx_hash) == 32
        assert tx.sender == chain.registrar
        assert tx.block_number == chain.latest_block()
        batch = chain.get_batch(four.root)
        assert batch is not None
        assert batch.root == four.root
        assert batch.registrar == chain.registrar
        assert batch.document_count == 4
        assert batch.label == "ministry/2025-06"
        assert batch.block_number == tx.block_number
        assert batch.timestamp == tx.block_timestamp

    def test_unknown_root_has_no_batch(self, chain: Web3Chain) -> None:
        assert chain.get_batch(UNKNOWN_ROOT) is None

    def test_duplicate_anchor_reverts_by_name_and_mines_nothing(
        self, chain: Web3Chain, four: VectorTree
    ) -> None:
        chain.anchor_batch(four.root, four.size, "")
        head = chain.latest_block()

        with pytest.raises(TransactionReverted, match=r"AlreadyAnchored\(0x") as caught:
            chain.anchor_batch(four.root, four.size, "again")

        assert caught.value.error_name == "AlreadyAnchored"
        assert chain.latest_block() == head

    @pytest.mark.parametrize(
        ("root", "count", "label", "error_name"),
        [
            (b"\x00" * 32, 1, "", "InvalidRoot"),
            (b"\x07" * 32, 0, "", "EmptyBatch"),
            (b"\x07" * 32, 1, "x" * 257, "LabelTooLong"),
        ],
    )
    def test_contract_checks_surface_as_custom_errors(
        self, chain: Web3Chain, root: bytes, count: int, label: str, error_name: str
    ) -> None:
        with pytest.raises(TransactionReverted, match=error_name) as caught:
            chain.anchor_batch(root, count, label)
        assert caught.value.error_name == error_name

    def test_malformed_arguments_are_refused_before_the_chain(self, chain: Web3Chain) -> None:
        with pytest.raises(InvalidIdentifier, match="root must be 32 bytes"):
            chain.anchor_batch(b"short", 1, "")
        with pytest.raises(InputError, match="document_count"):
            chain.anchor_batch(b"\x07" * 32, 2**32, "")
        with pytest.raises(InvalidIdentifier, match="not an Ethereum address"):
            chain.deploy_registry(initial_registrar="0x1234")

    def test_find_anchor_returns_the_anchoring_transaction(
        self, chain: Web3Chain, four: VectorTree, five: VectorTree
    ) -> None:
        anchored = chain.anchor_batch(four.root, four.size, "")
        chain.anchor_batch(five.root, five.size, "")

        assert chain.find_anchor(four.root) == anchored
        assert chain.find_anchor(UNKNOWN_ROOT) is None

    def test_verify_document(self, chain: Web3Chain, four: VectorTree) -> None:
        document = four.documents[2]
        assert not chain.verify_document(document.root, document.proof, document.digests)

        chain.anchor_batch(four.root, four.size, "")

        for each in four.documents:
            assert chain.verify_document(each.root, each.proof, each.digests)
        assert not chain.verify_document(four.root, document.proof, _tampered(document).digests)
        assert not chain.verify_document(four.root, four.documents[0].proof, document.digests)

    def test_revoke_sets_the_status_once(self, chain: Web3Chain, four: VectorTree) -> None:
        chain.anchor_batch(four.root, four.size, "")
        revoked, untouched = four.documents[1], four.documents[3]

        chain.revoke_document(revoked, "withdrawn by the publisher")

        assert chain.document_status(revoked.digests.content_digest) == OnChainStatus(
            status=DocumentStatus.REVOKED, reason="withdrawn by the publisher"
        )
        assert chain.document_status(untouched.digests.content_digest) == OnChainStatus()
        with pytest.raises(TransactionReverted, match="AlreadyRevoked") as caught:
            chain.revoke_document(revoked, "twice")
        assert caught.value.error_name == "AlreadyRevoked"

    def test_revoke_needs_an_anchored_document(self, chain: Web3Chain, four: VectorTree) -> None:
        with pytest.raises(TransactionReverted, match="DocumentNotAnchored") as caught:
            chain.revoke_document(four.documents[0], "never anchored")
        assert caught.value.error_name == "DocumentNotAnchored"

    def test_supersede_links_both_documents(
        self, chain: Web3Chain, four: VectorTree, five: VectorTree
    ) -> None:
        chain.anchor_batch(four.root, four.size, "")
        chain.anchor_batch(five.root, five.size, "")
        older, newer = four.documents[0], five.documents[4]
        older_digest, newer_digest = older.digests.content_digest, newer.digests.content_digest

        chain.supersede_document(older, newer)

        assert chain.document_status(older_digest) == OnChainStatus(
            status=DocumentStatus.SUPERSEDED, superseded_by=newer_digest
        )
        assert chain.document_status(newer_digest) == OnChainStatus(
            status=DocumentStatus.ACTIVE, supersedes=older_digest
        )
        with pytest.raises(TransactionReverted, match="AlreadySuperseded"):
            chain.supersede_document(older, five.documents[0])
        with pytest.raises(TransactionReverted, match="SelfSupersession") as caught:
            chain.supersede_document(newer, newer)
        assert caught.value.error_name == "SelfSupersession"

    def test_a_status_is_read_in_one_call(self, chain: Web3Chain, four: VectorTree) -> None:
        chain.anchor_batch(four.root, four.size, "")
        older, newer = four.documents[0], four.documents[1]
        chain.supersede_document(older, newer)
        chain.revoke_document(newer, "withdrawn")
        sent: list[str] = []

        class Counted(Web3Middleware):
            def wrap_make_request(self, make_request: MakeRequestFn) -> MakeRequestFn:
                def counted(method: RPCEndpoint, params: Any) -> RPCResponse:
                    sent.append(method)
                    return make_request(method, params)

                return counted

        onion = chain._w3.middleware_onion
        onion.add(Counted, name="counted")
        try:
            # Revoked after superseding: the reason and the link, read together.
            status = chain.document_status(newer.digests.content_digest)
        finally:
            onion.remove("counted")
        assert status == OnChainStatus(
            status=DocumentStatus.REVOKED,
            reason="withdrawn",
            supersedes=older.digests.content_digest,
        )
        assert sent == ["eth_call"]

    def test_the_head_is_the_latest_block_and_its_hash(
        self, chain: Web3Chain, four: VectorTree
    ) -> None:
        chain.anchor_batch(four.root, four.size, "first")
        number, block_hash = chain.head()
        assert number == chain.latest_block()
        assert block_hash == chain.block_hash(number)
        assert chain.block_hash(number + 1) is None

    def test_events_replay_the_history_in_chain_order(
        self, chain: Web3Chain, four: VectorTree, five: VectorTree
    ) -> None:
        first = chain.anchor_batch(four.root, four.size, "first")
        second = chain.anchor_batch(five.root, five.size, "second")
        revoked = chain.revoke_document(four.documents[0], "wrong figures")
        superseded = chain.supersede_document(four.documents[1], five.documents[1])

        events = chain.events()

        assert events == [
            BatchAnchored(four.root, 4, "first", first, events[0].log_index),
            BatchAnchored(five.root, five.size, "second", second, events[1].log_index),
            DocumentRevoked(
                four.documents[0].digests.content_digest,
                four.root,
                "wrong figures",
                revoked,
                events[2].log_index,
            ),
            DocumentSuperseded(
                four.documents[1].digests.content_digest,
                five.documents[1].digests.content_digest,
                superseded,
                events[3].log_index,
            ),
        ]
        ranged = chain.events(second.block_number, revoked.block_number)
        assert [event.tx for event in ranged] == [second, revoked]

    def test_registrar_without_the_role_reverts_by_name(
        self, chain: Web3Chain, four: VectorTree
    ) -> None:
        chain.deploy_registry(initial_registrar=ZERO_ADDRESS)
        assert not is_registrar(chain, chain.registrar)

        with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount") as caught:
            chain.anchor_batch(four.root, four.size, "")
        assert caught.value.error_name == "AccessControlUnauthorizedAccount"

        grant_registrar(chain, chain.registrar)
        chain.anchor_batch(four.root, four.size, "")
        revoke_registrar(chain, chain.registrar)
        with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount"):
            chain.revoke_document(four.documents[0], "no longer a registrar")

    def test_the_deployment_and_the_registrars_it_granted(
        self, chain: Web3Chain, four: VectorTree
    ) -> None:
        deployment = chain.deployment()
        # The constructor's RoleGranted is in the deployment transaction itself.
        (grant,) = chain.registrar_grants()
        assert grant.address == chain.registrar
        assert grant.transaction_hash == deployment.transaction_hash
        assert grant.granted_in_block == deployment.block_number
        tx = chain.anchor_batch(four.root, four.size, "")
        assert tx.block_number > deployment.block_number
        assert chain.deployment() == deployment

        helper = "0x" + "42" * 20
        granted = grant_registrar(chain, helper)
        assert [
            (g.address, g.granted_in_block, g.transaction_hash) for g in chain.registrar_grants()
        ] == [
            (chain.registrar, deployment.block_number, deployment.transaction_hash),
            (Web3.to_checksum_address(helper), granted.block_number, granted.tx_hash),
        ]
        revoke_registrar(chain, helper)
        assert [g.address for g in chain.registrar_grants()] == [chain.registrar]

    def test_a_new_deployment_is_the_one_known(self, chain: Web3Chain) -> None:
        first = chain.deployment()
        chain.deploy_registry()
        second = chain.deployment()
        assert second.block_number > first.block_number
        assert second.transaction_hash != first.transaction_hash
        assert chain.registrar_grants()[0].transaction_hash == second.transaction_hash

    def test_concurrent_writers_all_land(self, chain: Web3Chain) -> None:
        roots = [(500 + n).to_bytes(32, "big") for n in range(10)]
        with ThreadPoolExecutor(max_workers=10) as pool:
            txs = list(pool.map(lambda root: chain.anchor_batch(root, 1, "thread"), roots))

        assert len({tx.tx_hash for tx in txs}) == 10
        for root, tx in zip(roots, txs, strict=True):
            assert chain.find_anchor(root) == tx

    def test_confirmations(self, chain: Web3Chain, four: VectorTree) -> None:
        tx = chain.anchor_batch(four.root, four.size, "")

        assert chain.confirmations_of(tx.block_number) == 1
        assert chain.confirmations_of(tx.block_number + 1) == 0
        assert is_confirmed(chain, tx)
        never_sent = TxInfo(b"\x42" * 32, tx.block_number, tx.block_timestamp, tx.sender)
        assert not is_confirmed(chain, never_sent)


class TestInMemoryChain(ChainPortContract):
    @pytest.fixture
    def chain(self) -> Iterator[Web3Chain]:
        with InMemoryChain() as chain:
            yield chain

    def test_registrars_are_read_again_only_from_the_recent_blocks(self) -> None:
        chain = InMemoryChain()
        helper, other = "0x" + "42" * 20, "0x" + "43" * 20
        grant_registrar(chain, helper)
        assert len(chain.registrar_grants()) == 2
        for n in range(ROLE_RESCAN_DEPTH + 6):
            chain.anchor_batch((1000 + n).to_bytes(32, "big"), 1, "")
        assert len(chain.registrar_grants()) == 2  # the early grant is kept, not re-read
        revoke_registrar(chain, helper)
        granted = grant_registrar(chain, other)
        assert [(g.address, g.granted_in_block) for g in chain.registrar_grants()] == [
            (chain.registrar, chain.deployment().block_number),
            (Web3.to_checksum_address(other), granted.block_number),
        ]
        # A fresh adapter reading everything from the deployment block agrees.
        fresh = tester.TesterChain(
            chain._backend, chain_id=chain.chain_id, contract_address=chain.contract_address
        )
        assert fresh.registrar_grants() == chain.registrar_grants()

    def test_a_block_is_stamped_when_its_transaction_arrives(self, four: VectorTree) -> None:
        now = [time.time()]
        with InMemoryChain(clock=lambda: now[0]) as chain:
            now[0] += 3600.0  # an hour passes between the deployment and the anchor
            tx = chain.anchor_batch(four.root, four.size, "")
        assert tx.block_timestamp == int(now[0])

    def test_a_write_failing_on_chain_is_named_by_replaying_it(
        self, chain: Web3Chain, four: VectorTree, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        chain.anchor_batch(four.root, four.size, "")
        head = chain.latest_block()
        # Skip the check before sending, as if the state changed between check and mining.
        monkeypatch.setattr(chain, "_checked_gas_limit", lambda call: 3_000_000)

        with pytest.raises(TransactionReverted, match="AlreadyAnchored") as caught:
            chain.anchor_batch(four.root, four.size, "")

        assert caught.value.error_name == "AlreadyAnchored"
        assert chain.latest_block() == head + 1  # the failed transaction was mined

    def test_without_deploy_there_is_no_contract(self) -> None:
        with (
            InMemoryChain(deploy=False) as chain,
            pytest.raises(ContractNotDeployed, match="no registry contract"),
        ):
            chain.get_batch(UNKNOWN_ROOT)


class TestEmbeddedChain(ChainPortContract):
    @pytest.fixture
    def chain(self, tmp_path: Path) -> Iterator[Web3Chain]:
        with EmbeddedChain(tmp_path) as chain:
            yield chain

    def test_a_new_process_sees_the_previous_one(self, tmp_path: Path, four: VectorTree) -> None:
        with EmbeddedChain(tmp_path) as chain:
            address = chain.contract_address
            first = chain.anchor_batch(four.root, four.size, "first process")

        report = _run_python(
            "import json, sys\n"
            "from registry.adapters.chain import EmbeddedChain\n"
            "with EmbeddedChain(sys.argv[1]) as chain:\n"
            "    head = chain.latest_block()\n"
            "    batch = chain.get_batch(bytes.fromhex(sys.argv[2]))\n"
            "    tx = chain.anchor_batch(b'\\x33' * 32, 2, 'second process')\n"
            "    print(json.dumps({'address': chain.contract_address, 'head': head,\n"
            "        'label': batch.label, 'block': batch.block_number,\n"
            "        'next': tx.block_number}))\n",
            str(tmp_path),
            four.root.hex(),
        )

        seen = json.loads(report.stdout)
        assert seen == {
            "address": address,
            "head": first.block_number,
            "label": "first process",
            "block": first.block_number,
            "next": first.block_number + 1,
        }
        with EmbeddedChain(tmp_path) as reopened:
            assert reopened.contract_address == address
            assert reopened.latest_block() == first.block_number + 1
            batch = reopened.get_batch(b"\x33" * 32)
            assert batch is not None
            assert batch.label == "second process"

    def test_a_second_open_of_the_directory_is_refused(self, tmp_path: Path) -> None:
        with EmbeddedChain(tmp_path):
            with pytest.raises(ChainUnavailable, match="in use by another process"):
                EmbeddedChain(tmp_path)
            report = _run_python(
                "import sys\n"
                "from registry.adapters.chain import EmbeddedChain\n"
                "from registry.errors import ChainUnavailable\n"
                "try:\n"
                "    EmbeddedChain(sys.argv[1])\n"
                "except ChainUnavailable as exc:\n"
                "    print(exc)\n"
                "    sys.exit(3)\n",
                str(tmp_path),
                check=False,
            )
            assert report.returncode == 3
            assert f"pid {os.getpid()}" in report.stdout

        with EmbeddedChain(tmp_path) as reopened:
            assert reopened.latest_block() == 1

    def test_a_killed_writer_leaves_every_reported_anchor(self, tmp_path: Path) -> None:
        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys\n"
                "from registry.adapters.chain import EmbeddedChain\n"
                "chain = EmbeddedChain(sys.argv[1])\n"
                "for n in range(1, 10_000):\n"
                "    chain.anchor_batch(n.to_bytes(32, 'big'), 1, '')\n"
                "    print(n, flush=True)\n",
                str(tmp_path),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        reported = [int(writer.stdout.readline()) for _ in range(8)]
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)

        with EmbeddedChain(tmp_path) as chain:
            for n in reported:
                assert chain.get_batch(n.to_bytes(32, "big")) is not None
            head = chain.latest_block()
            assert head >= 1 + len(reported)
            # The head block is whole: its own anchor is there, and the chain goes on from it.
            chain.anchor_batch(b"\x77" * 32, 1, "after the crash")
            assert chain.latest_block() == head + 1


@requires_anvil
class TestRpcChain(ChainPortContract):
    @pytest.fixture
    def signer_key(self, monkeypatch: pytest.MonkeyPatch) -> SignerKey:
        monkeypatch.setenv(SIGNER_ENV, ANVIL_DEV_KEYS[0])
        return load_signer_key(SIGNER_ENV, None, None)

    @pytest.fixture
    def chain(self, anvil_node: AnvilNode, signer_key: SignerKey) -> Iterator[Web3Chain]:
        address = RpcChain.deploy(anvil_node.url, signer_key)
        with RpcChain(anvil_node.url, address, signer_key) as chain:
            yield chain

    def test_a_fresh_adapter_finds_the_deployment_on_the_node(
        self, anvil_node: AnvilNode, signer_key: SignerKey
    ) -> None:
        address, deployment = RpcChain.deploy_recorded(anvil_node.url, signer_key)
        with RpcChain(anvil_node.url, address, signer_key) as writer:
            for n in range(5):  # anvil mines a block per transaction
                writer.anchor_batch((900 + n).to_bytes(32, "big"), 1, "later")
        with RpcChain(anvil_node.url, address, signer_key) as fresh:
            assert fresh.known_deployment is None
            assert fresh.deployment() == deployment
            assert fresh.local_chain  # anvil's chain id: a development chain
            assert fresh.well_known_key  # anvil's first development key

    def test_a_stopped_node_is_unavailable(self, signer_key: SignerKey, four: VectorTree) -> None:
        with running_anvil() as node:
            chain = RpcChain(node.url, RpcChain.deploy(node.url, signer_key), signer_key)
        with pytest.raises(ChainUnavailable, match="unreachable"):
            chain.latest_block()
        with pytest.raises(ChainUnavailable, match="the chain is unreachable"):
            chain.anchor_batch(four.root, four.size, "")

    def test_no_code_at_the_address(
        self, anvil_node: AnvilNode, signer_key: SignerKey, four: VectorTree
    ) -> None:
        chain = RpcChain(anvil_node.url, "0x" + "12" * 20, signer_key)
        with pytest.raises(ContractNotDeployed, match="no contract code at 0x1212"):
            chain.get_batch(four.root)
        with pytest.raises(ContractNotDeployed, match="no contract code"):
            chain.anchor_batch(four.root, four.size, "")

    def test_a_contract_without_a_deployment_block_is_refused(
        self, anvil_node: AnvilNode, signer_key: SignerKey, four: VectorTree
    ) -> None:
        # Code that reverts on every call answers deploymentBlock() as a registry from before
        # 2.0.0 does (its dispatcher knows no such function).
        address = "0x" + "34" * 20
        node = Web3(HTTPProvider(anvil_node.url))
        node.provider.make_request(RPCEndpoint("anvil_setCode"), [address, "0x60006000fd"])
        chain = RpcChain(anvil_node.url, address, signer_key)
        with pytest.raises(ContractNotDeployed, match=r"has no deploymentBlock\(\)"):
            chain.get_batch(four.root)
        with pytest.raises(ContractNotDeployed, match="deploy a new registry"):
            chain.deployment()

    def test_another_signer_without_the_role_reverts(
        self, chain: Web3Chain, anvil_node: AnvilNode, four: VectorTree
    ) -> None:
        outsider = RpcChain(anvil_node.url, chain.contract_address, SignerKey(ANVIL_DEV_KEYS[1]))
        with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount") as caught:
            outsider.anchor_batch(four.root, four.size, "")
        assert caught.value.error_name == "AccessControlUnauthorizedAccount"

    def test_the_key_never_shows(
        self,
        anvil_node: AnvilNode,
        signer_key: SignerKey,
        four: VectorTree,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        secret = ANVIL_DEV_KEYS[0].removeprefix("0x")
        caplog.set_level(logging.DEBUG)
        chain = RpcChain(f"{anvil_node.url}/?apikey=private", None, signer_key)
        chain.deploy_registry()
        chain.anchor_batch(four.root, four.size, "")
        with pytest.raises(TransactionReverted) as caught:
            chain.anchor_batch(four.root, four.size, "")

        shown = " ".join(
            [repr(chain), str(chain), repr(signer_key), str(signer_key), str(caught.value)]
        )
        assert signer_key.address in repr(signer_key)
        assert "apikey" not in repr(chain)
        assert caplog.records, "web3 logged nothing at DEBUG: the check would be vacuous"
        for text in (shown, caplog.text):
            assert secret not in text.lower()

    def test_concurrent_anchors_take_distinct_nonces(
        self, chain: Web3Chain, anvil_node: AnvilNode
    ) -> None:
        roots = [(1000 + n).to_bytes(32, "big") for n in range(20)]
        with ThreadPoolExecutor(max_workers=20) as pool:
            txs = list(pool.map(lambda root: chain.anchor_batch(root, 1, "thread"), roots))

        node = Web3(HTTPProvider(anvil_node.url))
        nonces = sorted(node.eth.get_transaction(HexBytes(tx.tx_hash))["nonce"] for tx in txs)
        assert nonces == list(range(nonces[0], nonces[0] + 20))
        for root in roots:
            assert chain.get_batch(root) is not None

    def test_confirmations_count_the_blocks_on_top(
        self, anvil_node: AnvilNode, signer_key: SignerKey, four: VectorTree
    ) -> None:
        address = RpcChain.deploy(anvil_node.url, signer_key)
        chain = RpcChain(anvil_node.url, address, signer_key, confirmations=3)
        tx = chain.anchor_batch(four.root, four.size, "")
        assert not is_confirmed(chain, tx)

        Web3(HTTPProvider(anvil_node.url)).provider.make_request(RPCEndpoint("anvil_mine"), [2])

        assert chain.confirmations_of(tx.block_number) == 3
        assert is_confirmed(chain, tx)


class TestSignerKey:
    def test_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(SIGNER_ENV, ANVIL_DEV_KEYS[0])
        key = load_signer_key(SIGNER_ENV, None, None)
        assert key.address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"

    def test_from_an_encrypted_keystore(self, tmp_path: Path) -> None:
        keystore = tmp_path / "signer.json"
        encrypted = Account.encrypt(
            HexStr(ANVIL_DEV_KEYS[1]), "correct horse", kdf="pbkdf2", iterations=2
        )
        keystore.write_text(json.dumps(encrypted), encoding="utf-8")

        key = load_signer_key(None, keystore, "correct horse")

        assert key.address == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        with pytest.raises(InputError, match="cannot decrypt the keystore"):
            load_signer_key(None, keystore, "wrong")
        with pytest.raises(InputError, match="needs a password"):
            load_signer_key(None, keystore, None)

    def test_exactly_one_source(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="either"):
            load_signer_key(None, None, None)
        with pytest.raises(InputError, match="either"):
            load_signer_key(SIGNER_ENV, tmp_path / "k.json", "pw")

    def test_a_bad_key_is_not_echoed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv(SIGNER_ENV, raising=False)
        with pytest.raises(InputError, match=f"{SIGNER_ENV} holding the signer key is not set"):
            load_signer_key(SIGNER_ENV, None, None)
        bogus = "ff" * 32  # above the curve order: not a private key
        monkeypatch.setenv(SIGNER_ENV, bogus)
        with pytest.raises(InputError, match="not a valid secp256k1 private key") as caught:
            load_signer_key(SIGNER_ENV, None, None)
        assert bogus not in str(caught.value)

    def test_it_cannot_be_pickled(self) -> None:
        import pickle

        with pytest.raises(TypeError, match="not serialisable"):
            pickle.dumps(SignerKey(ANVIL_DEV_KEYS[0]))


class TestRevertDecoding:
    @pytest.fixture
    def decoder(self) -> RevertDecoder:
        return RevertDecoder(contract_abi())

    def test_a_node_error_with_data(self, decoder: RevertDecoder) -> None:
        payload = _selector("AlreadyAnchored(bytes32)") + b"\x11" * 32
        revert = revert_of(ContractCustomError("0x", data="0x" + payload.hex()), decoder)
        assert revert is not None
        assert (revert.name, revert.args) == ("AlreadyAnchored", (b"\x11" * 32,))

    def test_an_eth_tester_failure(self, decoder: RevertDecoder) -> None:
        payload = _selector("LabelTooLong(uint256,uint256)") + abi.encode(
            ["uint256", "uint256"], [300, 256]
        )
        revert = revert_of(TransactionFailed(f"execution reverted: {payload!r}"), decoder)
        assert revert is not None
        assert (revert.name, revert.args) == ("LabelTooLong", (300, 256))

    def test_builtin_panic_and_unknown_selectors(self, decoder: RevertDecoder) -> None:
        panic = _selector("Panic(uint256)") + abi.encode(["uint256"], [0x11])
        revert = revert_of(ContractPanicError("overflow", data="0x" + panic.hex()), decoder)
        assert revert is not None
        assert (revert.name, revert.args) == ("Panic", (0x11,))

        unknown = decoder.decode(b"\xde\xad\xbe\xef")
        assert unknown.name is None
        assert unknown.describe() == "reverted with unknown data 0xdeadbeef"

    def test_other_exceptions_are_not_reverts(self, decoder: RevertDecoder) -> None:
        assert revert_of(ConnectionError("refused"), decoder) is None


def _run_python(script: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )
