"""The web page at ``/`` in a real browser: Debian's chromium driven by playwright.

The real server process (``python -m api``, started as in :mod:`tests.api.test_server`)
runs on the durable embedded chain with the founding corpus seeded; the page is
loaded from it and used as a reader would: upload, drop or paste a copy, browse
the articles, download a receipt, re-check a stored copy, check a quote. The
expected values (block, transaction, messages) come from the same server's API.
Every console error or uncaught exception on the page (a Content-Security-Policy
violation is one) fails the test. Screenshots go to ``tests/artifacts/``
(gitignored) for a person to look at.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Locator, Page, expect, sync_playwright

from api.middleware import PAGE_CSP
from registry.core.canonical import canonicalize, formatting_differences
from tests.api.conftest import CORPUS, corpus_bytes
from tests.api.test_server import start_server
from tests.server import ServerProcess

CHROMIUM: Final = Path("/usr/bin/chromium")
# Playwright's own browser download does not work offline; Debian's chromium does.
CHROMIUM_ARGS: Final = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS: Final = Path(__file__).resolve().parents[1] / "artifacts"
# A generous bound on each wait (a busy 2-core machine), not a timing assertion.
WAIT_MS: Final = 60_000
# The reader's time zone differs from UTC so that "local" time is visibly local.
TIMEZONE: Final = "Asia/Shanghai"
CHINESE_TITLE: Final = "为什么说中部地区区块链产业的崛起要看湖南?"


@dataclass
class Browsing:
    """A page loaded from the server, and what went wrong in it (console errors, exceptions)."""

    page: Page
    http: httpx.Client
    problems: list[str] = field(default_factory=list)

    def expect_problem(self, pattern: str) -> None:
        """One logged problem matching ``pattern`` was expected: check it, then forget it."""
        matching = [p for p in self.problems if re.search(pattern, p)]
        assert matching, f"no console problem matches {pattern!r}: {self.problems}"
        self.problems.remove(matching[0])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("page-server")
    started = start_server(base / "data", base / "server.log")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make install` does)")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def browsing_on(browser: Browser, server: ServerProcess, articles: int) -> Iterator[Browsing]:
    """The page loaded from ``server`` (listing ``articles`` articles); no problem logged in it."""
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": 1280, "height": 900},
        locale="en-US",
        timezone_id=TIMEZONE,
        accept_downloads=True,
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        state = Browsing(page, http)
        page.on(
            "console",
            lambda message: (
                state.problems.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda error: state.problems.append(f"page error: {error}"))
        try:
            response = page.goto("/")
            assert response is not None
            assert response.status == 200
            # The page works under the strict policy: no inline script or style, own origin only.
            assert response.headers["content-security-policy"] == PAGE_CSP
            expect(page.locator("html")).to_have_attribute("data-ready", "true")
            expect(page.locator("#articles-body tr")).to_have_count(articles)
            yield state
        finally:
            context.close()
    assert state.problems == []


@pytest.fixture
def browsing(browser: Browser, server: ServerProcess) -> Iterator[Browsing]:
    with browsing_on(browser, server, articles=5) as state:
        yield state


def screenshot(target: Page | Locator, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(ARTIFACTS / name))


def upload(page: Page, name: str, content: bytes) -> None:
    """Choose a file in the page's file input, as a reader does with the file picker."""
    payload = FilePayload(name=name, mimeType="text/plain", buffer=content)
    page.set_input_files("#file-input", files=[payload])


def fact(scope: Locator, term: str) -> Locator:
    """The value (``dd``) of the fact named ``term`` in a definition list under ``scope``."""
    named = scope.locator(".fact").filter(
        has=scope.page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$"))
    )
    return named.locator("dd")


