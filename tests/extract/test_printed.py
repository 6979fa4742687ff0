"""PDFs that Chromium prints (Skia's PDF writer, embedded subset fonts): another producer
than reportlab, and the one a reader uses for "save as PDF"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Browser, sync_playwright

from registry.core.canonical import split_passage
from registry.extract import extract_pdf
from tests.documents import print_version
from tests.extract.conftest import ARTICLES, Article

# as tests/api/test_page.py launches it (importing that module loads the API's test client)
CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make install` does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def _printed(browser: Browser, article: Article) -> bytes:
    page = browser.new_page()
    try:
        version = print_version(
            article.paragraphs[0], article.paragraphs[1:], lang=article.language
        )
        page.set_content(version.decode("utf-8"))
        return page.pdf(prefer_css_page_size=True)
    finally:
        page.close()


@pytest.mark.parametrize("article", ARTICLES, ids=lambda article: article.name)
def test_a_page_printed_by_chromium_gives_the_articles_paragraphs(
    browser: Browser, article: Article
) -> None:
    data = _printed(browser, article)
    assert b"/FontFile2" in data  # embedded TrueType subsets, as Chromium writes them
    assert split_passage(extract_pdf(data).text) == article.shown
