"""The readable paragraphs of an HTML page's main content, with trafilatura.

Chosen by trying the candidates of issue 14 on real-shaped English and Chinese pages
(``tests/documents.py``: menus, scripts, comments, sidebars, readers' comments and
footers around the article):

- **trafilatura** found the article body on every page, Chinese included, and left out
  navigation, scripts, styles, comments, sidebar, readers' comments and footer; it is
  maintained and the best-scored open extractor in published main-content benchmarks.
  Its plain-text output prefixes list items with ``- `` and leaves out the headline, so
  this module serializes trafilatura's extracted tree itself (one line per paragraph,
  heading, list item, quote or table cell; inline markup kept in its line) and adds the
  page's ``<h1>`` headline.
- **readability-lxml** dropped the headline and short paragraphs ("Next: No more",
  "Value support", "作者文库"): its scoring removes short blocks, which policy articles
  have (dates, section titles, captions).
- **selectolax** is a fast parser, not an extractor: the main-content rules would have
  been ours to write and maintain.

The output is deterministic (no deduplication cache, no date or language guessing).
"""

from __future__ import annotations

import copy
from configparser import ConfigParser
from typing import Final

from lxml import etree
from lxml import html as lxml_html

from registry.errors import ExtractionFailed
from registry.extract.model import Extraction, library_version
from registry.extract.paragraphs import TextBuilder, squeeze_whitespace

MAX_HTML_CHARS: Final = 10_000_000
"""Largest decoded page handled: ten times a long article page with its markup."""

MAX_HTML_ELEMENTS: Final = 200_000
"""Most elements a page may have; a real page has a few thousand."""

MAX_HTML_DEPTH: Final = 256
"""Deepest element nesting kept (libxml2's own limit for HTML without ``huge_tree``)."""

# Elements of trafilatura's output that are blocks (their own line) rather than inline.
_BLOCKS: Final = frozenset(
    {"p", "head", "list", "item", "quote", "table", "row", "cell", "code", "div", "section",
     "fw", "graphic", "label", "lb", "note", "ab", "cit"}
)  # fmt: skip
# Where a headline is not the article's: page chrome.
_CHROME: Final = frozenset({"nav", "header", "footer", "aside"})


def _config() -> ConfigParser:
    """trafilatura's settings for short documents too: no minimum size before fallbacks."""
    from trafilatura.settings import DEFAULT_CONFIG

    config = copy.deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = "1"
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = "1"
    config["DEFAULT"]["EXTRACTION_TIMEOUT"] = "0"
    config["DEFAULT"]["MAX_FILE_SIZE"] = str(MAX_HTML_CHARS * 4)
    config["DEFAULT"]["MAX_TREE_SIZE"] = str(MAX_HTML_ELEMENTS)
    return config


def _parse(page: str) -> lxml_html.HtmlElement:
    try:
        tree = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionFailed(f"the page cannot be parsed as HTML: {exc}") from exc
    for count, _ in enumerate(tree.iter(), start=1):
        if count > MAX_HTML_ELEMENTS:
            raise ExtractionFailed(f"the page has more than {MAX_HTML_ELEMENTS:,} elements")
    return tree


def _headline(tree: lxml_html.HtmlElement) -> str:
    """The text of the page's first ``<h1>`` outside menus, headers, footers and sidebars."""
    for heading in tree.iter("h1"):
        if any(ancestor.tag in _CHROME for ancestor in heading.iterancestors()):
            continue
        text = squeeze_whitespace(heading.text_content())
        if text:
            return text
    return ""


def _lines(body: etree._Element) -> list[str]:
    """trafilatura's extracted tree as lines: blocks apart, inline markup within."""
    lines: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            lines.append("".join(current))
            current.clear()

    for event, element in etree.iterwalk(body, events=("start", "end")):
        block = element.tag in _BLOCKS
        if event == "start":
            if block:
                close()
            if element.text:
                current.append(element.text)
        else:
            if block:
                close()
            if element.tail and element is not body:
                current.append(element.tail)
    close()
    return lines


def extract_html(html: str) -> Extraction:
    """The readable paragraphs of a decoded page's main content, headline first.

    Raises :class:`ExtractionFailed` for a page over the bounds, one that cannot be
    parsed, or one with no readable text.
    """
    import trafilatura

    if len(html) > MAX_HTML_CHARS:
        raise ExtractionFailed(f"the page is longer than {MAX_HTML_CHARS:,} characters")
    if "\x00" in html:
        # libxml2 stops at a NUL; a page with one is not text
        html = html.replace("\x00", "\ufffd")
    tree = _parse(html)
    headline = _headline(tree)
    try:
        document = trafilatura.bare_extraction(
            tree,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_formatting=False,
            include_links=False,
            deduplicate=False,
            with_metadata=False,
            config=_config(),
        )
    except RecursionError as exc:
        raise ExtractionFailed("the page is nested too deeply") from exc
    except Exception as exc:  # a third-party parser on untrusted input may raise anything
        raise ExtractionFailed(f"the page's text cannot be extracted: {exc}") from exc
    body = getattr(document, "body", None)  # a Document (as_dict=False), or None: no content
    lines = [] if body is None else _lines(body)
    if headline and (not lines or squeeze_whitespace(lines[0]) != headline):
        lines.insert(0, headline)
    builder = TextBuilder()
    builder.extend(lines)
    if not builder.text:
        raise ExtractionFailed("the page has no readable text")
    return Extraction(
        text=builder.text, extractor="trafilatura", version=library_version("trafilatura")
    )
