"""A WACZ package (Web Archive Collection Zipped, spec 1.1.1) of captures, receipts inside.

Built here rather than with the ``wacz`` package, whose dependencies (``frictionless``
and its tree) outweigh the few files the format asks for::

    archive/capture-N.warc     each capture's WARC, stored (not deflated): readers seek in it
    indexes/index.cdx          CDXJ, one line per response record, sorted by SURT and time
    pages/pages.jsonl          the captured pages (final URL, time, title)
    receipts/ID.json           the portable receipt of each anchored article (our addition)
    datapackage.json           every file with its SHA-256 and size (Frictionless profile)
    datapackage-digest.json    the SHA-256 of datapackage.json

ReplayWeb.page and ``py-wacz validate`` read this layout. A receipt is what makes the
package evidence: it proves the article (the page's body, whose metadata names the
WARC's SHA-256) is anchored; a capture still queued has no receipt yet and says so in
``datapackage.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import httpx
from warcio.archiveiterator import ArchiveIterator

from registry.capture.records import StoredCapture

WACZ_VERSION: Final = "1.1.1"
MEDIA_TYPE: Final = "application/wacz"
MAX_CAPTURES: Final = 50
MAX_EXPORT_BYTES: Final = 200 * 1024 * 1024
"""Most WARC bytes one package holds (it is built in memory)."""


@dataclass(frozen=True, slots=True)
class PackagedCapture:
    capture: StoredCapture
    warc: bytes
    title: str | None = None
    receipt_json: str | None = None
    """The article's receipt (JSON), or None while it is not anchored."""


def surt(url: str) -> str:
    """The SURT form of a URL, as CDX indexes sort them: ``org,example)/path?query``."""
    parsed = httpx.URL(url)
    host = parsed.host.lower()
    if host.startswith("www."):
        host = host[4:]
    if not host.replace(".", "").isdigit() and ":" not in host:
        host = ",".join(reversed(host.split(".")))
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    if parsed.port is not None and parsed.port != default:
        host += f":{parsed.port}"
    path = parsed.raw_path.decode("ascii")
    return f"{host}){path}".lower()


def _timestamp(warc_date: str) -> str:
    return "".join(c for c in warc_date if c.isdigit())[:14]


def cdx_lines(filename: str, warc: bytes) -> list[str]:
    """CDXJ lines of a WARC's response records (offsets into that file)."""
    lines = []
    iterator = ArchiveIterator(io.BytesIO(warc))
    for record in iterator:
        if record.rec_type != "response":
            continue
        url = record.rec_headers.get_header("WARC-Target-URI")
        date = record.rec_headers.get_header("WARC-Date")
        http = record.http_headers
        payload = record.content_stream().read()
        fields = {
            "url": url,
            "mime": (http.get_header("Content-Type") or "").split(";", 1)[0].strip() or "unk",
            "status": http.get_statuscode(),
            "digest": "sha256:" + hashlib.sha256(payload).hexdigest(),
            "length": iterator.get_record_length(),
            "offset": iterator.get_record_offset(),
            "filename": filename,
        }
        lines.append(f"{surt(url)} {_timestamp(date)} {json.dumps(fields, ensure_ascii=False)}")
    return lines


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def build_wacz(
    captures: Sequence[PackagedCapture], *, title: str, software: str, created: float
) -> bytes:
    """The WACZ file of ``captures`` (their WARCs, index, pages and receipts)."""
    files: list[tuple[str, bytes, int]] = []
    index: list[str] = []
    pages = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages"})]
    for item in captures:
        capture = item.capture
        name = f"capture-{capture.id}.warc"
        files.append((f"archive/{name}", item.warc, zipfile.ZIP_STORED))
        index.extend(cdx_lines(name, item.warc))
        page = {
            "id": str(capture.id),
            "url": capture.final_url,
            "ts": _iso(capture.retrieved_at),
            "title": item.title or capture.final_url,
        }
        pages.append(json.dumps(page, ensure_ascii=False))
        if item.receipt_json is not None:
            path = f"receipts/{capture.content_digest.hex()}.json"
            if path not in {f[0] for f in files}:
                files.append((path, item.receipt_json.encode("utf-8"), zipfile.ZIP_DEFLATED))
    files.append(("indexes/index.cdx", _lines(sorted(index)), zipfile.ZIP_DEFLATED))
    files.append(("pages/pages.jsonl", _lines(pages), zipfile.ZIP_DEFLATED))
    package = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": title,
        "software": software,
        "created": _iso(created),
        "mainPageURL": captures[0].capture.final_url if captures else None,
        "mainPageDate": _iso(captures[0].capture.retrieved_at) if captures else None,
        "resources": [
            {
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for path, data, _ in files
        ],
        "captures": [
            {
                "id": item.capture.id,
                "article_id": item.capture.content_digest.hex(),
                "warc_sha256": item.capture.warc_sha256.hex(),
                "receipt": item.receipt_json is not None,
            }
            for item in captures
        ],
    }
    datapackage = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
    digest = {
        "path": "datapackage.json",
        "hash": "sha256:" + hashlib.sha256(datapackage).hexdigest(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data, method in files:
            archive.writestr(_entry(path, created), data, compress_type=method)
        archive.writestr(_entry("datapackage.json", created), datapackage, zipfile.ZIP_DEFLATED)
        archive.writestr(
            _entry("datapackage-digest.json", created),
            json.dumps(digest, indent=2).encode("utf-8"),
            zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


def _lines(lines: Sequence[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _entry(path: str, created: float) -> zipfile.ZipInfo:
    moment = datetime.fromtimestamp(created, UTC)
    info = zipfile.ZipInfo(path, date_time=moment.timetuple()[:6])
    info.external_attr = 0o644 << 16
    return info
