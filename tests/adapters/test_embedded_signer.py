"""The embedded chain's signer: a key of its own per data directory, and old directories.

A new data directory gets a random key in a 0600 file, funded at genesis, deployer and
registrar of its contract. A version 1 directory (made before: eth-tester's well-known
account 0 signed it, and its deployment was not recorded) keeps working with that key,
says so in one log line, and has its deployment found on the chain and recorded.
"""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from eth.db.atomic import AtomicDB

from registry.adapters.chain import EmbeddedChain, tester
from registry.adapters.chain.embedded import (
    CHAIN_DIR,
    DATABASE_FILE,
    FORMAT_NAME,
    SIGNER_KEY_FILE,
    _jsonable,
)
from registry.adapters.chain.kvstore import SqliteKeyValueStore
from registry.adapters.chain.tester import DEFAULT_FORK, TESTER_CHAIN_ID, create_genesis
from registry.errors import ChainError

WELL_KNOWN_ADDRESS = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"


def _version_1_directory(data_dir: Path) -> tuple[str, bytes]:
    """A data directory as the previous release made it; its contract and deployment tx."""
    chain_dir = data_dir / CHAIN_DIR
    chain_dir.mkdir(parents=True)
    store = SqliteKeyValueStore(chain_dir / DATABASE_FILE)
    base_db = AtomicDB(store)
    chain_class = tester.tester_chain_class(TESTER_CHAIN_ID, DEFAULT_FORK)
    with store.deferred_commit():
        chain, genesis_params = create_genesis(base_db, chain_class, 1_700_000_000)
        store.set_meta("format", FORMAT_NAME)
        store.set_meta("version", "1")
        store.set_meta("chain_id", str(TESTER_CHAIN_ID))
        store.set_meta("fork", DEFAULT_FORK)
        store.set_meta("genesis_params", json.dumps(_jsonable(genesis_params)))
        store.set_meta("genesis_hash", chain.get_canonical_block_hash(0).hex())
    old = tester.TesterChain(
        tester.RegistryTesterBackend(chain, on_mined=store.commit),
        chain_id=TESTER_CHAIN_ID,
        contract_address=None,
    )
    with store.deferred_commit():
        address = old.deploy_registry()
        store.set_meta("contract_address", address)
    deployment = old.deployment()
    old.anchor_batch(b"\x01" * 32, 1, "before the upgrade")
    store.close()
    return address, deployment.transaction_hash


def test_a_new_directory_signs_with_a_key_of_its_own(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with EmbeddedChain(tmp_path / "one") as one:
        first = one.registrar
        assert not one.well_known_key
        assert first != WELL_KNOWN_ADDRESS
        assert [g.address for g in one.registrar_grants()] == [first]
        one.anchor_batch(b"\x02" * 32, 1, "signed by the directory's key")
        batch = one.get_batch(b"\x02" * 32)
        assert batch is not None
        assert batch.registrar == first
    key_file = tmp_path / "one" / CHAIN_DIR / SIGNER_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_text(encoding="ascii").strip()
    assert len(bytes.fromhex(secret)) == 32
    assert secret not in caplog.text
    with EmbeddedChain(tmp_path / "one") as again:
        assert again.registrar == first
        assert secret not in repr(again)
    with EmbeddedChain(tmp_path / "two") as two:
        assert two.registrar not in (first, WELL_KNOWN_ADDRESS)


def test_a_version_1_directory_keeps_its_well_known_key_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    address, deployment_tx = _version_1_directory(tmp_path)
    caplog.set_level(logging.WARNING)
    with EmbeddedChain(tmp_path) as chain:
        assert chain.contract_address == address
        assert chain.registrar == tester.tester_signer().address == WELL_KNOWN_ADDRESS
        assert chain.well_known_key
        # Not recorded then: found on the chain (binary search) and recorded now.
        assert chain.deployment().transaction_hash == deployment_tx
        assert chain.get_batch(b"\x01" * 32) is not None
        chain.anchor_batch(b"\x03" * 32, 1, "after the upgrade")
    warnings = [r.getMessage() for r in caplog.records if "well-known key" in r.getMessage()]
    assert len(warnings) == 1
    assert not (tmp_path / CHAIN_DIR / SIGNER_KEY_FILE).exists()
    store = SqliteKeyValueStore(tmp_path / CHAIN_DIR / DATABASE_FILE)
    try:
        assert store.get_meta("deployment_transaction") == "0x" + deployment_tx.hex()
        assert store.get_meta("version") == "1"
    finally:
        store.close()


def test_a_missing_or_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with EmbeddedChain(tmp_path):
        pass
    key_file = tmp_path / CHAIN_DIR / SIGNER_KEY_FILE
    secret = key_file.read_text(encoding="ascii")
    key_file.write_text("zz" + secret[2:], encoding="ascii")
    with pytest.raises(ChainError, match="does not hold a valid key") as caught:
        EmbeddedChain(tmp_path)
    assert secret.strip()[2:] not in str(caught.value)
    key_file.unlink()
    with pytest.raises(ChainError, match=r"signer key file .* is missing"):
        EmbeddedChain(tmp_path)
