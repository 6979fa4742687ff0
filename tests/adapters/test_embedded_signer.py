"""The embedded chain's signer, a key of its own per data directory, and old directories.

A new data directory gets a random key in a 0600 file, funded at genesis, deployer and
registrar of its contract. A directory of an earlier format (1: signed by eth-tester's
well-known account 0; 2: its own key) holds the registry contract 1.0.0, which this
release no longer reads: it is refused with the steps to move to a new directory.
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
    FORMAT_VERSION,
    SIGNER_KEY_FILE,
    _jsonable,
)
from registry.adapters.chain.kvstore import SqliteKeyValueStore
from registry.adapters.chain.tester import DEFAULT_FORK, TESTER_CHAIN_ID, create_genesis
from registry.errors import ChainError, ConfigurationError

WELL_KNOWN_ADDRESS = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"


def _earlier_format_directory(data_dir: Path, version: str) -> None:
    """A data directory recorded as chain format ``version``, signed by eth-tester's account 0
    and holding a contract with an anchored batch, as a previous release left it."""
    chain_dir = data_dir / CHAIN_DIR
    chain_dir.mkdir(parents=True)
    store = SqliteKeyValueStore(chain_dir / DATABASE_FILE)
    base_db = AtomicDB(store)
    chain_class = tester.tester_chain_class(TESTER_CHAIN_ID, DEFAULT_FORK)
    with store.deferred_commit():
        chain, genesis_params = create_genesis(base_db, chain_class, 1_700_000_000)
        store.set_meta("format", FORMAT_NAME)
        store.set_meta("version", version)
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
        store.set_meta("contract_address", old.deploy_registry())
    old.anchor_batch(b"\x01" * 32, 1, "before the upgrade")
    store.close()


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


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_directory_of_an_earlier_format_is_refused_with_the_steps_to_move(
    tmp_path: Path, version: str
) -> None:
    data_dir = tmp_path / "data"
    _earlier_format_directory(data_dir, version)
    with pytest.raises(ConfigurationError) as refused:
        EmbeddedChain(data_dir)
    message = str(refused.value)
    assert f"the data directory {data_dir} was made by an earlier release" in message
    assert f"(format {version}) holds the registry contract 1.0.0" in message
    assert f"needs contract 2.0.0 (format {FORMAT_VERSION})" in message
    assert f"`mv {data_dir} {data_dir}.format-{version}`" in message
    assert "policy-registry register-dir FOLDER" in message
    assert "GET /v1/articles/{id}/content" in message
    # Nothing was changed, and the directory is free again: the refusal released its lock.
    store = SqliteKeyValueStore(data_dir / CHAIN_DIR / DATABASE_FILE)
    try:
        assert store.get_meta("version") == version
    finally:
        store.close()
    with pytest.raises(ConfigurationError):
        EmbeddedChain(data_dir)
    # Moved aside as the message says, a new directory at the same path starts afresh.
    data_dir.rename(tmp_path / f"data.format-{version}")
    with EmbeddedChain(data_dir) as fresh:
        assert fresh.get_batch(b"\x01" * 32) is None
        assert fresh.deployment().block_number == 1


def test_an_unknown_format_version_is_refused(tmp_path: Path) -> None:
    _earlier_format_directory(tmp_path, "4")
    with pytest.raises(ChainError, match="unknown chain format version 4"):
        EmbeddedChain(tmp_path)


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