def utc(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def registered_when(anchor: dict[str, Any]) -> str:
    """How the page's headline says when and where an article was anchored."""
    when = utc(anchor["block_timestamp"]).replace("T", " ").replace("Z", " UTC")
    return f"registered on {when} in block {anchor['block_number']}"


def article_json(http: httpx.Client, content: bytes) -> dict[str, Any]:
    response = http.get(f"/v1/articles/{hashlib.sha256(content).hexdigest()}")
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()
    return record


def paragraphs(content: bytes) -> tuple[str, ...]:
    canonical = canonicalize(content)
    assert canonical is not None
    return canonical.paragraphs


def test_an_uploaded_corpus_article_is_authentic_with_its_evidence(browsing: Browsing) -> None:
    page = browsing.page
    content = corpus_bytes("001")
    record = article_json(browsing.http, content)
    anchor = record["anchor"]
    (path,) = sorted(CORPUS.glob("001_*"))

    expect(page.locator("#verify-result")).to_have_attribute("aria-live", "polite")
    page.set_input_files("#file-input", str(path))

    verdict = page.locator("#verify-result .verdict")
    expect(verdict).to_have_attribute("data-kind", "authentic")
    expect(verdict.locator(".verdict-headline")).to_have_text(
        f"Authentic: this is exactly the article {record['metadata']['title']} "
        f"{registered_when(anchor)}."
    )
    expect(verdict.locator(".verdict-source")).to_have_text(f"Checked: {path.name}")
    evidence = verdict.locator(".evidence")
    anchored_at = fact(evidence, "Anchored at")
    expect(anchored_at.locator("time")).to_have_attribute(
        "datetime", utc(anchor["block_timestamp"])
    )
    expect(anchored_at).to_contain_text(utc(anchor["block_timestamp"]))
    expect(anchored_at).to_contain_text("GMT+8")  # the reader's local time, Asia/Shanghai
    expect(fact(evidence, "Block")).to_have_text(str(anchor["block_number"]))
    expect(fact(evidence, "Transaction")).to_have_text(anchor["transaction_hash"])
    expect(fact(evidence, "Registrar")).to_have_text(anchor["registrar"])
    expect(fact(evidence, "Contract")).to_have_text(anchor["contract"])
    expect(fact(evidence, "Chain ID")).to_have_text(str(anchor["chain_id"]))
    expect(fact(evidence, "Batch root")).to_have_text(record["batch_root"])
    expect(fact(evidence, "Status")).to_have_text("Active")
    expect(fact(evidence, "Anchoring")).to_have_text("Anchored")
    expect(fact(evidence, "SHA-256 of your copy")).to_have_text(record["content_digest"])
    expect(page.locator(".change")).to_have_count(0)
    screenshot(page.locator("#verify"), "page-verdict-authentic.png")


def test_an_edited_copy_shows_the_changed_paragraph_beside_the_registered_one(
    browsing: Browsing,
) -> None:
    page = browsing.page
    content = corpus_bytes("000")
    record = article_json(browsing.http, content)
    registered = paragraphs(content)
    (index,) = [i for i, p in enumerate(registered) if p.startswith("Since May, the national")]
    edited_paragraph = registered[index].replace("national", "nationwide", 1)
    assert content.count(registered[index].encode()) == 1
    edited = content.replace(registered[index].encode(), edited_paragraph.encode())

    upload(page, "edited.txt", edited)

    verdict = page.locator("#verify-result .verdict")
    expect(verdict).to_have_attribute("data-kind", "modified")
    similarity = round(100 * 2 * (len(registered) - 1) / (2 * len(registered)))
    expect(verdict.locator(".verdict-headline")).to_have_text(
        f"Modified: 1 paragraph changed, compared with the article {record['metadata']['title']} "
        f"{registered_when(record['anchor'])}. Paragraph similarity: {similarity}%."
    )
    changed = page.locator(".change.changed")
    expect(changed).to_have_count(1)
    expect(page.locator(".change.added, .change.removed")).to_have_count(0)
    number = f"¶ {index + 1}"
    expect(changed.locator(".change-text")).to_have_text(f"Paragraph {index + 1} changed")
    expect(changed.locator(".side.registered .para-num")).to_have_text(number)
    expect(changed.locator(".side.presented .para-num")).to_have_text(number)
    expect(changed.locator(".side.registered .para-text")).to_have_text(registered[index])
    expect(changed.locator(".side.presented .para-text")).to_have_text(edited_paragraph)
    # Only the differing word is marked, on each side.
    expect(changed.locator(".side.registered del.diff-del")).to_have_text(["national"])
    expect(changed.locator(".side.presented ins.diff-ins")).to_have_text(["nationwide"])
    expect(changed.locator(".side.registered ins, .side.presented del")).to_have_count(0)
    expect(fact(verdict.locator(".evidence"), "SHA-256 of your copy")).to_have_text(
        hashlib.sha256(edited).hexdigest()
    )
    unified = verdict.locator(".unified-diff")
    expect(unified.locator("pre")).to_be_hidden()
    unified.locator("summary").click()
    expect(unified.locator("pre")).to_contain_text(f"+{edited_paragraph}")
    unified.locator("summary").click()
    screenshot(page.locator("#verify-result"), "page-verdict-modified.png")


def test_a_dropped_chinese_copy_shows_changed_characters_and_an_added_paragraph(
    browsing: Browsing,
) -> None:
    page = browsing.page
    content = corpus_bytes("004")
    registered = paragraphs(content)
    (index,) = [i for i, p in enumerate(registered) if p.startswith("近年来,湖南大力发展")]
    changed_paragraph = registered[index].replace("大力", "积极", 1)
    added = "这一段是后来加上的,登记的原文里没有。"
    text = content.decode("utf-8").replace(registered[index], f"{changed_paragraph}\n\n{added}", 1)

    # A drop carries a DataTransfer holding the file, as when a file is dragged in.
    transfer = page.evaluate_handle(
        """([name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, { type: "text/plain" }));
            return transfer;
        }""",
        ["修改稿.txt", text],
    )
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})

    verdict = page.locator("#verify-result .verdict")
    expect(verdict).to_have_attribute("data-kind", "modified")
    expect(verdict.locator(".verdict-source")).to_have_text("Checked: 修改稿.txt")
    expect(verdict.locator(".verdict-headline")).to_contain_text(
        f"Modified: 1 paragraph changed, 1 added, compared with the article {CHINESE_TITLE} "
    )
    expect(verdict.locator(".verdict-headline cite")).to_have_attribute("lang", "zh-Hans")
    changed = page.locator(".change.changed")
    expect(changed).to_have_count(1)
    expect(changed.locator(".side.registered .para-num")).to_have_text(f"¶ {index + 1}")
    expect(changed.locator(".side.registered .para-text")).to_have_text(registered[index])
    expect(changed.locator(".side.presented .para-text")).to_have_text(changed_paragraph)
    expect(changed.locator("del.diff-del")).to_have_text(["大力"])
    expect(changed.locator("ins.diff-ins")).to_have_text(["积极"])
    added_change = page.locator(".change.added")
    expect(added_change).to_have_count(1)
    expect(added_change.locator(".change-text")).to_have_text(f"Paragraph {index + 2} added")
    expect(added_change.locator(".side.registered .placeholder")).to_have_text(
        "Not in the registered article"
    )
    expect(added_change.locator(".side.registered .para-text")).to_have_count(0)
    expect(added_change.locator(".side.presented .para-num")).to_have_text(f"¶ {index + 2}")
    expect(added_change.locator(".side.presented .para-text")).to_have_text(added)
    screenshot(page.locator("#verify-result"), "page-verdict-modified-zh.png")


