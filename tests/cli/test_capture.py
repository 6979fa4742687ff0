"""``capture``, ``watch`` and ``history`` in a real process, against a real loopback page
server (allowed by ``POLICY_REGISTRY_CAPTURE_ALLOWED_NETWORKS``, as an intranet would be)."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.capture.pages import ENGLISH_HTML, PageServer, page_server
from tests.cli.conftest import run_cli, stored_count

ALLOW = {"POLICY_REGISTRY_CAPTURE_ALLOWED_NETWORKS": '["127.0.0.0/8"]'}


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


def test_capture_a_page_and_its_warc(tmp_path: Path, pages: PageServer) -> None:
    data_dir = tmp_path / "data"
    pages.set("/new.html", ENGLISH_HTML)
    url = pages.redirect("/old.html", "/new.html", 301)
    run = run_cli("capture", url, "--warc-dir", tmp_path / "warcs", data_dir=data_dir, env=ALLOW)
    assert run.returncode == 0, run.stderr
    article = hashlib.sha256(ENGLISH_HTML.encode()).hexdigest()
    lines = run.stdout.splitlines()
    assert lines[0] == f"captured            {article}  {url}"
    assert lines[1] == f"  final URL  {pages.url('/new.html')}"
    assert lines[2].startswith("  fetched    HTTP 200 at ")
    assert lines[2].endswith(" from 127.0.0.1")
    assert lines[3].startswith("  WARC       capture 1, sha256 ")
    assert any(line.startswith("  anchored   block ") for line in lines)
    warc = (tmp_path / "warcs" / "capture-1.warc").read_bytes()
    assert hashlib.sha256(warc).hexdigest() in lines[3]
    assert f"wrote the WARC of capture 1 to {tmp_path / 'warcs' / 'capture-1.warc'}" in lines

    shown = run_cli("show", article[:12], "--json", data_dir=data_dir)
    metadata = shown.json()["metadata"]
    assert metadata["source_url"] == url
    assert metadata["warc_sha256"] == hashlib.sha256(warc).hexdigest()

    again = run_cli("capture", url, "--json", data_dir=data_dir, env=ALLOW)
    assert again.returncode == 0, again.stderr
    assert again.json()["captures"][0]["created"] is False

    exported = run_cli("export-wacz", "1", "2", "-o", tmp_path / "out.wacz", data_dir=data_dir)
    assert exported.stdout == f"wrote 2 captures to {tmp_path / 'out.wacz'}\n", exported.stderr
    with zipfile.ZipFile(tmp_path / "out.wacz") as archive:
        assert archive.read("archive/capture-1.warc") == warc
        assert f"receipts/{article}.json" in archive.namelist()
    run_cli("export-wacz", "9", "-o", tmp_path / "x.wacz", data_dir=data_dir).assert_error(
        2, "no capture 9"
    )


def test_refusals_and_failures_register_nothing(tmp_path: Path, pages: PageServer) -> None:
    data_dir = tmp_path / "data"
    private = pages.redirect("/jump", "http://10.0.0.1/")
    run_cli("capture", private, data_dir=data_dir, env=ALLOW).assert_error(
        2, "redirects to a refused URL", "10.0.0.1 is a private address"
    )
    # Without the setting, loopback itself is refused before any request.
    page = pages.set("/p", ENGLISH_HTML)
    run_cli("capture", page, data_dir=data_dir).assert_error(2, "loopback")
    assert pages.headers_of("/p") == []
    run_cli("capture", pages.url("/missing"), data_dir=data_dir, env=ALLOW).assert_error(
        3, "answered 404"
    )
    failed = run_cli("capture", "ftp://example.org/", "--json", data_dir=data_dir)
    assert failed.returncode == 2
    assert failed.json()["error"]["code"] == "url_refused"
    assert stored_count(data_dir) == 0


def test_watch_check_and_history(tmp_path: Path, pages: PageServer) -> None:
    data_dir = tmp_path / "data"
    url = pages.set("/plan", ENGLISH_HTML)
    added = run_cli("watch", "add", url, "--every", "1h", data_dir=data_dir, env=ALLOW)
    assert added.stdout == f"watching {url} (watch 1), every 3600 s\n", added.stderr
    run_cli("watch", "add", url, data_dir=data_dir).assert_error(2, "watched already")
    run_cli("watch", "add", url, "--every", "5s", data_dir=data_dir).assert_error(2, "minute")

    checked = run_cli("watch", "check", data_dir=data_dir, env=ALLOW)
    assert checked.stdout == "checked 1 page: 1 captured\n", checked.stderr
    assert run_cli("watch", "check", data_dir=data_dir, env=ALLOW).stdout == (
        "checked 0 pages: nothing due\n"
    )
    listed = run_cli("watch", "list", data_dir=data_dir)
    assert listed.returncode == 0
    assert listed.stdout.startswith("    1  every 3600 s      active  ")
    assert listed.stdout.rstrip().endswith(url)

    history = run_cli("history", url, data_dir=data_dir)
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert lines[0] == f"{url} (watch 1, active)"
    assert lines[1].startswith("captured   ")
    assert lines[2] == f"  version    {hashlib.sha256(ENGLISH_HTML.encode()).hexdigest()}"
    assert "not anchored" in lines[-1]
    as_json = run_cli("history", "1", "--json", data_dir=data_dir).json()
    assert [e["kind"] for e in as_json["events"]] == ["captured"]

    removed = run_cli("watch", "remove", url, data_dir=data_dir)
    assert removed.stdout == f"no longer watching {url} (watch 1)\n"
    run_cli("history", url, data_dir=data_dir).assert_error(2, "is not watched")
    assert run_cli("watch", "list", data_dir=data_dir).stdout == "no page is watched\n"
