"""Tampering with the store: one changed byte in a real SQLite file is caught.

The registry's SQLite file is edited behind the service's back with :mod:`sqlite3`
(a stored document's bytes or metadata, a stored proof, a batch root, an anchor
transaction); :meth:`RegistryService.check_article` names what no longer checks out
and :meth:`RegistryService.audit` fails with exactly that article or batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.adapters.chain import InMemoryChain
from registry.adapters.store.sql import SqlStore
from registry.audit import RESTORE_HINT
from registry.core.hexstr import to_hex
from registry.models import Registration
from registry.service import RegistryService
from tests.reliability.support import articles

DATABASE = "registry.sqlite"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RegistryService]:
    registry = RegistryService(SqlStore.in_data_dir(tmp_path), InMemoryChain())
    yield registry
    registry.close()


@pytest.fixture
def batches(service: RegistryService) -> tuple[Registration, Registration]:
    first = service.register(articles("kept", 3), label="first", wait=30)
    second = service.register(articles("target", 2), label="second", wait=30)
    audit = service.audit()
    assert audit.ok
    assert audit.articles_checked == 5
    assert audit.batches_checked == 2
    return first, second


def _flip_hex(value: str, position: int = 0) -> str:
    """``value`` with the hex digit at ``position`` changed: one byte differs."""
    digit = value[position]
    return value[:position] + ("1" if digit == "0" else "0") + value[position + 1 :]


def _edit(tmp_path: Path, statement: str, *parameters: object) -> None:
    connection = sqlite3.connect(tmp_path / DATABASE)
    try:
        changed = connection.execute(statement, parameters).rowcount
        connection.commit()
    finally:
        connection.close()
    assert changed == 1, statement


def _one(tmp_path: Path, query: str, *parameters: object) -> object:
    connection = sqlite3.connect(tmp_path / DATABASE)
    try:
        row = connection.execute(query, parameters).fetchone()
    finally:
        connection.close()
    assert row is not None
    return row[0]


def test_a_changed_byte_of_a_stored_document(
    tmp_path: Path, service: RegistryService, batches: tuple[Registration, Registration]
) -> None:
    target = batches[1].articles[0].article.id
    content = _one(tmp_path, "SELECT content FROM blobs WHERE content_digest = ?", target)
    assert isinstance(content, bytes)
    tampered = bytes([content[10] ^ 0x01])
    _edit(
        tmp_path,
        "UPDATE blobs SET content = ? WHERE content_digest = ?",
        content[:10] + tampered + content[11:],
        target,
    )
    expected = (f"the stored bytes do not hash to the article's content digest; {RESTORE_HINT}",)
    check = service.check_article(target)
    assert (check.ok, check.state, check.problems) == (False, "anchored", expected)
    audit = service.audit()
    assert not audit.ok
    assert [(f.id, f.problems) for f in audit.failures] == [(target, expected)]
    assert audit.batch_problems == ()


def test_a_changed_byte_of_stored_metadata(
    tmp_path: Path, service: RegistryService, batches: tuple[Registration, Registration]
) -> None:
    target = batches[1].articles[1].article.id
    metadata = _one(
        tmp_path, "SELECT metadata_json FROM documents WHERE content_digest = ?", target
    )
    assert isinstance(metadata, str)
    assert "Note target/" in metadata
    _edit(
        tmp_path,
        "UPDATE documents SET metadata_json = ? WHERE content_digest = ?",
        metadata.replace("Note target/", "Note targex/"),
        target,
    )
    expected = ("the stored metadata does not give the recorded metadata digest",)
    assert service.check_article(target).problems == expected
    audit = service.audit()
    assert [(f.id, f.problems) for f in audit.failures] == [(target, expected)]


def test_a_changed_byte_of_a_stored_proof(
    tmp_path: Path, service: RegistryService, batches: tuple[Registration, Registration]
) -> None:
    target = batches[0].articles[2].article.id
    proof = _one(tmp_path, "SELECT proof FROM leaves WHERE content_digest = ?", target)
    assert isinstance(proof, str)
    assert proof.startswith('["')
    _edit(
        tmp_path,
        "UPDATE leaves SET proof = ? WHERE content_digest = ?",
        '["' + _flip_hex(proof[2:]),
        target,
    )
    expected = (
        "the stored proof does not lead to the recorded batch root",
        "the contract's verifyDocument rejects the stored leaf and proof",
    )
    check = service.check_article(target)
    assert (check.ok, check.problems) == (False, expected)
    audit = service.audit()
    assert not audit.ok
    assert [(f.id, f.problems) for f in audit.failures] == [(target, expected)]


def test_a_changed_byte_of_a_stored_batch_root(
    tmp_path: Path, service: RegistryService, batches: tuple[Registration, Registration]
) -> None:
    registration = batches[1]
    assert registration.batch_root is not None
    root = registration.batch_root[2:]
    tampered = _flip_hex(root, 63)
    _edit(tmp_path, "UPDATE batches SET root = ? WHERE root = ?", tampered, root)
    expected = (f"the recorded batch {registration.batch_root} is not in the index",)
    members = sorted(a.article.id for a in registration.articles)
    for member in members:
        check = service.check_article(member)
        assert (check.ok, check.state, check.problems) == (False, "pending", expected)
    audit = service.audit()
    assert not audit.ok
    assert sorted((f.id, f.problems) for f in audit.failures) == [(m, expected) for m in members]
    assert audit.batch_problems == (f"batch 0x{tampered}: 2 documents recorded, 0 indexed",)


def test_a_changed_byte_of_a_document_s_batch_root(
    tmp_path: Path, service: RegistryService, batches: tuple[Registration, Registration]
) -> None:
    target = batches[0].articles[0].article.id
    other_root = batches[1].batch_root
    assert other_root is not None
    # The document now claims the other batch: its proof cannot lead there.
    _edit(
        tmp_path,
        "UPDATE leaves SET batch_root = ? WHERE content_digest = ?",
        other_root[2:],
        target,
    )
    expected = (
        "the stored proof does not lead to the recorded batch root",
        "the contract's verifyDocument rejects the stored leaf and proof",
    )
    assert service.check_article(target).problems == expected
    audit = service.audit()
    assert [(f.id, f.problems) for f in audit.failures] == [(target, expected)]
    first_root = batches[0].batch_root
    assert audit.batch_problems == (
        f"batch {first_root}: 3 documents recorded, 2 indexed",
        f"batch {other_root}: 2 documents recorded, 3 indexed",
    )


def test_a_changed_byte_of_a_stored_anchor_transaction(
    tmp_path: Path, service: RegistryService, batches: tuple[Registration, Registration]
) -> None:
    registration = batches[0]
    assert registration.batch_root is not None
    root = registration.batch_root[2:]
    tx_hash = _one(tmp_path, "SELECT tx_hash FROM batches WHERE root = ?", root)
    assert isinstance(tx_hash, str)
    _edit(tmp_path, "UPDATE batches SET tx_hash = ? WHERE root = ?", _flip_hex(tx_hash), root)
    expected = (
        f"batch {to_hex(bytes.fromhex(root))}: the recorded anchor transaction is not the chain's",
    )
    members = sorted(a.article.id for a in registration.articles)
    assert service.check_article(members[0]).problems == expected
    audit = service.audit()
    assert sorted((f.id, f.problems) for f in audit.failures) == [(m, expected) for m in members]