def test_a_pasted_reformatted_copy_is_authentic_up_to_formatting(browsing: Browsing) -> None:
    page = browsing.page
    content = corpus_bytes("002")
    record = article_json(browsing.http, content)
    reformatted = content.decode("utf-8").replace("\n", "\n\n")
    differences = formatting_differences(content, reformatted.encode("utf-8"))
    assert differences == ("blank lines",)

    page.get_by_label("Pasted text").fill(reformatted)
    page.get_by_role("button", name="Verify text").click()

    verdict = page.locator("#verify-result .verdict")
    expect(verdict).to_have_attribute("data-kind", "authentic_normalized")
    untitled = f"Untitled (智能制造网, {record['id'][:12]})"
    expect(verdict.locator(".verdict-headline")).to_have_text(
        f"Authentic up to formatting: the same paragraphs, word for word, as the article "
        f"{untitled} {registered_when(record['anchor'])}; only the layout differs (blank lines)."
    )
    evidence = verdict.locator(".evidence")
    expect(fact(evidence, "SHA-256 of your copy")).to_have_text(
        hashlib.sha256(reformatted.encode("utf-8")).hexdigest()
    )
    expect(fact(evidence, "SHA-256 registered")).to_have_text(record["content_digest"])
    expect(fact(evidence, "Transaction")).to_have_text(record["anchor"]["transaction_hash"])
    screenshot(page.locator("#verify-result"), "page-verdict-normalized.png")


