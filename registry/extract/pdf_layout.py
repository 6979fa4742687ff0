"""A PDF's paragraphs from pdfminer.six's text lines: furniture dropped, wrapped lines joined.

pdfminer.six was chosen over pypdf for Chinese and for paragraphs. Both read reportlab's
``STSong-Light`` (a CID font without embedded glyphs or ToUnicode map) correctly, but
pdfminer.six carries Adobe's CMaps for all four CJK collections (GB1, CNS1, Japan1,
Korea1) to map CIDs of non-embedded fonts, and it gives each line's position and
each character's width, which is what rebuilding paragraphs needs: pypdf's text has
line breaks and nothing to tell a wrapped line from a paragraph's end. pdfminer.six
has no bound on decompressing streams, so :mod:`registry.extract.pdf_text` runs this
module in a child process with memory and time limits.

A PDF has lines, not paragraphs. A new paragraph starts where

- the vertical gap to the previous line is clearly larger than the gap between the
  lines of a paragraph (the small common gap: a fifth of the document's gaps are
  smaller), or the font size of most of the line's characters changes;
- the line is indented from the text's left edge (a first-line indent), unless it and
  the line before are both centred and larger than the body text (a centred title); or
- the previous line ended short: the first word of this line (a Chinese character with
  the punctuation no line may start with) would have fitted after it, so the break was
  not made by wrapping. A no-break space or CJK line-breaking rules also end lines
  early, so where the document marks paragraphs by spacing or indents this rule is
  used only across a page break (where spacing cannot be seen), and with indents not
  at all.

Across a page break the gap rule does not apply. Wrapped lines are joined with one
space, without one where either side is a CJK character or the line before is mostly
CJK (its typesetting breaks lines anywhere, inside Latin runs too), nor after a
soft hyphen (which is dropped) or after a hyphen between letters or digits. That hyphen is
dropped only where the document itself has the whole word and not the hyphenated one
inside a line ("develop-" + "ment" where "development" occurs elsewhere); otherwise it
is kept, since "three-year" cut at its hyphen looks the same.

Page furniture: a line in the top or bottom 7.5% of the page that repeats on at least
half of the pages (digits ignored, so "Page 3" repeats), or that is only a page number,
is dropped. A running header of a one-page PDF cannot be told from text and is kept.

Not handled: text in several columns (each column's lines look indented from the
leftmost column), vertical CJK text (its lines are skipped), and a paragraph whose
last line fills the measure at the foot of a page, in a text marked by spacing alone
(it is joined to the next page's first paragraph: nothing on the page tells them apart).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from registry.errors import ExtractionFailed
from registry.extract.paragraphs import TextBuilder, squeeze_whitespace

MARGIN_BAND: Final = 0.075
"""The top and bottom fraction of a page where headers, footers and page numbers live
(63 points of A4: inside the usual one-inch margin, above and below the text)."""

# Characters no line may start with (CJK line breaking, "kinsoku"): a line breaker moves
# the character before them to the next line too, so they count as part of its first word.
_NO_LINE_START: Final = frozenset("、。，．：；？！）」』】〕〉》”’…‥～・·,.;:!?)]}%")

# Spaces a line may wrap at: White_Space without the no-break ones (U+00A0, U+2007, U+202F).
_BREAKING_SPACES: Final = frozenset(
    " \t\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000"
)

_PAGE_NUMBER: Final = re.compile(
    r"^(?:[-–—]\s*)?(?:page\s*|p\.\s*|第\s*)?\d{1,5}(?:\s*(?:/|of|页|頁)\s*\d{0,5})?(?:\s*[-–—])?$"
    r"|^第\s*\d{1,5}\s*[页頁](?:\s*[,，]?\s*共\s*\d{1,5}\s*[页頁])?$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Line:
    """One text line as laid out: its text and box (PDF points, y upwards)."""

    page: int
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    first_word_width: float  # width up to the first breaking space (or of a first CJK char)
    space_width: float
    size: float  # the font size most of its characters have (a line's box also grows
    # with a fallback font's descent, which says nothing about headings)


def is_wide(character: str) -> bool:
    """A CJK character or full-width punctuation: lines join without a space there."""
    return unicodedata.east_asian_width(character) in ("W", "F")


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", squeeze_whitespace(text)).lower()


def drop_furniture(lines: Sequence[Line], page_heights: Sequence[float]) -> list[Line]:
    """``lines`` without running headers, footers and page numbers."""
    pages = len(page_heights)

    def in_band(line: Line) -> bool:
        height = page_heights[line.page]
        return line.y1 < height * MARGIN_BAND or line.y0 > height * (1 - MARGIN_BAND)

    # on how many pages each shape of margin line appears
    repeats = Counter(
        shape for _, shape in {(ln.page, _shape(ln.text)) for ln in lines if in_band(ln)}
    )
    kept: list[Line] = []
    for line in lines:
        if in_band(line):
            text = squeeze_whitespace(line.text)
            if _PAGE_NUMBER.match(text):
                continue
            if pages >= 2 and repeats[_shape(line.text)] >= max(2, (pages + 1) // 2):
                continue
        kept.append(line)
    return kept


def _mostly_wide(text: str) -> bool:
    letters = [character for character in text if not character.isspace()]
    return sum(1 for character in letters if is_wide(character)) * 2 > len(letters)


_WORD: Final = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def inner_words(lines: Sequence[Line]) -> frozenset[str]:
    """The words (lowercased) that appear inside lines, not cut by a line's end: the
    document's own dictionary for telling a hyphenated break from a compound."""
    words: set[str] = set()
    for line in lines:
        found = _WORD.findall(line.text.rstrip(" -\u00ad"))
        words.update(word.lower() for word in found[:-1] if word)
        if found and not line.text.rstrip(" ").endswith(("-", "\u00ad")):
            words.add(found[-1].lower())
    return frozenset(words)


