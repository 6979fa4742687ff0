"""Opening a registry from settings: the embedded chain and SQLite in a data directory.

These run the product's default deployment for real: an :class:`EmbeddedChain` persisted
under ``tmp_path`` and a SQLite store beside it, reopened as a new process would.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from registry.adapters.chain import EmbeddedChain, RpcChain, SignerKey
from registry.adapters.chain.tester import TESTER_CHAIN_ID
from registry.adapters.store import SqlStore
from registry.audit import verify_receipt
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentStatus
from registry.errors import ChainUnavailable, ConfigurationError, DocumentTooLarge
from registry.runtime import (
    CORPUS_LABEL,
    open_service,
    opened_service,
    register_manifest,
    seed_corpus,
)
from registry.service import RegistryService, Submission
from registry.settings import Settings
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil
from tests.service.conftest import root_of, unreachable_chain
from tests.service.corpus import article, corpus_articles


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "registry")


def test_a_reopened_registry_keeps_its_records(settings: Settings) -> None:
    with opened_service(settings) as service:
        assert service.count() == 0
        registration = seed_corpus(service, wait=30)
        assert registration is not None
        assert registration.anchored
        first = service.article(article("002").id)
        assert isinstance(service.chain, EmbeddedChain)
        block = service.chain.latest_block()

    with opened_service(settings) as service:
        assert service.count() == 5
        assert seed_corpus(service, wait=30) is None
        assert service.chain.latest_block() == block
        assert service.article(article("002").id) == first
        for registered in corpus_articles():
            verdict = service.verify_content(registered.data)
            assert verdict.is_current
            assert verdict.anchor is not None
            assert verdict.anchor.batch_root == registration.batch_root
        receipt = service.receipt(article("002").id)
        assert verify_receipt(receipt, article("002").data, service.chain).valid
        assert service.audit().ok


def test_seed_corpus_registers_the_five_articles_once(settings: Settings) -> None:
    with opened_service(settings) as service:
        registration = seed_corpus(service, wait=30)
        assert registration is not None
        assert [r.article.id for r in registration.articles] == [a.id for a in corpus_articles()]
        root = root_of(registration)
        on_chain = service.chain.get_batch(root)
        assert on_chain is not None
        assert (on_chain.document_count, on_chain.label) == (5, CORPUS_LABEL)
        block = service.chain.latest_block()

        assert seed_corpus(service, wait=30) is None
        assert service.chain.latest_block() == block
        assert service.count() == 5


def test_changes_survive_a_restart(settings: Settings) -> None:
    data = b"Registered in the first session.\n"
    digest = hashlib.sha256(data).hexdigest()
    with opened_service(settings) as service:
        service.register([Submission(data, ArticleMetadata(title="Session one"))], wait=30)
    with opened_service(settings) as service:
        service.revoke(digest, "revoked in the second session")
    with opened_service(settings) as service:
        verdict = service.verify_content(data)
        assert (verdict.kind, verdict.status, verdict.revocation_reason) == (
            "authentic",
            DocumentStatus.REVOKED,
            "revoked in the second session",
        )
        assert service.article(digest).metadata.title == "Session one"


def test_the_data_directory_is_bound_to_its_chain(settings: Settings) -> None:
    with opened_service(settings) as service:
        address = service.chain.contract_address
    store = SqlStore.in_data_dir(settings.data_dir)
    assert (store.get_meta("chain_id"), store.get_meta("contract_address")) == (
        str(TESTER_CHAIN_ID),
        address,
    )
    store.set_meta("chain_id", "1")
    store.close()

    message = (
        f"this registry's records belong to contract {address} on chain 1, not to {address} "
        f"on chain {TESTER_CHAIN_ID}: use another data directory or database"
    )
    with pytest.raises(ConfigurationError, match=f"^{re.escape(message)}$"):
        open_service(settings)

    # another contract on the right chain is refused too
    store = SqlStore.in_data_dir(settings.data_dir)
    store.set_meta("chain_id", str(TESTER_CHAIN_ID))
    store.set_meta("contract_address", "0x" + "12" * 20)
    store.close()
    with pytest.raises(ConfigurationError, match=r"^this registry's records belong to contract"):
        open_service(settings)

    # the refusal released the chain directory: the right binding opens again
    store = SqlStore.in_data_dir(settings.data_dir)
    store.set_meta("contract_address", address.lower())
    store.close()
    with opened_service(settings) as service:
        assert service.chain.contract_address == address


def test_one_process_at_a_time(settings: Settings) -> None:
    with (
        opened_service(settings),
        pytest.raises(ChainUnavailable, match=r"is in use by another process"),
    ):
        open_service(settings)
    # and free again once closed
    with opened_service(settings) as service:
        assert service.count() == 0


def test_opening_sends_nothing_and_the_next_round_finishes_pending_batches(
    settings: Settings, closed_port: int
) -> None:
    with opened_service(settings) as service:
        address = service.chain.contract_address
    # a registration made while the node was unreachable: its batch recorded, left pending
    store = SqlStore.in_data_dir(settings.data_dir)
    offline = RegistryService(store, unreachable_chain(closed_port, address))
    data = b"Pending across a restart.\n"
    registration = offline.register([Submission(data, ArticleMetadata())])
    assert not registration.anchored
    (root,) = offline.anchor_round().still_pending
    offline.stop()  # the process ends: it hands the anchorer's lease back
    store.close()

    with opened_service(settings) as service:
        block = service.chain.latest_block()
        # Opening (what a read-only command does) sends nothing.
        assert [to_hex(b.root) for b in service.store.pending_batches()] == [root]
        verdict = service.verify_content(data)
        assert (verdict.kind, verdict.state, verdict.anchor) == ("authentic", "pending", None)
        assert service.chain.latest_block() == block

        assert service.anchor_round().anchored == (root,)

        assert service.store.pending_batches() == []
        verdict = service.verify_content(data)
        assert verdict.is_current
        assert verdict.anchor is not None
        assert verdict.anchor.batch_root == root
        assert service.chain.latest_block() == block + 1


def test_settings_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env from the checkout
    (tmp_path / ".env").write_text(
        "POLICY_REGISTRY_PORT=9001\nPOLICY_REGISTRY_MAX_DOCUMENT_BYTES=5\n", encoding="utf-8"
    )
    data_dir = tmp_path / "from-env"
    monkeypatch.setenv("POLICY_REGISTRY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("POLICY_REGISTRY_MAX_DOCUMENT_BYTES", "1000")

    settings = Settings()

    assert settings.data_dir == data_dir
    assert settings.max_document_bytes == 1000  # the environment wins over .env
    assert settings.port == 9001
    assert settings.uses_embedded_chain
    with opened_service(settings) as service:
        assert service.max_document_bytes == 1000
        with pytest.raises(DocumentTooLarge, match=r"has 1001 bytes; the limit is 1000$"):
            service.verify_content(b"x" * 1001)
    assert (data_dir / "registry.sqlite").is_file()
    assert (data_dir / "chain" / "chain.sqlite").is_file()


@pytest.mark.parametrize(
    ("name", "value"),
    [("CONFIRMATIONS", "0"), ("MAX_DOCUMENT_BYTES", "0"), ("PORT", "70000")],
)
def test_settings_out_of_range_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(f"POLICY_REGISTRY_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_register_a_folder_manifest(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"Article A.\n")
    (folder / "b.txt").write_bytes(b"Article B.\n")
    manifest = {
        "format": "policy-registry-manifest",
        "version": "1.0",
        "articles": [
            {"file": "a.txt", "metadata": {"title": "A", "language": "en"}},
            {"file": "b.txt", "metadata": {"title": "B", "language": "fr"}},
        ],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    with opened_service(settings) as service:
        registration = register_manifest(service, folder / "manifest.json", label="folder", wait=30)

        assert registration.anchored
        assert [r.article.metadata for r in registration.articles] == [
            ArticleMetadata(title="A", language="en"),
            ArticleMetadata(title="B", language="fr"),
        ]
        assert [r.article.media_type for r in registration.articles] == [
            "text/plain; charset=utf-8"
        ] * 2
        root = root_of(registration)
        on_chain = service.chain.get_batch(root)
        assert on_chain is not None
        assert on_chain.label == "folder"


@requires_anvil
def test_scans_start_at_the_deployment_found_once_on_the_node(
    tmp_path: Path, anvil_node: AnvilNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = SignerKey(ANVIL_DEV_KEYS[2])
    # Blocks before the registry exists: nothing of it can be there, so nothing is read.
    with RpcChain(anvil_node.url, RpcChain.deploy(anvil_node.url, key), key) as earlier:
        for n in range(3):
            earlier.anchor_batch((700 + n).to_bytes(32, "big"), 1, "another registry")
    address, deployment = RpcChain.deploy_recorded(anvil_node.url, key)
    monkeypatch.setenv("POLICY_REGISTRY_SIGNER_KEY", ANVIL_DEV_KEYS[2])
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "node",
        rpc_url=SecretStr(anvil_node.url),
        contract_address=address,
    )
    with opened_service(settings) as service:
        assert service.from_block == deployment.block_number > 3
        assert service.follower.from_block == deployment.block_number
        assert service.store.get_meta("deployment_block") == str(deployment.block_number)
        assert service.store.get_meta("deployment_transaction") == to_hex(
            deployment.transaction_hash
        )
        assert service.audit().ok

    # Remembered: a later start knows it without asking the node (here: down).
    down = settings.model_copy(update={"rpc_url": SecretStr("http://127.0.0.1:9")})
    with opened_service(down) as service:
        assert service.from_block == deployment.block_number
        assert service.chain.deployment() == deployment
    # The setting, when given, is where scans start.
    with opened_service(settings.model_copy(update={"index_from_block": 0})) as service:
        assert service.from_block == 0


def test_the_settings_import_nothing_of_the_registry_above_them() -> None:
    # A fresh interpreter: this one has imported the whole registry already.
    probe = "import json, sys, registry.settings; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded = [name for name in json.loads(result.stdout) if name.startswith("registry")]
    assert loaded == ["registry", "registry.defaults", "registry.settings"]