def test_the_article_list_details_receipt_and_stored_copy_check(browsing: Browsing) -> None:
    page = browsing.page
    listed = browsing.http.get("/v1/articles").json()["items"]
    assert len(listed) == 5
    rows = page.locator("#articles-body tr")
    for row, item in zip(rows.all(), listed, strict=True):
        metadata = item["metadata"]
        expect(row).to_have_attribute("data-article-id", item["id"])
        title = metadata.get("title") or f"Untitled ({metadata['publisher']}, {item['id'][:12]})"
        expect(row.locator(".article-title")).to_have_text(title)
        cells = row.locator("td")
        expect(cells.nth(1)).to_have_text(metadata.get("publisher") or "—")
        expect(cells.nth(2)).to_have_text(metadata.get("published") or "—")
        expect(cells.nth(3)).to_have_text(metadata["language"])
        expect(cells.nth(4)).to_have_text("Active")
    expect(page.locator("#articles-count")).to_have_text("5 articles")

    chinese = rows.filter(has_text=CHINESE_TITLE)
    expect(chinese.locator(".article-title")).to_have_attribute("lang", "zh-Hans")
    article_id = chinese.get_attribute("data-article-id")
    assert article_id is not None
    screenshot(page.locator("#articles"), "page-articles.png")

    details = chinese.get_by_role("button", name=f"Details of {CHINESE_TITLE}")
    details.click()
    dialog = page.locator("#article-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#dialog-title .article-title")).to_have_text(CHINESE_TITLE)
    record = browsing.http.get(f"/v1/articles/{article_id}").json()
    expect(fact(dialog, "Content SHA-256")).to_have_text(record["content_digest"])
    expect(fact(dialog, "Paragraph root")).to_have_text(record["paragraph_root"])
    expect(fact(dialog, "Metadata digest")).to_have_text(record["metadata_digest"])
    expect(fact(dialog, "Batch root")).to_have_text(record["batch_root"])
    expect(fact(dialog, "Leaf index")).to_have_text(str(record["leaf_index"]))
    expect(fact(dialog, "Transaction")).to_have_text(record["anchor"]["transaction_hash"])
    expect(fact(dialog, "Publisher")).to_have_text("链得得 (ChainDD)")
    expect(fact(dialog, "Paragraphs")).to_have_text(str(record["paragraph_count"]))

    receipt_link = dialog.get_by_role("link", name="Download receipt")
    expect(receipt_link).to_have_attribute("href", f"/v1/articles/{article_id}/receipt")
    expect(receipt_link).to_have_attribute("download", f"receipt-{article_id[:16]}.json")
    with page.expect_download() as download_info:
        receipt_link.click()
    downloaded = Path(download_info.value.path())
    receipt = browsing.http.get(f"/v1/articles/{article_id}/receipt").json()
    assert json.loads(downloaded.read_text(encoding="utf-8")) == receipt
    assert download_info.value.suggested_filename == f"receipt-{article_id[:16]}.json"

    dialog.get_by_role("button", name="Check stored copy").click()
    check = dialog.locator(".check-result .notice")
    expect(check).to_have_attribute("data-ok", "true")
    expect(check).to_have_text(
        "Stored copy checks out. Its bytes give the registered digests, which prove into a "
        "batch anchored on chain."
    )
    screenshot(page, "page-article-dialog.png")

    # Escape closes the dialog and gives the focus back to the button that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(details).to_be_focused()


def test_every_article_has_a_page_url_with_a_preview_and_its_file_name(
    browser: Browser, server: ServerProcess
) -> None:
    content = corpus_bytes("004")
    article_id = hashlib.sha256(content).hexdigest()
    with browsing_on(browser, server, articles=5) as browsing:
        page = browsing.page
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        record = browsing.http.get(f"/v1/articles/{article_id}").json()
        row = page.locator(f'#articles-body tr[data-article-id="{article_id}"]')
        registered = row.locator("td").nth(5)
        expect(registered).to_have_attribute("data-label", "Registered")
        expect(registered).to_have_text(utc(int(record["registered_at"]))[:10])

        row.get_by_role("button", name=f"Details of {CHINESE_TITLE}").click()
        dialog = page.locator("#article-dialog")
        expect(dialog.locator("#dialog-title")).to_have_text(CHINESE_TITLE)
        expect(page).to_have_url(f"{server.url}/articles/{article_id}")
        link = dialog.get_by_label("Link to this article")
        expect(link).to_have_value(f"{server.url}/articles/{article_id}")
        dialog.get_by_role("button", name="Copy link").click()
        expect(dialog.locator(".copy-note")).to_have_text("Link copied.")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == f"{server.url}/articles/{article_id}"

        # The first paragraphs, as text in the article's language, and where the rest is.
        preview = dialog.locator(".preview")
        expect(preview).to_have_attribute("lang", "zh-Hans")
        expect(preview.locator(".preview-paragraph")).to_have_text(list(paragraphs(content)[:5]))
        expect(preview.locator(".preview-more")).to_have_text(
            f"The first 5 paragraphs of {record['paragraph_count']}; download the stored copy "
            "for the rest."
        )
        # (the corpus's own file names; the next test registers one of its own)
        file_name = fact(dialog, "File name")
        expect(file_name).to_have_text([record["file_name"]] if record.get("file_name") else [])
        screenshot(page, "page-article-url.png")

        # Back closes the view and returns to the page; forward opens it again.
        page.go_back()
        expect(dialog).to_be_hidden()
        expect(page).to_have_url(f"{server.url}/")
        page.go_forward()
        expect(dialog).to_be_visible()
        expect(dialog.locator("#dialog-title")).to_have_text(CHINESE_TITLE)
        # Closing it leaves the article's URL.
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(page).to_have_url(f"{server.url}/")

        # The shared URL opens the article's view on load (the same strict policy).
        response = page.goto(f"/articles/{article_id}")
        assert response is not None
        assert response.status == 200
        assert response.headers["content-security-policy"] == PAGE_CSP
        expect(dialog).to_be_visible()
        expect(dialog.locator("#dialog-title")).to_have_text(CHINESE_TITLE)
        expect(fact(dialog, "Content SHA-256")).to_have_text(record["content_digest"])
        page.keyboard.press("Escape")
        expect(page).to_have_url(f"{server.url}/")

        # A link to an article this registry does not hold: the page says so.
        page.goto(f"/articles/{'0' * 64}")
        expect(dialog.locator("[role=alert]")).to_contain_text("Loading the article failed.")
        browsing.expect_problem(r"status of 404")
        # Not an id at all: no page, the API's 404.
        assert browsing.http.get("/articles/not-an-id").status_code == 404