def _joined(
    previous: str, following: str, previous_line: str, words: frozenset[str] = frozenset()
) -> str:
    """Two wrapped lines of one paragraph as one line (rules in the module docstring);
    ``previous_line`` is the last line of ``previous``, whose script decides; ``words``
    are the document's :func:`inner_words`."""
    previous = previous.rstrip(" ")
    following = following.lstrip(" ")
    if not previous or not following:
        return previous + following
    if previous.endswith("\u00ad"):
        return previous[:-1] + following
    # CJK typesetting breaks lines between any two characters, Latin runs included
    if is_wide(previous[-1]) or is_wide(following[0]) or _mostly_wide(previous_line):
        return previous + following
    if (
        previous.endswith("-")
        and len(previous) > 1
        and previous[-2].isalnum()
        and following[0].isalnum()
    ):
        before = _WORD.findall(previous[:-1])
        after = _WORD.match(following)
        if before and after:
            compound = f"{before[-1]}-{after.group()}".lower()
            whole = f"{before[-1]}{after.group()}".lower()
            if whole in words and compound not in words:
                return previous[:-1] + following  # the word, hyphenated at the break
        return previous + following
    return previous + " " + following


def paragraphs(lines: Sequence[Line]) -> Iterator[str]:
    """The paragraphs of ``lines`` (furniture already dropped), in reading order."""
    if not lines:
        return
    gaps = [
        round(previous.y0 - line.y1, 1)
        for previous, line in pairwise(lines)
        if previous.page == line.page and previous.y0 - line.y1 >= 0
    ]
    # the gap between the lines of a paragraph: the small common one (a fifth of the gaps
    # up; the median would be the gap between paragraphs in a text of one-line ones)
    usual_gap = sorted(gaps)[len(gaps) // 5] if gaps else 0.0
    # The text's edges over the whole document (a page of indented one-line paragraphs
    # still has the document's margin): the leftmost start and the rightmost end.
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)

    def spaced(previous: Line, line: Line) -> bool:
        height = max(line.y1 - line.y0, 1.0)
        gap = previous.y0 - line.y1
        return previous.page == line.page and (gap > usual_gap + 0.4 * height or gap < -height)

    def indented(line: Line) -> bool:
        return line.x0 > left + max(line.space_width, 2.0)

    middle = (left + right) / 2

    body_size = Counter(line.size for line in lines).most_common(1)[0][0]

    def centred_title(line: Line) -> bool:
        """Larger than the body text and centred, or full width (a title's first line may
        fill the measure). Body lines are left out: an indented line that ends short of
        the edge by its indent looks centred too."""
        return line.size > 1.1 * body_size and (
            abs((line.x0 + line.x1) / 2 - middle) < max(2.0, line.size / 2)
        )

    pairs = list(pairwise(lines))
    # The markers the document uses for paragraphs: where it spaces or indents them, a
    # line that ends short is a paragraph's end only across a page break (where spacing
    # cannot be seen), since an unbreakable run (a no-break space, a long word) also
    # ends a line early.
    uses_spacing = any(spaced(previous, line) for previous, line in pairs)
    uses_indents = any(indented(line) for line in lines[1:])
    words = inner_words(lines)
    current = lines[0].text
    for previous, line in pairs:
        size_change = abs(line.size - previous.size) > 0.15 * max(line.size, previous.size)
        room = right - previous.x1
        first = line.text.lstrip()[:1] or "a"
        needed = line.first_word_width + (0 if is_wide(first) else line.space_width)
        ended_short = room > needed + 1.0 and (
            not (uses_spacing or uses_indents) or (previous.page != line.page and not uses_indents)
        )
        # the lines of a centred title all start in from the edge: no indent there
        starts_in = indented(line) and not (centred_title(previous) and centred_title(line))
        if size_change or spaced(previous, line) or starts_in or ended_short:
            yield current
            current = line.text
        else:
            current = _joined(current, line.text, previous.text, words)
    yield current


