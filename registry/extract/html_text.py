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

A page without semantic markup (no ``<article>``, ``<main>``, ``role="main"``) first
gets its densest container of text marked as the article (:func:`_mark_main_content`),
without which trafilatura kept banners and readers' comments and dropped subheadings.

The output is deterministic (no deduplication cache, no date or language guessing).
Left as they are: each table cell is a line of its own, and the line breaks inside a
``<pre>`` become spaces (trafilatura hands it over like a quotation).
"""

from __future__ import annotations

import copy
import functools
import re
from configparser import ConfigParser
from typing import Final

from lxml import etree
from lxml import html as lxml_html

from registry.errors import ExtractionFailed
from registry.extract.model import Extraction, library_version
from registry.extract.paragraphs import TextBuilder, squeeze_whitespace

MAX_HTML_CHARS: Final = 3_000_000
"""Largest decoded page handled: thirty times a long article page with its markup. It
keeps the worst case near three seconds of trafilatura and under libxml2's 10 MB limit
on one text node."""

MAX_HTML_ELEMENTS: Final = 200_000
"""Most elements a page may have; a real page has a few thousand."""

MAX_HTML_DEPTH: Final = 256
"""Deepest element nesting: libxml2's own limit for HTML (without ``huge_tree``), past
which it drops the rest of the page; such a page is refused rather than cut short."""

# Characters XML 1.0 does not allow (C0 controls but tab and line breaks, surrogates,
# U+FFFE and U+FFFF): shown by no browser, refused by lxml; each becomes U+FFFD.
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Elements of trafilatura's output that are blocks (their own line) rather than inline.
_BLOCKS: Final = frozenset(
    {"p", "head", "list", "item", "quote", "table", "row", "cell", "code", "div", "section",
     "fw", "graphic", "label", "lb", "note", "ab", "cit"}
)  # fmt: skip
_INLINE_CODE_PARENTS: Final = frozenset({"p", "head", "item", "cell", "hi", "ref"})
# Where a headline is not the article's: page chrome.
_CHROME: Final = frozenset({"nav", "header", "footer", "aside"})


@functools.cache
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
    parser = lxml_html.HTMLParser()
    try:
        tree = lxml_html.document_fromstring(page, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionFailed(f"the page cannot be parsed as HTML: {exc}") from exc
    for error in parser.error_log:
        # libxml2 stopped building the tree there: the rest of the page is lost
        if error.type_name == "ERR_RESOURCE_LIMIT" and "depth" in error.message:
            raise ExtractionFailed(f"the page nests elements deeper than {MAX_HTML_DEPTH}")
        if error.type_name == "ERR_RESOURCE_LIMIT":
            raise ExtractionFailed("the page has a run of text longer than the parser allows")
    count = depth = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        if event == "end":
            depth -= 1
            continue
        count += 1
        depth += 1
        if count > MAX_HTML_ELEMENTS:
            raise ExtractionFailed(f"the page has more than {MAX_HTML_ELEMENTS:,} elements")
        if depth >= MAX_HTML_DEPTH - 1:
            # libxml2 stops building the tree there and the rest of the page is lost
            raise ExtractionFailed(f"the page nests elements deeper than {MAX_HTML_DEPTH}")
    return tree


def _headline(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    """The page's first non-empty ``<h1>`` outside menus, headers, footers and sidebars."""
    for heading in tree.iter("h1"):
        if any(ancestor.tag in _CHROME for ancestor in heading.iterancestors()):
            continue
        if squeeze_whitespace(heading.text_content()):
            return heading
    return None


