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
  lines of a paragraph (the document's most common gap), or the font size changes;
- the line is indented from the text's left edge (a first-line indent); or
- the previous line ended short: the first word of this line (one character for
  Chinese) would have fitted after it, so the break was not made by wrapping.

Across a page break only the last two rules apply. Wrapped lines are joined with one
space, without one where either side is a CJK character or the paragraph is mostly
CJK (its typesetting breaks lines anywhere, inside Latin runs too), nor after a
soft hyphen (which is dropped) or after a hyphen between letters (which is kept: a
dictionary would be needed to tell "three-year" from a hyphenated word).

Page furniture: a line in the top or bottom tenth of the page that repeats on most
pages (digits ignored, so "Page 3" repeats), or that is only a page number, is dropped.
"""

from __future__ import annotations

import re
import statistics
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


def _joined(previous: str, following: str, previous_line: str) -> str:
    """Two wrapped lines of one paragraph as one line (rules in the module docstring);
    ``previous_line`` is the last line of ``previous``, whose script decides."""
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
        and previous[-2].isalpha()
        and following[0].isalpha()
    ):
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
    usual_gap = statistics.median(gaps) if gaps else 0.0
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

    pairs = list(pairwise(lines))
    # The markers the document uses for paragraphs: where it spaces or indents them, a
    # line that ends short is a paragraph's end only across a page break (where spacing
    # cannot be seen), since an unbreakable run (a no-break space, a long word) also
    # ends a line early.
    uses_spacing = any(spaced(previous, line) for previous, line in pairs)
    uses_indents = any(indented(line) for line in lines[1:])
    current = lines[0].text
    for previous, line in pairs:
        height = line.y1 - line.y0
        previous_height = previous.y1 - previous.y0
        size_change = abs(height - previous_height) > 0.15 * max(height, previous_height)
        room = right - previous.x1
        first = line.text.lstrip()[:1] or "a"
        needed = line.first_word_width + (0 if is_wide(first) else line.space_width)
        ended_short = room > needed + 1.0 and (
            not (uses_spacing or uses_indents) or (previous.page != line.page and not uses_indents)
        )
        if size_change or spaced(previous, line) or indented(line) or ended_short:
            yield current
            current = line.text
        else:
            current = _joined(current, line.text, previous.text)
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
    for glyph in glyphs:
        character = glyph.get_text()
        if character in _BREAKING_SPACES:
            space = glyph.width
            break
        first_word += glyph.width
        if is_wide(character[:1] or "a"):
            break
    sizes = [glyph.size for glyph in glyphs] or [item.height]
    return Line(
        page=page,
        text=text,
        x0=float(item.x0),
        x1=float(item.x1),
        y0=float(item.y0),
        y1=float(item.y1),
        first_word_width=first_word,
        space_width=space or 0.25 * max(sizes),
    )
