"""The fetcher against a real loopback server: bodies, redirects, limits and the SSRF guard."""

from __future__ import annotations

import gzip
import ipaddress
import socket
from typing import Any

import pytest

from registry.capture.addresses import embedded_ipv4, parse_networks, refusal
from registry.capture.fetch import Fetcher, FetchLimits, check_url
from registry.errors import FetchFailed, FetchTimeout, UpstreamTooLarge, UrlRefused
from tests.capture.pages import CHINESE_TEXT, ENGLISH_HTML, PageServer


def test_fetches_a_page_with_its_exchange(pages: PageServer, limits: FetchLimits) -> None:
    url = pages.set("/plan.html", ENGLISH_HTML)
    result = Fetcher(limits).fetch(url)
    assert result.final.status == 200
    assert result.content == ENGLISH_HTML.encode()
    assert result.final.ip_address == "127.0.0.1"
    assert result.redirects == ()
    sent = pages.headers_of("/plan.html")[0]
    assert sent["User-Agent"].startswith("policy-registry/")
    assert "+http" in sent["User-Agent"]
    assert sent["Host"] == f"127.0.0.1:{pages.port}"
    assert ("User-Agent", sent["User-Agent"]) in result.final.request_headers


def test_gbk_bytes_are_kept_exactly(pages: PageServer, limits: FetchLimits) -> None:
    body = CHINESE_TEXT.encode("gbk")
    url = pages.set("/gbk.html", body, headers={"Content-Type": "text/html; charset=gbk"})
    assert Fetcher(limits).fetch(url).content == body


def test_gzip_is_decoded_for_the_article_and_kept_raw_in_the_exchange(
    pages: PageServer, limits: FetchLimits
) -> None:
    packed = gzip.compress(CHINESE_TEXT.encode())
    url = pages.set("/z", packed, headers={"Content-Encoding": "gzip"})
    result = Fetcher(limits).fetch(url)
    assert result.final.body == packed
    assert result.content == CHINESE_TEXT.encode()


def test_a_gzip_bomb_stops_at_the_limit(pages: PageServer, limits: FetchLimits) -> None:
    bomb = gzip.compress(b"\0" * (limits.max_bytes * 20))
    assert len(bomb) < limits.max_bytes
    url = pages.set("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(UpstreamTooLarge):
        _ = Fetcher(limits).fetch(url).content


def test_redirects_are_followed_and_recorded(pages: PageServer, limits: FetchLimits) -> None:
    final = pages.set("/new", ENGLISH_HTML)
    pages.redirect("/middle", "/new", 301)
    start = pages.redirect("/old", pages.url("/middle"))
    result = Fetcher(limits).fetch(start)
    assert [e.status for e in result.exchanges] == [302, 301, 200]
    assert [e.url for e in result.exchanges] == [start, pages.url("/middle"), final]
    assert result.final.url == final


def test_a_redirect_loop_stops(pages: PageServer, limits: FetchLimits) -> None:
    pages.redirect("/a", "/b")
    pages.redirect("/b", "/a")
    with pytest.raises(FetchFailed, match="redirects more than 5 times"):
        Fetcher(limits).fetch(pages.url("/a"))


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[fc00::1]/",
        "http://[::]/",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    pages: PageServer, limits: FetchLimits, target: str
) -> None:
    """127.0.0.1 is allowed by the test's allow-list; none of these is, after a redirect."""
    start = pages.redirect("/jump", target)
    with pytest.raises(UrlRefused, match="redirects to a refused URL"):
        Fetcher(limits).fetch(start)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://[::1]:80/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://[2002:7f00:1::]/",
        "http://[64:ff9b::a00:1]/",
        "ftp://example.com/",
        "javascript:alert(1)",
        "http://user:pw@example.com/",
        "http:///nohost",
        "",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "x" * 3000,
    ],
)
def test_refused_urls_by_default(url: str) -> None:
    """Nothing private is allowed without the setting (no request is sent to these)."""
    fetcher = Fetcher(FetchLimits(total_timeout=3))
    with pytest.raises(UrlRefused):
        fetcher.fetch(url)


