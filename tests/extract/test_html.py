"""extract_html on real-shaped pages: the article's paragraphs exactly, nothing around them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.core.canonical import split_passage
from registry.extract import (
    MAX_HTML_CHARS,
    ExtractionFailed,
    extract_html,
    html_declared_charset,
    squeeze_whitespace,
)
from registry.extract.html_text import MAX_HTML_DEPTH, MAX_HTML_ELEMENTS
from tests.documents import html_page
from tests.extract.conftest import ARTICLES, CHINESE, ENGLISH, Article


def _page(article: Article, encoding: str = "utf-8", *, semantic: bool = True) -> str:
    """The article as a page, headline first, decoded as the intake would."""
    data = html_page(
        article.paragraphs[0],
        article.paragraphs[1:],
        lang=article.language,
        encoding=encoding,
        semantic=semantic,
    )
    assert html_declared_charset(data) == encoding
    return data.decode(encoding)


def test_the_corpus_has_english_and_chinese_articles() -> None:
    assert len(ENGLISH) >= 2
    assert len(CHINESE) >= 2


@pytest.mark.parametrize("article", [ENGLISH[0], CHINESE[1]], ids=lambda article: article.name)
def test_the_pages_are_real_shaped(article: Article) -> None:
    page = _page(article)
    assert page.startswith("<!DOCTYPE html>")
    for part in ("<nav", "<header", "<footer", "<aside", "<script", "<style", "<!--"):
        assert part in page
    # the article itself: headings, list items, quotations and inline markup
    for part in ("<h1", "<h2>", "<li>", "<blockquote>", "<p>"):
        assert part in page
    assert any(tag in page for tag in ('<a href="/tag/', "<strong>", "<em>", "<b>"))


@pytest.mark.parametrize("semantic", [True, False], ids=["html5", "old-layout"])
@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("article", ARTICLES, ids=lambda article: article.name)
def test_a_page_gives_exactly_the_articles_paragraphs(
    article: Article, encoding: str, semantic: bool
) -> None:
    page = _page(article, encoding, semantic=semantic)
    assert ("<article" in page) is semantic
    extraction = extract_html(page)
    assert split_passage(extraction.text) == article.shown
    assert extraction.extractor == "trafilatura"
    assert extraction.version[0].isdigit()


@pytest.mark.parametrize("semantic", [True, False], ids=["html5", "old-layout"])
@pytest.mark.parametrize("article", ARTICLES, ids=lambda article: article.name)
def test_nothing_around_the_article_is_extracted(article: Article, semantic: bool) -> None:
    text = extract_html(_page(article, semantic=semantic)).text
    around = [
        # navigation, header, search, breadcrumbs, share bar
        "About us" if not article.chinese else "关于我们",
        "Policy Watch" if not article.chinese else "政策观察网",
        # scripts, styles and comments of the page's source
        "dataLayer",
        "not part of the article",
        "font-family",
        "narrow column",
        "article body start",
        # cookie banner, readers' comments, sidebar, footer
        "cookies" if not article.chinese else "Cookie",
        "reader_2020",
        "thanks for sharing" if not article.chinese else "感谢分享",
        "Related articles" if not article.chinese else "相关阅读",
        "Shenzhen publishes" if not article.chinese else "深圳发布",
        "Copyright" if not article.chinese else "版权所有",
    ]
    article_text = "\n".join(article.paragraphs)
    checked = [boilerplate for boilerplate in around if boilerplate not in article_text]
    assert len(checked) >= len(around) - 2
    for boilerplate in checked:
        assert boilerplate not in text


def test_inline_markup_does_not_split_a_paragraph() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>t</title></head><body><nav><a href='/'>Home</a></nav>"
        "<article><h1>Headline</h1><p>The <b>province</b> will build <a href='/x'>ten</a>"
        " platforms by <em>2022</em>, <span>with</span> <i>30,000</i> firms <code>on</code>"
        " chain.</p><p>区块链<b>产业</b>园<a href='/y'>建成</a>五个。</p>"
        "<ul><li>First <strong>point</strong></li><li>Second point</li></ul>"
        "<h2>Section</h2><p>Line one<br>line two</p></article></body></html>"
    )
    assert extract_html(page).text.split("\n") == [
        "Headline",
        "The province will build ten platforms by 2022, with 30,000 firms on chain.",
        "区块链产业园建成五个。",
        "First point",
        "Second point",
        "Section",
        "Line one",
        "line two",
    ]


def test_white_space_is_squeezed_as_a_browser_shows_it() -> None:
    page = (
        "<html><body><article><p>\n   Indented\tsource   text\u00a0\u00a0with  runs\n</p>"
        "<p>\u3000\u3000全角空格开头的段落。</p></article></body></html>"
    )
    assert extract_html(page).text == "Indented source text with runs\n全角空格开头的段落。"
    assert squeeze_whitespace("\u00a0 a \u2003 b\u3000") == "a b"


@pytest.mark.parametrize("wrapper", ["article", "div"])
def test_what_a_reader_does_not_see_is_left_out(wrapper: str) -> None:
    page = (
        f"<html><body><{wrapper}><h1>Title</h1><p>Visible paragraph one, long enough.</p>"
        "<p hidden>Hidden by attribute.</p><p style='display:none'>Hidden by style.</p>"
        "<p aria-hidden='true'>Hidden from readers.</p><noscript><p>Enable JS.</p></noscript>"
        f"<template><p>Template text.</p></template><p>Visible two.</p></{wrapper}>"
        "</body></html>"
    )
    assert extract_html(page).text.split("\n") == [
        "Title",
        "Visible paragraph one, long enough.",
        "Visible two.",
    ]


def test_the_same_page_gives_the_same_text() -> None:
    page = _page(CHINESE[0])
    assert extract_html(page) == extract_html(page)


def test_a_short_article_wins_over_longer_readers_comments_in_an_old_layout() -> None:
    paragraphs = ["A first paragraph of reasonable length here.", "Second one."]
    page = html_page("Notice", paragraphs, semantic=False).decode()
    assert extract_html(page).text.split("\n") == ["Notice", *paragraphs]


def test_without_a_headline_the_densest_text_is_the_article() -> None:
    page = (
        "<html><body><div class='a'><a href='/'>Home</a> <a href='/b'>News</a></div>"
        "<div class='b'><p>Short aside.</p></div>"
        "<div class='c'><p>The first paragraph of the notice, long enough to count.</p>"
        "<p>The second paragraph of the notice, long as well, with a comma.</p></div>"
        "<div class='d'><p>© 2020 Office</p></div></body></html>"
    )
    assert extract_html(page).text.split("\n") == [
        "The first paragraph of the notice, long enough to count.",
        "The second paragraph of the notice, long as well, with a comma.",
    ]


def test_a_short_page_keeps_its_one_paragraph() -> None:
    assert extract_html("<html><body><p>One short paragraph.</p></body></html>").text == (
        "One short paragraph."
    )


@pytest.mark.parametrize(
    "page",
    [
        "",
        "<html><body><script>var a = 1;</script><style>p {}</style></body></html>",
        "<html><body><!-- only a comment --></body></html>",
    ],
)
def test_a_page_without_readable_text_fails_clearly(page: str) -> None:
    with pytest.raises(ExtractionFailed):
        extract_html(page)


def test_bounds_size() -> None:
    with pytest.raises(ExtractionFailed, match="longer than"):
        extract_html("<p>" + "x" * MAX_HTML_CHARS + "</p>")


def test_bounds_element_count() -> None:
    with pytest.raises(ExtractionFailed, match="elements"):
        extract_html("<html><body>" + "<p>x</p>" * (MAX_HTML_ELEMENTS + 1) + "</body></html>")


@pytest.mark.parametrize("tag", ["div", "b", "ul><li"])
def test_bounds_nesting(tag: str) -> None:
    closing = "</" + tag.split("><")[-1] + ">"
    page = "<html><body>" + f"<{tag}>" * 100_000 + "deep" + closing * 100_000 + "</body></html>"
    with pytest.raises(ExtractionFailed, match="deeper than"):
        extract_html(page)


def test_a_text_run_the_parser_cannot_hold_fails_clearly() -> None:
    # within the character bound, but over libxml2's 10 MB for one text node in UTF-8
    with pytest.raises(ExtractionFailed, match="run of text"):
        extract_html("<p>" + "\U0001f600" * (MAX_HTML_CHARS - 10) + "</p>")


def test_nesting_within_the_bound_is_read() -> None:
    depth = MAX_HTML_DEPTH - 10
    page = "<html><body>" + "<div>" * depth + "<p>Deep text.</p>" + "</div>" * depth
    assert extract_html(page + "</body></html>").text == "Deep text."


def test_a_nul_character_does_not_cut_the_page() -> None:
    assert extract_html("<html><body><p>before\x00after</p></body></html>").text == (
        "before\ufffdafter"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_any_text_gives_text_or_a_clear_failure(page: str) -> None:
    try:
        extraction = extract_html(page)
    except ExtractionFailed:
        return
    assert extraction.text
    assert all(line == squeeze_whitespace(line) and line for line in extraction.text.split("\n"))


_TAGS = st.sampled_from(
    ["<p>", "</p>", "<div>", "</div>", "<b>", "</b>", "<article>", "<nav>", "<script>",
     "</script>", "<!--", "-->", "<br>", "<li>", "<h1>", "</h1>", "<table><tr><td>", "&amp;",
     "&#0;", "&#x110000;", "<![CDATA[", "<?xml ?>", "<svg>", "<math>", "<template>"]
)  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_TAGS, st.text(max_size=40)), max_size=200))
def test_markup_soup_gives_text_or_a_clear_failure(pieces: list[str]) -> None:
    try:
        text = extract_html("".join(pieces)).text
    except ExtractionFailed:
        return
    assert all(line == squeeze_whitespace(line) and line for line in text.split("\n"))


@pytest.mark.parametrize("cut", [0.1, 0.33, 0.5, 0.9])
def test_a_truncated_page_gives_text_or_a_clear_failure(cut: float) -> None:
    page = _page(ENGLISH[0])
    try:
        text = extract_html(page[: int(len(page) * cut)]).text
    except ExtractionFailed:
        return
    assert "dataLayer" not in text
