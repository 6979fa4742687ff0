"""Watch rounds on a real registry (eth-tester chain, SQLite and memory stores) against a
real loopback page server whose pages change. The watcher's clock is the test's: a
round is run at chosen instants, not waited for."""

from __future__ import annotations

import hashlib
import random

import pytest

from registry.capture.fetch import Fetcher, FetchLimits
from registry.capture.records import WatchEventKind, WatchState
from registry.capture.watcher import JITTER, Watcher, parse_every
from registry.errors import Conflict, InputError, NotFound
from registry.service import RegistryService
from tests.capture.pages import CHINESE_TEXT, ENGLISH_HTML, PageServer

DAY = 86400


class Clock:
    def __init__(self) -> None:
        self.now = 1_900_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def watcher(service: RegistryService, limits: FetchLimits, clock: Clock) -> Watcher:
    return Watcher(service, Fetcher(limits), concurrency=2, clock=clock, rng=random.Random(7))


def _settle(service: RegistryService) -> None:
    """Anchor what is queued and send the status changes asked for (a few rounds)."""
    for _ in range(4):
        service.anchor_round()


def _kinds(watcher: Watcher, watch_id: int) -> list[tuple[WatchEventKind, int]]:
    return [(e.kind, e.count) for e in watcher.store.watch_events(watch_id, 50)]


