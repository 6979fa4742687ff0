"""WACZ export of captures: the package's files, index, pages, digests and receipts."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from warcio.archiveiterator import ArchiveIterator

from registry.capture.captures import Captures
from registry.capture.export import export_wacz
from registry.capture.wacz import surt
from registry.core.receipt import Receipt
from registry.errors import InputError, NotFound
from registry.service import RegistryService
from tests.capture.pages import CHINESE_TEXT, ENGLISH_HTML, PageServer


def test_a_package_of_two_captures_with_their_receipts(
    pages: PageServer, captures: Captures, service: RegistryService
) -> None:
    anchored = captures.capture([pages.set("/en", ENGLISH_HTML)], wait=30).captures[0]
    queued = captures.capture([pages.set("/zh", CHINESE_TEXT)]).captures[0]
    data = export_wacz(service, [anchored.capture.id, queued.capture.id, anchored.capture.id], None)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names == [
        f"archive/capture-{anchored.capture.id}.warc",
        f"receipts/{anchored.article.id}.json",
        f"archive/capture-{queued.capture.id}.warc",
        "indexes/index.cdx",
        "pages/pages.jsonl",
        "datapackage.json",
        "datapackage-digest.json",
    ]
    # WARCs are stored, not deflated (readers seek into them), and are the stored bytes.
    warc_name = names[0]
    assert archive.getinfo(warc_name).compress_type == zipfile.ZIP_STORED
    warc = archive.read(warc_name)
    assert hashlib.sha256(warc).hexdigest() == anchored.capture.warc_sha256

    package = json.loads(archive.read("datapackage.json"))
    assert package["profile"] == "data-package"
    assert package["wacz_version"] == "1.1.1"
    for resource in package["resources"]:
        content = archive.read(resource["path"])
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
        assert resource["bytes"] == len(content)
    assert {r["path"] for r in package["resources"]} == set(names[:-2])
    digest = json.loads(archive.read("datapackage-digest.json"))
    assert (
        digest["hash"] == "sha256:" + hashlib.sha256(archive.read("datapackage.json")).hexdigest()
    )
    assert [c["receipt"] for c in package["captures"]] == [True, False]

    receipt = Receipt.model_validate_json(archive.read(names[1]))
    assert receipt.document.content_digest == "0x" + anchored.article.id

    pages_lines = archive.read("pages/pages.jsonl").decode().splitlines()
    assert json.loads(pages_lines[0])["format"] == "json-pages-1.0"
    assert [json.loads(line)["url"] for line in pages_lines[1:]] == [
        pages.url("/en"),
        pages.url("/zh"),
    ]

    index = archive.read("indexes/index.cdx").decode().splitlines()
    assert index == sorted(index)
    assert len(index) == 2
    key, stamp, fields_text = index[0].split(" ", 2)
    fields = json.loads(fields_text)
    assert key == surt(fields["url"])
    assert len(stamp) == 14
    # The offset and length find the response record in its WARC file.
    source = archive.read(f"archive/{fields['filename']}")
    record = next(
        ArchiveIterator(io.BytesIO(source[fields["offset"] : fields["offset"] + fields["length"]]))
    )
    assert record.rec_type == "response"
    body = record.content_stream().read()
    assert fields["digest"] == "sha256:" + hashlib.sha256(body).hexdigest()


def test_export_bounds(captures: Captures, service: RegistryService) -> None:
    with pytest.raises(InputError, match="at least one"):
        export_wacz(service, [], None)
    with pytest.raises(InputError, match="at most 50"):
        export_wacz(service, list(range(1, 52)), None)
    with pytest.raises(NotFound, match="no capture 7"):
        export_wacz(service, [7], None)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://www.Example.org/A?b=1", "org,example)/a?b=1"),
        ("https://gov.cn:8443/x", "cn,gov:8443)/x"),
        ("http://127.0.0.1:8080/p", "127.0.0.1:8080)/p"),
        ("https://example.org:443/", "org,example)/"),
    ],
)
def test_surt(url: str, key: str) -> None:
    assert surt(url) == key