def test_a_registered_file_name_is_shown_and_binary_files_have_no_text_preview(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("page-file-name-server")
    named_server = start_server(base / "data", base / "server.log")
    try:
        text = "第一段。\n\n<b>第二段</b> 不是标记。\n".encode()
        binary = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
        with httpx.Client(base_url=named_server.url, timeout=60) as http:
            for name, content, media in (
                ("通知 2024.txt", text, "text/plain"),
                ("chart.png", binary, "image/png"),
            ):
                created = http.post(
                    "/v1/articles",
                    files=[("file", (name, content, media))],
                    data={"title": name, "language": "zh-Hans"},
                    headers=named_server.auth(),
                    params={"wait": 30},
                )
                assert created.status_code == 201, created.text
        with browsing_on(browser, named_server, articles=7) as state:
            page = state.page
            dialog = page.locator("#article-dialog")
            page.goto(f"/articles/{hashlib.sha256(text).hexdigest()}")
            expect(fact(dialog, "File name")).to_have_text("通知 2024.txt")
            preview = dialog.locator(".preview-paragraph")
            # Shown as text: the markup in the document is its text, never elements.
            expect(preview).to_have_text(["第一段。", "<b>第二段</b> 不是标记。"])
            expect(dialog.locator(".preview b")).to_have_count(0)
            expect(dialog.locator(".preview-more")).to_have_count(0)
            page.keyboard.press("Escape")

            page.goto(f"/articles/{hashlib.sha256(binary).hexdigest()}")
            expect(fact(dialog, "File name")).to_have_text("chart.png")
            expect(dialog.locator(".preview")).to_have_text(
                "No text preview for this format (image/png)."
            )
    finally:
        named_server.stop()


def test_the_article_list_filters_by_language(browsing: Browsing) -> None:
    page = browsing.page
    language = page.get_by_label("Language")
    expect(language).to_have_accessible_description(
        "A language range: zh lists zh-Hans and zh-Hant."
    )
    rows = page.locator("#articles-body tr")
    # A range: "zh" lists every Chinese article (zh, zh-Hans, ...), "zh-Hans" only its own.
    chinese = [
        item["id"]
        for item in browsing.http.get("/v1/articles").json()["items"]
        if re.match(r"zh(-|$)", item["metadata"].get("language") or "", re.IGNORECASE)
    ]
    assert len(chinese) >= 2
    language.fill("zh")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(len(chinese))
    assert sorted(r.get_attribute("data-article-id") or "" for r in rows.all()) == sorted(chinese)
    language.fill("zh-Hans")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.locator(".article-title")).to_have_text(CHINESE_TITLE)
    expect(page.locator("#articles-count")).to_have_text("1 article")
    page.get_by_label("Status").select_option("revoked")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(0)
    expect(page.locator("#articles-message")).to_have_text("No registered article matches.")
    page.get_by_role("button", name="Reset").click()
    expect(rows).to_have_count(5)