_UCS2_CMAP: Final = re.compile(r"^Uni(?:GB|CNS|JIS|KS)-UCS2-[HV]$")


def _code_points_as_cids(font: object) -> None:
    """Read a non-embedded CJK font's UCS-2 codes as the characters they are.

    With a ``Uni*-UCS2-*`` encoding (reportlab's ``STSong-Light``, old Acrobat
    output) each 2-byte code *is* the character's code point, but pdfminer.six maps
    codes to CIDs through its copy of Adobe's CMap and back to characters, and its copy
    lacks some codes (U+00B7 MIDDLE DOT of "和信云链·长沙" is dropped). So codes are
    taken as the characters, and widths are looked up by the CID the CMap gives.
    """
    from pdfminer.cmapdb import CMap, CMapBase, IdentityUnicodeMap
    from pdfminer.pdffont import PDFCIDFont

    if not isinstance(font, PDFCIDFont):
        return
    cmap = font.cmap
    if not isinstance(cmap, CMap) or not _UCS2_CMAP.match(str(cmap.attrs.get("CMapName", ""))):
        return

    code_to_cid: dict[int, int] = {}
    for high, row in cmap.code2cid.items():
        if isinstance(row, dict):
            for low, cid in row.items():
                if isinstance(cid, int):
                    code_to_cid[high << 8 | low] = cid

    class _CodePoints(CMapBase):
        def is_vertical(self) -> bool:
            return cmap.is_vertical()

        def decode(self, code: bytes) -> Iterator[int]:
            for index in range(0, len(code) - 1, 2):
                yield code[index] << 8 | code[index + 1]

    widths = font.widths
    font.widths = {code: widths[cid] for code, cid in code_to_cid.items() if cid in widths}
    font.cmap = _CodePoints()
    font.unicode_map = IdentityUnicodeMap()


def read_pdf(data: bytes, max_pages: int, builder: TextBuilder) -> None:
    """The paragraphs of a PDF, added to ``builder``; runs pdfminer.six (in the child)."""
    import io
    from collections.abc import Mapping

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams, LTChar, LTTextBox, LTTextLineHorizontal
    from pdfminer.pdffont import PDFFont
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class _Resources(PDFResourceManager):
        def get_font(self, objid: object, spec: Mapping[str, object]) -> PDFFont:
            font = super().get_font(objid, spec)
            if "ToUnicode" not in spec:
                _code_points_as_cids(font)
            return font

    resources = _Resources(caching=True)
    device = PDFPageAggregator(resources, laparams=LAParams())
    interpreter = PDFPageInterpreter(resources, device)
    lines: list[Line] = []
    heights: list[float] = []
    for number, page in enumerate(PDFPage.get_pages(io.BytesIO(data))):
        if number >= max_pages:
            raise ExtractionFailed(f"the PDF has more than {max_pages:,} pages")
        interpreter.process_page(page)
        layout = device.get_result()
        heights.append(float(layout.height))
        for box in layout:
            if not isinstance(box, LTTextBox):
                continue
            for item in box:
                if not isinstance(item, LTTextLineHorizontal):
                    continue
                text = item.get_text().rstrip("\n")
                if not squeeze_whitespace(text):
                    continue
                chars = [char for char in item if isinstance(char, LTChar)]
                lines.append(_line(number, text, item, chars))
    builder.extend(paragraphs(drop_furniture(lines, heights)))


def _line(page: int, text: str, item: object, chars: Sequence[object]) -> Line:
    from pdfminer.layout import LTChar, LTTextLineHorizontal

    assert isinstance(item, LTTextLineHorizontal)
    glyphs = [char for char in chars if isinstance(char, LTChar)]
    first_word = 0.0
    space = 0.0
    wide_word = False  # a CJK character is a word with the punctuation that follows it
    for glyph in glyphs:
        character = glyph.get_text()
        if character in _BREAKING_SPACES:
            space = glyph.width
            break
        if wide_word and character not in _NO_LINE_START:
            break
        first_word += glyph.width
        wide_word = wide_word or is_wide(character[:1] or "a")
    sizes = [round(glyph.size, 1) for glyph in glyphs] or [round(item.height, 1)]
    return Line(
        page=page,
        text=text,
        x0=float(item.x0),
        x1=float(item.x1),
        y0=float(item.y0),
        y1=float(item.y1),
        first_word_width=first_word,
        space_width=space or 0.25 * max(sizes),
        size=Counter(sizes).most_common(1)[0][0],
    )
