"""The page in Chromium: the list's search box, and an article's metadata history.

The real server process on the durable embedded chain (the founding corpus seeded), one
article registered and corrected through its API; the page is then used as a reader
would. Console errors fail the test (see :func:`tests.api.test_page.browsing_on`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.api.test_page import browser, browsing_on, screenshot  # noqa: F401 (fixture)
from tests.api.test_server import start_server, wait_until_anchored
from tests.server import ServerProcess

TEXT = b"Rules on open data.\n\nAgencies publish their datasets within 30 days.\n"


@pytest.fixture(scope="module")
def corrected_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with the corpus and one article whose title was corrected (anchored)."""
    base = tmp_path_factory.mktemp("page-corrections-server")
    data_dir = base / "data"
    server = start_server(data_dir, base / "server.log")
    try:
        token = (data_dir / "api-token").read_text(encoding="ascii").strip()
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, timeout=60, headers=auth) as http:
            registered = http.post(
                "/v1/articles",
                files=[("file", ("open-data.txt", TEXT, "text/plain"))],
                data={"metadata": json.dumps({"title": "Rules on open dta", "language": "en"})},
                params={"wait": 30},
            )
            assert registered.status_code == 201, registered.text
            article_id = hashlib.sha256(TEXT).hexdigest()
            corrected = http.post(
                f"/v1/articles/{article_id}/metadata",
                json={
                    "metadata": {"title": "Rules on open data", "language": "en"},
                    "reason": "typo in the title",
                },
                params={"wait": 30},
            )
            assert corrected.status_code == 201, corrected.text
        wait_until_anchored(server)
        yield server
    finally:
        server.stop()


def test_the_search_box_finds_titles_and_text_and_says_where(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    corrected_server: ServerProcess,
) -> None:
    with browsing_on(browser, corrected_server, articles=6) as browsing:
        page = browsing.page
        rows = page.locator("#articles-body tr")
        search = page.get_by_label("Search")
        expect(search).to_have_accessible_description(
            "Titles and publishers (any case) and text (exactly, 3 characters or more)."
        )
        # Text: the paragraph holding it, the match marked.
        search.fill("within 30 days")
        page.get_by_role("button", name="Filter").click()
        expect(rows).to_have_count(1)
        match = rows.locator(".search-match")
        expect(match.locator(".match-fields")).to_have_text("Matched: text")
        expect(match.locator("mark")).to_have_text("within 30 days")
        expect(match.locator(".match-snippet")).to_contain_text("¶2: Agencies publish")
        # A title, ignoring case; the old title (corrected away) still finds the article.
        search.fill("OPEN DTA")
        page.get_by_role("button", name="Filter").click()
        expect(rows).to_have_count(1)
        expect(rows.locator(".article-title")).to_have_text("Rules on open data")
        expect(rows.locator(".match-fields")).to_have_text("Matched: title")
        # Chinese text of a corpus article, combined with the language filter.
        search.fill("区块链")
        page.get_by_label("Language").fill("zh")
        page.get_by_role("button", name="Filter").click()
        expect(rows).not_to_have_count(0)
        for row in rows.all():
            expect(row.locator(".match-fields")).to_contain_text(re.compile("title|text"))
        screenshot(page.locator("#articles"), "list-search.png")
        # Two characters: titles and publishers only, and the page says so.
        search.fill("区块")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(".search-note")).to_have_text(
            "Searched titles and publishers only: text is searched for 3 characters or more."
        )
        page.get_by_role("button", name="Reset").click()
        expect(rows).to_have_count(6)
        expect(page.locator(".search-match")).to_have_count(0)


def test_an_article_shows_its_metadata_history_and_each_version_s_receipt(
    browser: Browser,  # noqa: F811 (the fixture imported above)
    corrected_server: ServerProcess,
) -> None:
    article_id = hashlib.sha256(TEXT).hexdigest()
    with browsing_on(browser, corrected_server, articles=6) as browsing:
        page = browsing.page
        record = browsing.http.get(f"/v1/articles/{article_id}").json()
        page.goto(f"/articles/{article_id}")
        dialog = page.locator("#article-dialog")
        expect(dialog.locator("#dialog-title")).to_have_text("Rules on open data")
        history = dialog.locator(".metadata-history")
        versions = history.locator(".metadata-version")
        expect(versions).to_have_count(2)
        newest, oldest = versions.nth(0), versions.nth(1)
        expect(newest).to_have_attribute("data-version", "2")
        expect(newest).to_contain_text("Version 2")
        expect(newest).to_contain_text("Current")
        expect(newest.locator(".metadata-change")).to_have_text(
            "Title: Rules on open dta → Rules on open data"
        )
        expect(newest).to_contain_text("Reason: typo in the title")
        anchor = record["metadata_versions"][1]["anchor"]
        expect(newest).to_contain_text(f"anchored in block {anchor['block_number']}")
        expect(oldest).to_contain_text("Version 1 (as registered)")
        screenshot(dialog, "metadata-history.png")
        for version, item in ((1, oldest), (2, newest)):
            with page.expect_download() as download:
                item.get_by_role("link", name=f"Receipt of version {version}").click()
            receipt = json.loads(download.value.path().read_text(encoding="utf-8"))
            served = browsing.http.get(
                f"/v1/articles/{article_id}/receipt", params={"version": version}
            ).json()
            assert receipt == served
            expected = "Rules on open dta" if version == 1 else "Rules on open data"
            assert receipt["document"]["metadata"]["title"] == expected