def test_a_quote_is_found_whole_in_part_or_not_at_all(browsing: Browsing) -> None:
    page = browsing.page
    content = corpus_bytes("004")
    record = article_json(browsing.http, content)
    registered = paragraphs(content)
    (index,) = [i for i, p in enumerate(registered) if p.startswith("除了北上广深杭")]
    result = page.locator("#quote-result .verdict")
    hits = result.locator(".quote-hit")

    # Keyboard only: type the passage, Tab to the article choice, Tab to the button, Enter.
    page.get_by_label("Passage").focus()
    page.keyboard.insert_text(registered[index])
    page.keyboard.press("Tab")
    expect(page.get_by_label("In article")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Check quote")).to_be_focused()
    page.keyboard.press("Enter")

    expect(result).to_have_attribute("data-kind", "whole")
    expect(result.locator(".verdict-headline")).to_have_text(
        f"Found: the passage is paragraph {index + 1} of {CHINESE_TITLE}, word for word."
    )
    expect(hits).to_have_count(1)
    expect(hits).to_have_attribute("data-kind", "whole")
    expect(hits.locator(".hit-place")).to_have_text(f"paragraph {index + 1}, whole")
    expect(hits.locator(".badge.status-active")).to_have_text("Active")
    expect(fact(hits, "Transaction")).to_have_text(record["anchor"]["transaction_hash"])
    expect(result.locator(".hits-title")).to_have_text("Where it is (1 place)")
    proof_link = hits.get_by_role("link", name="Download the quote proof")
    expect(proof_link).to_have_attribute(
        "download", f"quote-proof-{record['id'][:12]}-p{index + 1}.json"
    )
    answer = browsing.http.post("/v1/quotes/verify", json={"text": registered[index]}).json()
    with page.expect_download() as download_info:
        proof_link.click()
    downloaded = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert downloaded == answer["hits"][0]["proof"]
    screenshot(page.locator("#quote"), "page-quote.png")

    # Part of a paragraph is found and proven, too: its hit has its own quote proof.
    page.get_by_label("In article").select_option(record["id"])
    page.get_by_label("Passage").fill(registered[index][5:30])
    page.get_by_role("button", name="Check quote").click()
    expect(result).to_have_attribute("data-kind", "partial")
    expect(result.locator(".verdict-headline")).to_have_text(
        f"Found: the passage is in paragraph {index + 1} of {CHINESE_TITLE}, word for word, "
        "from character 6."
    )
    expect(result).not_to_contain_text("only whole paragraphs are proven")
    expect(hits.locator(".hit-place")).to_have_text(f"paragraph {index + 1}, from character 6")
    expect(hits.get_by_role("link", name="Download the quote proof")).to_have_count(1)

    # One figure changed: not found word for word, the closest passage with the diff inline.
    page.get_by_label("In article").select_option("")
    original = registered[index][:40]
    assert re.search(r"[0-9]", original) is None
    misquote = original[:10] + "三十" + original[12:]
    near = browsing.http.post("/v1/quotes/verify", json={"text": misquote}).json()
    assert near["found"] is False
    assert near["near_miss"] is not None
    page.get_by_label("Passage").fill(misquote)
    page.get_by_role("button", name="Check quote").click()
    expect(result).to_have_attribute("data-kind", "near-miss")
    miss = near["near_miss"]
    expect(result.locator(".verdict-headline")).to_have_text(
        f"Not found word for word: closest registered passage: paragraph {miss['paragraph'] + 1} "
        f"of {CHINESE_TITLE}, {round(miss['similarity'] * 100)}% alike."
    )
    struck = [seg["quoted"] for seg in miss["diff"] if seg["op"] in ("replace", "delete")]
    added = [seg["registered"] for seg in miss["diff"] if seg["op"] in ("replace", "insert")]
    assert struck
    assert added
    expect(result.locator(".near-miss-diff del.diff-del")).to_have_text(struck)
    expect(result.locator(".near-miss-diff ins.diff-ins")).to_have_text(added)
    expect(hits).to_have_count(0)
    screenshot(page.locator("#quote"), "page-quote-near-miss.png")

    absent = "A sentence that no registered article contains."
    page.get_by_label("Passage").fill(absent)
    page.get_by_role("button", name="Check quote").click()
    expect(result).to_have_attribute("data-kind", "not-found")
    expect(result.locator(".verdict-headline")).to_have_text(
        "Not found: No registered article holds this passage, nor anything close to it."
    )

    # Too short to search the whole registry: the API's 422 message, inline.
    page.get_by_label("Passage").fill("ab")
    page.get_by_role("button", name="Check quote").click()
    refused = browsing.http.post("/v1/quotes/verify", json={"text": "ab"})
    assert refused.status_code == 422
    notice = page.locator("#quote-result [data-kind=refused]")
    expect(notice).to_have_text(f"Cannot check this passage: {refused.json()['error']['message']}")
    browsing.expect_problem(r"status of 422")


def test_errors_and_untrusted_names_are_shown_as_text(browsing: Browsing) -> None:
    page = browsing.page
    hostile = '<img src="x" id="injected">.txt'

    upload(page, hostile, b"")
    alert = page.locator("#verify-result [role=alert]")
    error = browsing.http.post("/v1/verify", files={"file": ("empty.txt", b"")})
    assert error.status_code == 422
    expect(alert).to_have_text(f"Verification failed. {error.json()['error']['message']}")
    browsing.expect_problem(r"status of 422")

    unknown = b"<b>Not registered</b>\n<script>document.title = 'x'</script>\n"
    upload(page, hostile, unknown)
    verdict = page.locator("#verify-result .verdict")
    expect(verdict).to_have_attribute("data-kind", "unknown")
    expect(verdict.locator(".verdict-source")).to_have_text(f"Checked: {hostile}")
    expect(page.locator("#file-name")).to_have_text(f"{hostile} ({len(unknown)} bytes)")
    expect(page.locator("#injected")).to_have_count(0)
    expect(verdict.locator(".verdict-headline")).to_have_text(
        "Unknown: nothing registered matches this document. It is neither a registered "
        "article, nor the same text laid out differently, nor a modified copy of one."
    )
    expect(fact(verdict, "SHA-256 of your copy")).to_have_text(hashlib.sha256(unknown).hexdigest())
    assert page.title() == "Policy provenance registry"


def test_revoked_and_superseded_articles_say_so(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("page-status-server")
    data_dir = base / "data"
    status_server = start_server(data_dir, base / "server.log")
    try:
        token = (data_dir / "api-token").read_text(encoding="ascii").strip()
        auth = {"Authorization": f"Bearer {token}"}
        draft = b"Interim guidance on data retention.\n\nRecords are kept for two years.\n"
        final = b"Guidance on data retention.\n\nRecords are kept for three years.\n"
        withdrawn = "关于数据留存的通知\n\n记录保存五年。\n".encode()
        metadata = [
            {"title": "Interim guidance on data retention", "language": "en"},
            {"title": "Guidance on data retention", "language": "en"},
            {"title": "关于数据留存的通知", "language": "zh-Hans"},
        ]
        reason = "发布有误 (issued in error)"
        with httpx.Client(base_url=status_server.url, timeout=60, headers=auth) as http:
            registered = http.post(
                "/v1/articles",
                files=[
                    ("file", ("draft.txt", draft, "text/plain")),
                    ("file", ("final.txt", final, "text/plain")),
                    ("file", ("withdrawn.txt", withdrawn, "text/plain")),
                ],
                data={"metadata": json.dumps(metadata)},
                params={"wait": 30},
            )
            assert registered.status_code == 201, registered.text
            draft_id, final_id, withdrawn_id = (
                hashlib.sha256(content).hexdigest() for content in (draft, final, withdrawn)
            )
            superseded = http.post(
                f"/v1/articles/{draft_id}/supersede", json={"newer_id": final_id}
            )
            assert superseded.status_code == 200, superseded.text
            revoked = http.post(f"/v1/articles/{withdrawn_id}/revoke", json={"reason": reason})
            assert revoked.status_code == 200, revoked.text

        with browsing_on(browser, status_server, articles=8) as state:
            page = state.page
            verdict = page.locator("#verify-result .verdict")

            upload(page, "withdrawn.txt", withdrawn)
            expect(verdict).to_have_attribute("data-kind", "authentic")
            expect(verdict).to_have_class(re.compile(r"\btone-bad\b"))
            # The status leads the headline: never "Authentic:" over a revoked article.
            expect(verdict.locator(".verdict-kind")).to_have_text("Revoked:")
            expect(verdict.locator(".verdict-headline")).to_contain_text(
                "Revoked: this is exactly the article 关于数据留存的通知 registered on "
            )
            expect(verdict.locator(".notice-error")).to_have_text(
                f"Revoked. The registrar has revoked this article on chain: {reason}. "
                "Do not rely on it as current."
            )
            expect(fact(verdict, "Status")).to_have_text(f"Revoked Reason: {reason}")
            screenshot(page.locator("#verify-result"), "page-verdict-revoked.png")

            upload(page, "draft.txt", draft)
            expect(verdict.locator(".verdict-headline")).to_contain_text(
                "Superseded: this is exactly the article Interim guidance on data retention "
            )
            expect(verdict).to_have_class(re.compile(r"\btone-warn\b"))
            notice = verdict.locator(".notice-warning")
            expect(notice).to_have_text(
                "Superseded. A newer article replaces this one: Guidance on data retention."
            )
            notice.get_by_role("button", name="Guidance on data retention").click()
            dialog = page.locator("#article-dialog")
            expect(dialog.locator("#dialog-title")).to_have_text("Guidance on data retention")
            expect(fact(dialog, "Supersedes")).to_have_text("Interim guidance on data retention")
            expect(fact(dialog, "Content SHA-256")).to_have_text(final_id)
            expect(page).to_have_url(f"{status_server.url}/articles/{final_id}")
            # A view opened from a view: back returns to the first, closing leaves both.
            fact(dialog, "Supersedes").get_by_role("button").click()
            expect(page).to_have_url(f"{status_server.url}/articles/{draft_id}")
            expect(dialog.locator("#dialog-title")).to_have_text(
                "Interim guidance on data retention"
            )
            page.go_back()
            expect(dialog.locator("#dialog-title")).to_have_text("Guidance on data retention")
            page.go_forward()
            expect(dialog.locator("#dialog-title")).to_have_text(
                "Interim guidance on data retention"
            )
            page.keyboard.press("Escape")
            expect(dialog).to_be_hidden()
            expect(page).to_have_url(f"{status_server.url}/")

            # A sentence in two articles: both places listed, the current (active) one first.
            page.get_by_label("Passage").fill("Records are kept for")
            page.get_by_role("button", name="Check quote").click()
            quote = page.locator("#quote-result .verdict")
            expect(quote).to_have_attribute("data-kind", "several")
            expect(quote.locator(".verdict-headline")).to_have_text(
                "Found: the passage is in 2 places, word for word."
            )
            expect(quote.locator(".hits-title")).to_have_text("Where it is (2 places)")
            hits = quote.locator(".quote-hit")
            expect(hits).to_have_count(2)
            expect(hits.nth(0)).to_have_attribute("data-article-id", final_id)
            expect(hits.nth(0).locator(".hit-head")).to_have_text(
                "Guidance on data retention paragraph 2, from character 1 Active Anchored"
            )
            expect(hits.nth(1)).to_have_attribute("data-article-id", draft_id)
            expect(hits.nth(1).locator(".badge.status-superseded")).to_have_text("Superseded")
            expect(hits.get_by_role("link", name="Download the quote proof")).to_have_count(2)
            screenshot(page.locator("#quote"), "page-quote-several.png")

            page.get_by_label("Status").select_option("revoked")
            page.get_by_role("button", name="Filter").click()
            rows = page.locator("#articles-body tr")
            expect(rows).to_have_count(1)
            expect(rows).to_have_attribute("data-article-id", withdrawn_id)
            expect(rows.locator(".badge")).to_have_text("Revoked")
    finally:
        status_server.stop()


def test_a_queued_article_says_it_waits_for_its_anchor_and_offers_no_receipt_yet(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = tmp_path_factory.mktemp("page-queued-server")
    # The corpus is anchored by the anchorer's first round; the next is an hour away.
    queued_server = start_server(
        base / "data", base / "server.log", env={"POLICY_REGISTRY_BATCH_INTERVAL": "3600"}
    )
    try:
        content = b"Accepted a moment ago.\n\nIts batch is not anchored yet.\n"
        article_id = hashlib.sha256(content).hexdigest()
        with httpx.Client(base_url=queued_server.url, timeout=60) as http:
            accepted = http.post(
                "/v1/articles",
                files=[("file", ("queued.txt", content, "text/plain"))],
                data={"title": "Waiting for its batch", "language": "en"},
                headers=queued_server.auth(),
            )
            assert accepted.status_code == 202, accepted.text
            assert http.get(f"/v1/articles/{article_id}").json()["state"] == "queued"

        with browsing_on(browser, queued_server, articles=6) as state:
            page = state.page
            row = page.locator(f'#articles-body tr[data-article-id="{article_id}"]')
            expect(row.locator("td").nth(4)).to_have_text("Active Queued for anchoring")
            # The corpus's rows say nothing about anchoring: they are anchored.
            expect(page.locator("#articles-body .badge.state-pending")).to_have_count(1)

            upload(page, "queued.txt", content)
            verdict = page.locator("#verify-result .verdict")
            expect(verdict).to_have_attribute("data-kind", "authentic")
            expect(verdict.locator(".verdict-headline")).to_have_text(
                "Authentic: this is exactly the article Waiting for its batch registered here "
                "(its batch is still waiting to be anchored on chain, so there is no block yet)."
            )
            expect(verdict.locator(".notice-info")).to_have_text(
                "Not anchored yet. The registry knows this article, but the chain does not hold "
                "its batch yet; there is no on-chain evidence to check until it is anchored."
            )
            evidence = verdict.locator(".evidence")
            expect(fact(evidence, "Anchoring")).to_have_text("Queued for anchoring")
            expect(fact(evidence, "Transaction")).to_have_count(0)

            row.get_by_role("button", name="Details of Waiting for its batch").click()
            dialog = page.locator("#article-dialog")
            expect(dialog.locator("#dialog-title")).to_have_text("Waiting for its batch")
            expect(fact(dialog, "Anchoring")).to_have_text("Queued for anchoring")
            expect(fact(dialog, "Content SHA-256")).to_have_text(article_id)
            # No batch yet, so no root, no leaf and no receipt (the API answers 409 for it).
            expect(fact(dialog, "Batch root")).to_have_count(0)
            expect(fact(dialog, "Leaf index")).to_have_count(0)
            expect(dialog.get_by_role("link", name="Download receipt")).to_have_count(0)
            expect(dialog.get_by_role("link", name="Download stored copy")).to_have_count(1)
            screenshot(page, "page-article-queued.png")
            page.keyboard.press("Escape")
            expect(dialog).to_be_hidden()
    finally:
        queued_server.stop()