def test_allow_list_is_per_network() -> None:
    allowed = parse_networks(["127.0.0.0/8", "fd00::/8"])
    assert refusal(ipaddress.ip_address("127.0.0.2"), allowed) is None
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), allowed) is None
    assert refusal(ipaddress.ip_address("fd12::1"), allowed) is None
    assert refusal(ipaddress.ip_address("10.0.0.1"), allowed) is not None
    assert refusal(ipaddress.ip_address("::1"), allowed) is not None
    assert refusal(ipaddress.ip_address("93.184.216.34"), ()) is None
    assert embedded_ipv4(ipaddress.ip_address("2002:a00:1::")) == ipaddress.ip_address("10.0.0.1")


def test_an_unknown_name_is_an_upstream_failure(limits: FetchLimits) -> None:
    with pytest.raises(FetchFailed, match="does not resolve"):
        Fetcher(limits).fetch("http://no-such-host.invalid/")


def test_a_closed_port_is_an_upstream_failure(limits: FetchLimits) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        with pytest.raises(FetchFailed, match="failed"):
            Fetcher(limits).fetch(f"http://127.0.0.1:{port}/")


def test_an_oversized_body_stops_at_the_limit(pages: PageServer, limits: FetchLimits) -> None:
    url = pages.set("/big", b"x" * (limits.max_bytes + 1))
    with pytest.raises(UpstreamTooLarge):
        Fetcher(limits).fetch(url)


def test_a_chunked_body_stops_at_the_limit_while_streaming(
    pages: PageServer, limits: FetchLimits
) -> None:
    """No Content-Length to refuse up front: reading stops once the limit is passed."""
    url = pages.set("/stream", b"y" * (limits.max_bytes * 4), chunked=True)
    with pytest.raises(UpstreamTooLarge, match="sent a body over the capture limit"):
        Fetcher(limits).fetch(url)
    small = pages.set("/small", ENGLISH_HTML.encode(), chunked=True)
    result = Fetcher(limits).fetch(small)
    assert result.content == ENGLISH_HTML.encode()


def test_a_server_that_never_answers_times_out(pages: PageServer, limits: FetchLimits) -> None:
    url = pages.set("/slow", ENGLISH_HTML, delay=5)
    with pytest.raises(FetchTimeout):
        Fetcher(limits).fetch(url)


def test_a_trickling_server_meets_the_deadline(pages: PageServer, limits: FetchLimits) -> None:
    """Each piece comes within the read timeout; the whole fetch still has a deadline."""
    url = pages.set("/trickle", ENGLISH_HTML, trickle=0.4)
    with pytest.raises(FetchTimeout):
        Fetcher(limits).fetch(url)


def test_conditional_requests(pages: PageServer, limits: FetchLimits) -> None:
    url = pages.set("/c", ENGLISH_HTML)
    first = Fetcher(limits).fetch(url)
    etag = first.final.header("etag")
    again = Fetcher(limits).fetch(url, etag=etag, last_modified="Thu, 01 Jan 2026 00:00:00 GMT")
    assert again.final.status == 304
    sent = pages.headers_of("/c")[-1]
    assert sent["If-None-Match"] == etag
    assert sent["If-Modified-Since"] == "Thu, 01 Jan 2026 00:00:00 GMT"


def test_check_url_accepts_public_http_and_https() -> None:
    assert check_url("https://www.gov.cn/zhengce/2020.htm").host == "www.gov.cn"
    assert check_url("http://例子.测试/路径").scheme == "http"


def test_the_checked_address_is_the_one_connected_to(
    pages: PageServer, limits: FetchLimits, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a name that resolves to an allowed address for the check and to a
    private one afterwards gets one lookup per hop, and the connection goes to the address
    checked, with the name kept in the Host header."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            lookups.append(host)
            target = "127.0.0.1" if len(lookups) == 1 else "10.0.0.1"
            return real(target, *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    pages.set("/r", ENGLISH_HTML)
    result = Fetcher(limits).fetch(f"http://rebind.test:{pages.port}/r")
    assert result.final.status == 200
    assert result.final.ip_address == "127.0.0.1"
    assert lookups == ["rebind.test"]
    assert pages.headers_of("/r")[0]["Host"] == f"rebind.test:{pages.port}"
    # Asked again, the name now resolves to a private address: refused, nothing sent.
    with pytest.raises(UrlRefused, match=r"10\.0\.0\.1 is a private address"):
        Fetcher(limits).fetch(f"http://rebind.test:{pages.port}/r")
    assert len(pages.headers_of("/r")) == 1
