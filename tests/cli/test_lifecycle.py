"""End to end, in real processes: what survives a restart, and changes of status.

Each test has its own data directory, since these commands write: register with
metadata (waiting for the anchor, or not), revoke, supersede, reconcile (one round of
the anchorer) what was queued or left pending by a crash.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from registry.adapters.store.sql import SqlStore
from registry.audit import RESTORE_HINT
from registry.core.batch import build_batch
from registry.core.digests import digest_document
from registry.ports import BatchLeaf, NewDocument
from tests.cli.conftest import file_id, run_cli, stored_count


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_registration_survives_a_restart_with_its_metadata(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "Provincial plan.\n\nSecond paragraph.\n")
    registered = run_cli(
        "register",
        memo,
        "--title",
        "Provincial plan",
        "--date",
        "2020-05-14",
        "--language",
        "en",
        "--source-url",
        "https://example.org/plan",
        "--label",
        "test batch",
        "--json",
        data_dir=data_dir,
    )
    assert registered.returncode == 0, registered.stderr
    registration = registered.json()
    assert registration["anchored"] is True
    [entry] = registration["articles"]
    assert entry["created"] is True
    assert entry["article"]["id"] == file_id(memo)

    # A new process, a new interpreter: the chain and the store are read back from disk.
    verified = run_cli("verify", memo, "--json", data_dir=data_dir)
    assert verified.returncode == 0, verified.stderr
    verdict = verified.json()
    assert verdict["kind"] == "authentic"
    assert verdict["anchor"] == {
        **entry["article"]["anchor"],
        "batch_root": registration["batch_root"],
    }

    shown = run_cli("show", file_id(memo), data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[:6] == [
        f"article      {file_id(memo)}",
        "title        Provincial plan",
        "published    2020-05-14",
        "language     en",
        "source_url   https://example.org/plan",
        "content      36 bytes, text/plain; charset=utf-8, 2 paragraphs",
    ]


def test_revoke_then_verify_says_revoked(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "A statement later withdrawn.\n")
    assert run_cli("register", memo, data_dir=data_dir).returncode == 0

    revoked = run_cli(
        "revoke", file_id(memo)[:8], "--reason", "withdrawn by the publisher", data_dir=data_dir
    )
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.splitlines()[:2] == [
        f"article      {file_id(memo)}",
        "REVOKED: the registrar revoked this article: withdrawn by the publisher",
    ]

    verified = run_cli("verify", memo, data_dir=data_dir)
    assert verified.returncode == 1
    assert verified.stdout.splitlines()[:2] == [
        f"AUTHENTIC: {memo} is registered article {file_id(memo)}, byte for byte",
        "REVOKED: the registrar revoked this article: withdrawn by the publisher",
    ]

    again = run_cli("revoke", file_id(memo), "--reason", "twice", data_dir=data_dir)
    again.assert_error(2, f"article {file_id(memo)} is already revoked")


def test_supersede_and_register_a_replacement(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _write(tmp_path, "v1.txt", "Plan, first version.\n")
    second = _write(tmp_path, "v2.txt", "Plan, second version.\n")
    third = _write(tmp_path, "v3.txt", "Plan, third version.\n")
    assert run_cli("register", first, second, data_dir=data_dir).returncode == 0

    superseded = run_cli(
        "supersede", file_id(first)[:8], file_id(second)[:8], "--json", data_dir=data_dir
    )
    assert superseded.returncode == 0, superseded.stderr
    record = superseded.json()
    assert record["status"] == "superseded"
    assert record["superseded_by"] == file_id(second)

    old = run_cli("verify", first, data_dir=data_dir)
    assert old.returncode == 1
    assert old.stdout.splitlines()[1] == (
        f"SUPERSEDED: a newer article replaces this one: {file_id(second)}"
    )

    replaced = run_cli("register", third, "--supersedes", file_id(second), data_dir=data_dir)
    assert replaced.returncode == 0, replaced.stderr
    listed = run_cli("list", "--status", "superseded", "--json", data_dir=data_dir).json()
    assert {a["id"] for a in listed["articles"]} == {file_id(first), file_id(second)}

    # The first is superseded already: refused before anything is registered.
    fourth = _write(tmp_path, "v4.txt", "Plan, fourth version.\n")
    refused = run_cli("register", fourth, "--supersedes", file_id(first), data_dir=data_dir)
    refused.assert_error(2, f"article {file_id(first)} is already superseded")
    assert stored_count(data_dir) == 3


def _leave_pending(data_dir: Path, data: bytes) -> str:
    """Record a one-document batch as pending and send nothing, as a crash right after would.

    Written straight to the data directory's store: the anchorer records a batch's intent
    (tree, leaves, proofs) first, then sends its anchor; a crash between the two leaves this.
    """
    digested = digest_document(data, {})
    tree = build_batch([digested.digests])
    digest = digested.digests.content_digest
    store = SqlStore.in_data_dir(data_dir)
    try:
        store.add_queued(
            [
                NewDocument(
                    digests=digested.digests,
                    metadata_json="{}",
                    content=data,
                    media_type="text/plain; charset=utf-8",
                    paragraph_digests=digested.paragraph_digests,
                )
            ]
        )
        store.add_pending_batch(tree.root, "", [BatchLeaf(digest, 0, tuple(tree.proofs()[0]))])
    finally:
        store.close()
    return "0x" + tree.root.hex()


def test_reconcile_anchors_a_batch_a_crash_left_pending(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "Recorded before a crash, never sent.\n")
    assert run_cli("list", data_dir=data_dir).returncode == 0  # the registry exists
    root = _leave_pending(data_dir, memo.read_bytes())

    # Read-only commands never send a transaction: the batch stays pending.
    shown = run_cli("show", file_id(memo), "--json", data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    assert (shown.json()["state"], shown.json()["batch_root"]) == ("pending", root)
    assert run_cli("verify", memo, data_dir=data_dir).returncode == 1

    # reconcile is one round of the anchorer: it sends the pending batch's anchor.
    reconciled = run_cli("reconcile", data_dir=data_dir)
    assert reconciled.returncode == 0, reconciled.stderr
    assert reconciled.stdout == f"anchored          batch {root}\n"

    verified = run_cli("verify", memo, data_dir=data_dir)
    assert verified.returncode == 0, verified.stderr
    assert f"  batch root {root}" in verified.stdout
    again = run_cli("reconcile", data_dir=data_dir)
    assert (again.returncode, again.stdout) == (0, "nothing to do: nothing queued or pending\n")


def test_register_no_wait_queues_and_reconcile_anchors(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _write(tmp_path, "first.txt", "Queued without waiting.\n")
    second = _write(tmp_path, "second.txt", "Queued without waiting, too.\n")

    for path in (first, second):
        queued = run_cli("register", path, "--no-wait", data_dir=data_dir)
        assert queued.returncode == 1, queued.stderr
        lines = queued.stdout.splitlines()
        assert lines[0] == f"registered          {file_id(path)}  {path.name}"
        assert lines[-1].startswith("QUEUED: registered, not anchored yet")
        assert "anchored   block" not in queued.stdout
    shown = run_cli("show", file_id(first), "--json", data_dir=data_dir).json()
    assert (shown["state"], shown["batch_root"], shown["anchor"]) == ("queued", None, None)
    receipt = run_cli("receipt", file_id(first), data_dir=data_dir)
    receipt.assert_error(2, "not anchored yet")

    # One round: both queued documents, from two commands, in one batch and one transaction.
    reconciled = run_cli("reconcile", "--json", data_dir=data_dir)
    assert reconciled.returncode == 0, reconciled.stderr
    report = reconciled.json()
    assert (report["leader"], len(report["anchored"]), report["queued"]) == (True, 1, 0)
    records = [
        run_cli("show", file_id(path), "--json", data_dir=data_dir).json()
        for path in (first, second)
    ]
    assert {(r["state"], r["batch_root"]) for r in records} == {("anchored", report["anchored"][0])}
    assert records[0]["anchor"] == records[1]["anchor"]


def test_register_waits_for_the_anchor_by_default_and_says_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "Anchored before the command returns.\n")

    registered = run_cli("register", memo, data_dir=data_dir)

    assert registered.returncode == 0, registered.stderr
    lines = registered.stdout.splitlines()
    assert lines[0] == f"registered          {file_id(memo)}  {memo.name}"
    assert lines[1].startswith("batch 0x")
    assert lines[1].endswith(" (1 new document of this request), anchored:")
    assert lines[2].startswith("  anchored   block ")
    assert "QUEUED" not in registered.stdout
    shown = run_cli("show", file_id(memo), "--json", data_dir=data_dir).json()
    assert shown["state"] == "anchored"
    assert lines[1] == f"batch {shown['batch_root']} (1 new document of this request), anchored:"
    # Another command right after: this one's anchorer lease was handed back on exit.
    reconciled = run_cli("reconcile", data_dir=data_dir)
    assert reconciled.returncode == 0, (reconciled.stdout, reconciled.stderr)


def test_audit_lists_what_is_off_and_exits_1(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "Bytes that will rot on disk.\n")
    assert run_cli("register", memo, data_dir=data_dir).returncode == 0
    # The stored copy changes behind the registry's back (disk corruption, a careless edit).
    with sqlite3.connect(data_dir / "registry.sqlite") as database:
        database.execute(
            "UPDATE blobs SET content = ? WHERE content_digest = ?",
            (b"Bytes that rotted on disk.\n", file_id(memo)),
        )
    database.close()

    result = run_cli("audit", data_dir=data_dir)

    assert result.returncode == 1
    assert result.stdout == (
        "AUDIT FAILED: 1 article and 1 batch checked against the chain; 1 problem:\n"
        f"  article {file_id(memo)}: the stored bytes do not hash to the article's content "
        f"digest; {RESTORE_HINT}\n"
    )

    # The genuine file, in a folder among others, restores the stored copy; nothing else.
    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "memo-copy.txt").write_bytes(memo.read_bytes())
    (folder / "unrelated.txt").write_text("Never registered.\n", encoding="utf-8")
    (folder / "edited.txt").write_text("Bytes that rotted on disk.\n", encoding="utf-8")
    repaired = run_cli("audit", "--repair", folder, data_dir=data_dir)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert repaired.stdout == (
        f"restored the stored copy of article {file_id(memo)}\n"
        "AUDIT OK: 1 article and 1 batch checked against the chain; nothing is off\n"
    )
    assert stored_count(data_dir) == 1  # the unrelated file was not registered
    again = run_cli("audit", "--repair", folder, "--json", data_dir=data_dir)
    assert again.returncode == 0
    assert again.json()["restored"] == []  # an intact copy is left alone


def test_rebuild_restores_a_lost_index_and_verify_works_again(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "An index can be rebuilt.\n\nFrom the chain's events.\n")
    other = _write(tmp_path, "other.txt", "A second article, registered later.\n")
    assert run_cli("register", memo, data_dir=data_dir).returncode == 0
    assert run_cli("register", other, data_dir=data_dir).returncode == 0
    assert (
        run_cli("revoke", file_id(other), "--reason", "withdrawn", data_dir=data_dir).returncode
        == 0
    )
    # The index is lost; the stored bytes and their metadata rows are kept.
    with sqlite3.connect(data_dir / "registry.sqlite") as database:
        for table in ("batches", "leaves", "statuses", "paragraphs"):
            database.execute(f"DELETE FROM {table}")
    database.close()
    assert run_cli("verify", memo, data_dir=data_dir).returncode == 1

    result = run_cli("rebuild", data_dir=data_dir)

    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.splitlines()[0] == (
        "rebuilt the index of 2 stored documents: 2 batches matched an anchored root, "
        "1 status restored from the chain"
    )
    assert run_cli("verify", memo, data_dir=data_dir).returncode == 0
    revoked = run_cli("verify", other, data_dir=data_dir)
    assert revoked.returncode == 1
    assert (
        revoked.stdout.splitlines()[1] == "REVOKED: the registrar revoked this article: withdrawn"
    )


def test_register_dir_in_batches_reads_one_batch_at_a_time(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    folder = tmp_path / "folder"
    folder.mkdir()
    files = [
        _write(folder, f"{i}.txt", f"Article {i}.\n\nIts second paragraph.\n") for i in range(5)
    ]

    result = run_cli("register-dir", folder, "--batch-size", "2", "--json", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    output = result.json()
    assert output["anchored"] is True
    registrations = output["registrations"]
    assert [len(r["articles"]) for r in registrations] == [2, 2, 1]
    # Queued two at a time, anchored together: the anchorer batches whatever is queued.
    roots = {r["batch_root"] for r in registrations}
    assert len(roots) == 1
    assert None not in roots
    registered = {e["article"]["id"] for r in registrations for e in r["articles"]}
    assert registered == {file_id(path) for path in files}
    assert run_cli("verify", files[4], data_dir=data_dir).returncode == 0


def test_register_dir_checks_every_file_before_the_first_batch(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    folder = tmp_path / "folder"
    folder.mkdir()
    for i in range(4):
        _write(folder, f"{i}.txt", f"Article {i}.\n")
    _write(folder, "9-last.txt", "An article over the limit.\n" * 10)  # in the last batch

    result = run_cli(
        "register-dir",
        folder,
        "--batch-size",
        "2",
        data_dir=data_dir,
        env={"POLICY_REGISTRY_MAX_DOCUMENT_BYTES": "100"},
    )

    result.assert_error(2, "9-last.txt has 270 bytes; the limit is 100")
    assert stored_count(data_dir) == 0
