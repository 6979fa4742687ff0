"""The watcher: re-captures watched pages on schedule and records what each check found.

It runs in ONE process at a time, like the anchorer (never in request handlers): a
background thread started beside the anchorer (``watch_enabled``), doing a round while
it holds the store's ``watcher`` lease. A round takes the watches that are due (most
overdue first, at most :data:`ROUND_LIMIT`), checks them a few at a time
(``concurrency``), and schedules each one's next check ``every`` seconds later with a
jitter of ±10 % (so pages added together do not stay in step and hit one host at once),
never sooner than a ``Retry-After`` the page sent.

A check is polite: a conditional GET (``If-None-Match`` with the last ETag,
``If-Modified-Since`` with the last ``Last-Modified``). What it finds:

- **unchanged**: 304, or 2xx with the same bytes as the last capture. Only a row (one
  per run of unchanged checks: first and last time and a count); nothing is registered
  or anchored, so it proves only this registry's own observation, not a chain fact.
- **captured** / **changed**: new bytes, registered through the normal pipeline with the
  capture in their metadata and the WARC kept; a change is registered as superseding
  the previous capture's article (the anchorer sends the supersession once both are
  anchored), and its paragraph diff is shown in the history.
- **gone**: 404, 410, or a host name that no longer resolves; the last good capture is
  kept and named.
- **failed**: anything else (a timeout, 5xx, a refused redirect); tried again next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Final

from registry.anchorer import holder_name
from registry.capture.captures import Captures, fetch_limits, prepare, submission
from registry.capture.fetch import Fetcher, FetchResult, check_url
from registry.capture.records import Watch, WatchCheck, WatchEventKind, WatchState
from registry.errors import (
    Conflict,
    FetchFailed,
    HostNotFound,
    InputError,
    NotFound,
    RegistryError,
    StoreError,
)
from registry.service import RegistryService
from registry.settings import Settings

logger = logging.getLogger("registry.watcher")

LEASE_NAME: Final = "watcher"
MIN_EVERY: Final = 60
MAX_EVERY: Final = 366 * 86400
ROUND_LIMIT: Final = 1_000
"""Most watches one round checks; the rest are next (most overdue first)."""
JITTER: Final = 0.1
MAX_RETRY_AFTER: Final = 7 * 86400
POLL_SECONDS: Final = 5.0
"""Longest the loop sleeps before looking for due watches again (one may have been added)."""
MAX_DETAIL: Final = 500
_EVERY = re.compile(r"(\d{1,9})\s*([smhdw]?)", re.ASCII)
_UNITS: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
GONE_STATUSES: Final = frozenset({404, 410})


def parse_every(text: str) -> int:
    """``90s``, ``30m``, ``12h``, ``1d``, ``2w`` or plain seconds, as seconds; InputError
    outside 1 minute to a year."""
    match = _EVERY.fullmatch(text.strip().lower()) if len(text) <= 20 else None
    if match is None:
        raise InputError(f"not an interval: {text[:20]!r} (say 30m, 12h, 1d or 1w)")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise InputError("a page is checked at most every minute and at least once a year")
    return seconds


def retry_after(result: FetchResult, now: float) -> float | None:
    """Seconds the page asked us to wait (``Retry-After``: seconds or an HTTP date)."""
    value = result.final.header("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(moment - now, 0.0), MAX_RETRY_AFTER)


@dataclass
class WatchRoundReport:
    leader: bool = True
    """False: another process holds the watcher lease; this round did nothing."""
    checked: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


class Watcher:
    """Watches pages of one registry: the list, and the rounds that check them."""

    def __init__(
        self,
        service: RegistryService,
        fetcher: Fetcher,
        *,
        concurrency: int = 4,
        lease_ttl: float = 120.0,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.service = service
        self.store = service.store
        self.captures = Captures(service, fetcher)
        self.concurrency = concurrency
        self.lease_ttl = lease_ttl
        self.clock = clock
        self.holder = holder_name()
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not a secret)
        self._round_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the list ------------------------------------------------------------------------

    def add(self, url: str, every_seconds: int) -> Watch:
        """Watch ``url`` (checked by the next round, then every ``every_seconds``)."""
        check_url(url)
        if not MIN_EVERY <= every_seconds <= MAX_EVERY:
            raise InputError("a page is checked at most every minute and at least once a year")
        watch = self.store.add_watch(url, every_seconds, next_at=self.clock())
        self._wake.set()
        return watch

    def get(self, watch_id: int) -> Watch:
        watch = self.store.get_watch(watch_id)
        if watch is None:
            raise NotFound(f"no watch {watch_id}")
        return watch

    def find(self, ref: str) -> Watch:
        """A watch by id (digits) or by its exact URL."""
        if ref.isdigit() and len(ref) < 10:
            return self.get(int(ref))
        watch = self.store.watch_by_url(ref)
        if watch is None:
            raise NotFound(f"{ref[:200]} is not watched")
        return watch

    def remove(self, watch_id: int) -> None:
        if not self.store.remove_watch(watch_id):
            raise NotFound(f"no watch {watch_id}")

    # -- the loop ------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="watcher", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join()
        with contextlib.suppress(StoreError):
            self.store.release_lease(LEASE_NAME, self.holder)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_round()
            except Exception:
                logger.exception("a watch round failed; trying again")
            self._wake.wait(self._pause())
            self._wake.clear()

    def _pause(self) -> float:
        """Until the next watch is due, at most POLL_SECONDS (and at least a moment)."""
        try:
            due = self.store.due_watches(self.clock() + POLL_SECONDS, 1)
        except StoreError:
            return POLL_SECONDS
        if not due:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.05, due[0].next_at - self.clock()))

    # -- one round -----------------------------------------------------------------------

    def run_round(self) -> WatchRoundReport:
        """Check every due watch, if this process holds (or can take) the watcher lease."""
        with self._round_lock:
            if not self.store.acquire_lease(LEASE_NAME, self.holder, self.lease_ttl):
                return WatchRoundReport(leader=False)
            due = self.store.due_watches(self.clock(), ROUND_LIMIT)
            report = WatchRoundReport(checked=len(due))
            if not due:
                return report
            with ThreadPoolExecutor(min(self.concurrency, len(due))) as pool:
                for kind in pool.map(self._check_safely, due):
                    if kind is None:
                        report.checked -= 1  # left for the process that holds the lease now
                    else:
                        report.outcomes[kind.value] += 1
            return report

    def _check_safely(self, watch: Watch) -> WatchEventKind | None:
        """Check one watch, renewing the lease first: a round of slow pages may outlast
        ``lease_ttl``, and a page is never checked by two processes at once. None: the
        lease was lost (this process paused too long), the watch is left alone."""
        try:
            if not self.store.acquire_lease(LEASE_NAME, self.holder, self.lease_ttl):
                return None
            return self.check(watch)
        except Exception:
            logger.exception("checking watch %d failed", watch.id)
            return WatchEventKind.FAILED

    def _next_at(self, watch: Watch, now: float, wait: float | None = None) -> float:
        jitter = watch.every_seconds * JITTER * (2 * self._rng.random() - 1)
        planned = now + watch.every_seconds + jitter
        return max(planned, now + wait) if wait is not None else planned

    def check(self, watch: Watch) -> WatchEventKind:
        """Check one watch now and record what it found; the kind of event recorded."""
        now = self.clock()
        previous = (
            self.store.get_capture(watch.last_capture_id)
            if watch.last_capture_id is not None
            else None
        )

        def record(
            kind: WatchEventKind,
            *,
            state: WatchState = watch.state,
            etag: str | None = watch.etag,
            last_modified: str | None = watch.last_modified,
            capture_id: int | None = None,
            digest: bytes | None = None,
            detail: str = "",
            wait: float | None = None,
        ) -> WatchEventKind:
            last = capture_id if capture_id is not None else watch.last_capture_id
            self.store.record_watch_check(
                watch.id,
                WatchCheck(
                    next_at=self._next_at(watch, now, wait),
                    checked_at=now,
                    state=state,
                    etag=etag,
                    last_modified=last_modified,
                    last_capture_id=last,
                ),
                kind,
                capture_id=capture_id,
                content_digest=digest,
                detail=detail[:MAX_DETAIL],
            )
            return kind

        # A page gone is recorded with its last good capture (kept, and named by the event).
        last_good = previous.content_digest if previous is not None else None
        try:
            result = self.captures.fetcher.fetch(
                watch.url, etag=watch.etag, last_modified=watch.last_modified
            )
        except HostNotFound as exc:
            return record(
                WatchEventKind.GONE,
                state=WatchState.GONE,
                capture_id=watch.last_capture_id,
                digest=last_good,
                detail=str(exc),
            )
        except (FetchFailed, InputError) as exc:
            return record(WatchEventKind.FAILED, detail=f"{exc.code}: {exc}")
        final = result.final
        etag = final.header("etag") or None
        modified = final.header("last-modified") or None
        if final.status == 304 and previous is not None:
            return record(
                WatchEventKind.UNCHANGED,
                state=WatchState.ACTIVE,
                etag=etag or watch.etag,
                last_modified=modified or watch.last_modified,
                digest=previous.content_digest,
                detail="304 Not Modified",
            )
        if final.status in GONE_STATUSES:
            return record(
                WatchEventKind.GONE,
                state=WatchState.GONE,
                etag=None,
                last_modified=None,
                capture_id=watch.last_capture_id,
                digest=last_good,
                detail=f"{final.status} {final.reason}".strip(),
            )
        if not 200 <= final.status < 300:
            return record(
                WatchEventKind.FAILED,
                detail=f"{final.status} {final.reason}".strip(),
                wait=retry_after(result, now),
            )
        try:
            fetched = prepare(result)
        except FetchFailed as exc:
            return record(WatchEventKind.FAILED, detail=str(exc))
        digest = hashlib.sha256(fetched.content).digest()
        if previous is not None and digest == previous.content_digest:
            return record(
                WatchEventKind.UNCHANGED,
                state=WatchState.ACTIVE,
                etag=etag,
                last_modified=modified,
                digest=digest,
                detail="same bytes",
            )
        detail = ""
        older = previous.content_digest.hex() if previous is not None else None
        try:
            self.service.register([submission(fetched, supersedes=older)])
        except Conflict as exc:
            # The earlier version cannot be superseded (already superseded or revoked, or
            # this is an earlier version coming back): registered without the link.
            self.service.register([submission(fetched)])
            detail = f"not recorded as superseding the previous version: {exc}"
        except RegistryError as exc:
            return record(WatchEventKind.FAILED, detail=f"{exc.code}: {exc}")
        stored = self.captures.store(fetched, digest, watch_id=watch.id)
        kind = WatchEventKind.CAPTURED if previous is None else WatchEventKind.CHANGED
        return record(
            kind,
            state=WatchState.ACTIVE,
            etag=etag,
            last_modified=modified,
            capture_id=stored.id,
            digest=digest,
            detail=detail,
        )


def watcher_for(service: RegistryService, settings: Settings) -> Watcher:
    """The deployment's watcher (not started)."""
    return Watcher(service, Fetcher(fetch_limits(settings)), concurrency=settings.watch_concurrency)