# Elements that mark a page's main content; trafilatura looks for them (and for class
# names such as "article-body"). A page with neither gets its main content marked first.
_MAIN_MARKERS: Final = etree.XPath(
    "//article | //main | //*[@role='main'] | //*[@itemprop='articleBody']"
)
_TEXT_BLOCKS: Final = ("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "td", "dd")
_NOT_TEXT: Final = etree.XPath("//script | //style | //noscript | //template | //comment()")
SIBLING_SHARE: Final = 0.2
"""A sibling of the densest container scoring this share of it is part of the article."""


def _mark_main_content(
    tree: lxml_html.HtmlElement, headline: lxml_html.HtmlElement | None
) -> lxml_html.HtmlElement:
    """A page whose main content is the densest container of text, wrapped in ``<article>``.

    Without semantic markup (``<div>`` and ``<table>`` layouts, class names that say
    nothing) trafilatura takes a fallback path that keeps cookie banners, breadcrumbs and
    readers' comments and drops subheadings. As readability does, each text block's
    non-link text scores its parent fully and its grandparent half; the top scorer and
    its siblings scoring a fifth of it are the article, in document order. An article's
    text follows its headline, so the top scorer is sought in the headline's nearest
    ancestor that holds any scored container (a short article then wins over longer
    readers' comments). Deterministic: ties go to the first in the page.
    """
    found = _NOT_TEXT(tree)
    for element in found if isinstance(found, list) else []:
        if isinstance(element, lxml_html.HtmlMixin):
            element.drop_tree()
    scores: dict[etree._Element, float] = {}
    order: list[etree._Element] = []
    for block, length in _own_text_lengths(tree).items():
        parent = block.getparent()
        if parent is None:
            continue
        for ancestor, share in ((parent, 1.0), (parent.getparent(), 0.5)):
            if ancestor is not None:
                if ancestor not in scores:
                    order.append(ancestor)
                scores[ancestor] = scores.get(ancestor, 0.0) + length * share
    if not order:
        return tree
    if headline is not None:
        order = _nearest_to(headline, tree, order)
    best = order[0]
    for candidate in order[1:]:
        if scores[candidate] > scores[best]:
            best = candidate
    parent = best.getparent()
    members = (
        [best]
        if parent is None
        else [
            sibling
            for sibling in parent
            if sibling is best or scores.get(sibling, 0.0) >= SIBLING_SHARE * scores[best]
        ]
    )
    article = lxml_html.Element("article")
    for member in members:
        article.append(copy.deepcopy(member))
    page = lxml_html.document_fromstring("<html><body></body></html>")
    body = page.find("body")
    assert body is not None  # the parser always makes one
    body.append(article)
    return page


def _own_text_lengths(tree: etree._Element) -> dict[etree._Element, int]:
    """Each text block's characters outside links and outside blocks nested in it.

    One pass over the tree (a block's ``text_content()`` would copy nested blocks'
    text once per level).
    """
    lengths: dict[etree._Element, int] = {}
    blocks: list[etree._Element] = []
    links = 0

    def count(text: str | None) -> None:
        if text and blocks and not links:
            lengths[blocks[-1]] = lengths.get(blocks[-1], 0) + len(squeeze_whitespace(text))

    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if event == "start":
            if element.tag in _TEXT_BLOCKS:
                blocks.append(element)
            links += element.tag == "a"
            count(element.text)
        else:
            links -= element.tag == "a"
            if blocks and blocks[-1] is element:
                blocks.pop()
            count(element.tail)
    return {block: length for block, length in lengths.items() if length > 0}


def _nearest_to(
    headline: etree._Element, tree: etree._Element, candidates: list[etree._Element]
) -> list[etree._Element]:
    """The candidates inside the headline's lowest ancestor that holds any (one pass)."""
    level = {ancestor: -index for index, ancestor in enumerate(headline.iterancestors())}
    meeting: dict[etree._Element, int] = {}
    wanted = set(candidates)
    path: list[int] = []
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if event == "end":
            path.pop()
            continue
        here = max(path[-1] if path else -(1 << 30), level.get(element, -(1 << 30)))
        path.append(here)
        if element in wanted:
            meeting[element] = here
    closest = max(meeting.values(), default=None)
    return [candidate for candidate in candidates if meeting.get(candidate) == closest]


def _lines(body: etree._Element) -> list[str]:
    """trafilatura's extracted tree as lines: blocks apart, inline markup within."""
    lines: list[str] = []
    current: list[str] = []

    def close() -> None:
        if current:
            lines.append("".join(current))
            current.clear()

    for event, element in etree.iterwalk(body, events=("start", "end")):
        block = element.tag in _BLOCKS and not (
            # trafilatura keeps an inline <code> as <code> inside its paragraph
            element.tag == "code"
            and element.getparent() is not None
            and element.getparent().tag in _INLINE_CODE_PARENTS
        )
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
    # libxml2 stops at a NUL and lxml refuses to set text holding characters XML forbids
    html = _NOT_XML.sub("\ufffd", html)
    tree = _parse(html)
    heading = _headline(tree)
    headline = "" if heading is None else squeeze_whitespace(heading.text_content())
    try:
        if not _MAIN_MARKERS(tree):
            tree = _mark_main_content(tree, heading)
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
            # what a reader does not see: trafilatura drops display:none and aria-hidden
            prune_xpath=["//*[@hidden]", "//noscript", "//template"],
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