def test_a_page_is_captured_then_seen_unchanged_then_changed(
    watcher: Watcher, pages: PageServer, service: RegistryService, clock: Clock
) -> None:
    url = pages.set("/plan", ENGLISH_HTML)
    watch = watcher.add(url, DAY)
    report = watcher.run_round()
    assert (report.checked, dict(report.outcomes)) == (1, {"captured": 1})
    first = hashlib.sha256(ENGLISH_HTML.encode()).digest()
    assert service.store.get_document(first) is not None
    # Nothing is due again before its interval (less the jitter).
    clock.now += DAY * (1 - JITTER) - 1
    assert watcher.run_round().checked == 0

    # A conditional request: 304, recorded as unchanged, nothing registered.
    clock.now += DAY * 2 * JITTER + 2
    assert dict(watcher.run_round().outcomes) == {"unchanged": 1}
    sent = pages.headers_of("/plan")[-1]
    assert sent["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in sent
    # A server that ignores conditional requests, same bytes: unchanged again, same row.
    pages.set("/plan", ENGLISH_HTML, conditional=False)
    clock.now += DAY * 2
    assert dict(watcher.run_round().outcomes) == {"unchanged": 1}
    assert _kinds(watcher, watch.id) == [
        (WatchEventKind.UNCHANGED, 2),
        (WatchEventKind.CAPTURED, 1),
    ]
    assert service.count() == 1

    # A silent edit: registered as a new version that supersedes the first.
    edited = ENGLISH_HTML.replace("3 to 5", "30 to 50")
    pages.set("/plan", edited)
    clock.now += DAY * 2
    assert dict(watcher.run_round().outcomes) == {"changed": 1}
    second = hashlib.sha256(edited.encode()).digest()
    _settle(service)
    old = service.article(first.hex())
    assert old.status == "superseded"
    assert old.superseded_by == second.hex()
    new = service.article(second.hex())
    assert new.metadata.source_url == url
    events = watcher.store.watch_events(watch.id, 50)
    assert events[0].kind is WatchEventKind.CHANGED
    assert events[0].content_digest == second
    assert events[0].capture_id is not None
    capture = service.store.get_capture(events[0].capture_id)
    assert capture is not None
    assert capture.watch_id == watch.id
    current = watcher.get(watch.id)
    assert current.last_capture_id == capture.id


def test_a_page_that_disappears_keeps_its_last_good_capture(
    watcher: Watcher, pages: PageServer, clock: Clock
) -> None:
    url = pages.set("/gone", CHINESE_TEXT, headers={"Content-Type": "text/plain; charset=utf-8"})
    watch = watcher.add(url, 3600)
    watcher.run_round()
    captured = watcher.get(watch.id).last_capture_id
    assert captured is not None
    del pages.pages["/gone"]
    clock.now += 7200
    assert dict(watcher.run_round().outcomes) == {"gone": 1}
    now = watcher.get(watch.id)
    assert now.state is WatchState.GONE
    assert now.last_capture_id == captured
    [gone, first] = watcher.store.watch_events(watch.id, 10)
    assert gone.kind is WatchEventKind.GONE
    assert gone.detail == "404 Not Found"
    assert gone.capture_id == captured  # recorded with its last good capture
    assert gone.content_digest == first.content_digest
    # It comes back as it was: active again, unchanged.
    pages.set("/gone", CHINESE_TEXT, headers={"Content-Type": "text/plain; charset=utf-8"})
    clock.now += 7200
    assert dict(watcher.run_round().outcomes) == {"unchanged": 1}
    assert watcher.get(watch.id).state is WatchState.ACTIVE


def test_410_and_an_unresolvable_name_are_gone(
    watcher: Watcher, pages: PageServer, clock: Clock
) -> None:
    pages.set("/withdrawn", b"", status=410)
    watcher.add(pages.url("/withdrawn"), 3600)
    watcher.add("http://no-such-host.invalid/page", 3600)
    assert dict(watcher.run_round().outcomes) == {"gone": 2}
    details = sorted(e.detail for e in watcher.store.watch_events(None, 10))
    assert details[0] == "410 Gone"
    assert "does not resolve" in details[1]


def test_retry_after_is_honoured(watcher: Watcher, pages: PageServer, clock: Clock) -> None:
    url = pages.set("/busy", b"busy", status=503, headers={"Retry-After": str(5 * DAY)})
    watch = watcher.add(url, 3600)
    assert dict(watcher.run_round().outcomes) == {"failed": 1}
    assert watcher.get(watch.id).next_at >= clock.now + 5 * DAY
    [event] = watcher.store.watch_events(watch.id, 10)
    assert event.detail == "503 Service Unavailable"


def test_a_redirect_to_a_private_address_fails_the_check(
    watcher: Watcher, pages: PageServer, service: RegistryService
) -> None:
    url = pages.redirect("/jump", "http://169.254.169.254/latest/meta-data/")
    watch = watcher.add(url, 3600)
    assert dict(watcher.run_round().outcomes) == {"failed": 1}
    [event] = watcher.store.watch_events(watch.id, 10)
    assert event.detail.startswith("url_refused: ")
    assert service.count() == 0


def test_one_watcher_at_a_time(
    watcher: Watcher, service: RegistryService, limits: FetchLimits, pages: PageServer
) -> None:
    other = Watcher(service, Fetcher(limits))
    watcher.add(pages.set("/p", ENGLISH_HTML), 3600)
    assert watcher.run_round().leader
    assert not other.run_round().leader
    watcher.stop()  # hands the lease back
    assert other.run_round().leader


def test_the_list(watcher: Watcher) -> None:
    watch = watcher.add("https://www.gov.cn/zhengce/a.htm", parse_every("1d"))
    with pytest.raises(Conflict, match="watched already"):
        watcher.add("https://www.gov.cn/zhengce/a.htm", 3600)
    with pytest.raises(InputError):
        watcher.add("http://x.example/", 59)
    with pytest.raises(InputError):
        watcher.add("ftp://x.example/", 3600)
    assert watcher.find(str(watch.id)) == watch
    assert watcher.find("https://www.gov.cn/zhengce/a.htm") == watch
    watcher.remove(watch.id)
    with pytest.raises(NotFound):
        watcher.remove(watch.id)
    with pytest.raises(NotFound):
        watcher.find("https://www.gov.cn/zhengce/a.htm")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1d", DAY), ("12h", 43200), ("30m", 1800), ("90s", 90), ("600", 600), ("2w", 14 * DAY)],
)
def test_parse_every(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "1x", "0d", "59s", "2y", "-1d", "1" * 30, "1.5d"])
def test_parse_every_refuses(text: str) -> None:
    with pytest.raises(InputError):
        parse_every(text)
