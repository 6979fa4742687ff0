"""A capture's exchange as a WARC 1.1 file (ISO 28500), written with ``warcio``.

The file holds, in order: a ``warcinfo`` record (the software and the registry that
captured), for every hop (the first request and each redirect) a ``request`` record with
the request line and headers as sent and a ``response`` record with the status line,
headers and body as received (``WARC-IP-Address`` the address connected to, ``WARC-Date``
when the answer's headers came), and a ``metadata`` record (JSON) naming the URL asked
for, the final URL, the redirects and the retrieval time. The body is stored as it came
over the wire (its content coding kept, its transfer coding removed: the
``Transfer-Encoding`` header is renamed ``X-Archive-Orig-Transfer-Encoding``, as
Webrecorder's tools do, so a replayer does not try to de-chunk it again).

Uncompressed, so that the file's SHA-256 (in the article's metadata) is of the bytes a
reader downloads and replays.
"""

from __future__ import annotations

import json
from io import BytesIO
from typing import Final

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from registry.capture.fetch import Exchange, FetchResult

MEDIA_TYPE: Final = "application/warc"
_HOP_BY_HOP_RENAMED: Final = frozenset({"transfer-encoding"})


def _target(exchange: Exchange) -> tuple[str, str]:
    """The request target (path and query) and the URL of a hop."""
    return httpx.URL(exchange.url).raw_path.decode("ascii"), exchange.url


def _response_headers(exchange: Exchange) -> list[tuple[str, str]]:
    return [
        (f"X-Archive-Orig-{name}" if name.lower() in _HOP_BY_HOP_RENAMED else name, value)
        for name, value in exchange.response_headers
    ]


def write_warc(result: FetchResult, software: str) -> bytes:
    """The WARC file of a fetch (every hop), as bytes."""
    out = BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    writer.write_record(
        writer.create_warcinfo_record(
            None,
            {
                "software": software,
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                "warc-format/warc-1.1/",
            },
        )
    )
    for exchange in result.exchanges:
        date = datetime_to_iso_date(exchange.retrieved_at, use_micros=True)
        path, url = _target(exchange)
        request = writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"GET {path} HTTP/1.1", list(exchange.request_headers), is_http_request=True
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        version = exchange.http_version
        protocol = version if version.startswith("HTTP/") else "HTTP/1.1"
        response = writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=StatusAndHeaders(
                f"{exchange.status} {exchange.reason}".strip(),
                _response_headers(exchange),
                protocol=protocol,
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": exchange.ip_address},
        )
        writer.write_request_response_pair(request, response)
    final = result.final
    about = {
        "source_url": result.requested_url,
        "final_url": final.url,
        "http_status": final.status,
        "retrieved_at": datetime_to_iso_date(final.retrieved_at, use_micros=True),
        "ip_address": final.ip_address,
        "redirects": [
            {"url": hop.url, "status": hop.status, "location": hop.header("location")}
            for hop in result.redirects
        ],
    }
    payload = json.dumps(about, ensure_ascii=False, indent=1).encode("utf-8")
    writer.write_record(
        writer.create_warc_record(
            result.requested_url,
            "metadata",
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type="application/json",
            warc_headers_dict={
                "WARC-Date": datetime_to_iso_date(final.retrieved_at, use_micros=True)
            },
        )
    )
    return out.getvalue()
