"""Rebuilding paragraphs from laid-out lines, and dropping page furniture (no PDF needed)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from registry.extract.pdf_layout import Line, drop_furniture, paragraphs

PAGE = 842.0
CHAR = 6.0  # the width of one Latin character in these made-up lines
WIDE = 11.0  # the width of one CJK character


def _width(text: str) -> float:
    return sum(WIDE if ord(character) > 0x2E7F else CHAR for character in text)


def _line(text: str, y: float, *, page: int = 0, x0: float = 72.0, height: float = 11.0) -> Line:
    first_word = text.split(" ")[0]
    if first_word and ord(first_word[0]) > 0x2E7F:
        first_word = first_word[0]
    return Line(
        page=page,
        text=text,
        x0=x0,
        x1=x0 + _width(text),
        y0=y,
        y1=y + height,
        first_word_width=_width(first_word),
        space_width=CHAR,
        size=height,
    )


def _column(
    texts: Sequence[str], *, top: float = 700.0, pitch: float = 16.0, page: int = 0
) -> list[Line]:
    return [_line(text, top - index * pitch, page=page) for index, text in enumerate(texts)]


def test_wrapped_latin_lines_join_with_one_space() -> None:
    lines = _column(["The province will build ten", "platforms by 2022."])
    assert list(paragraphs(lines)) == ["The province will build ten platforms by 2022."]


def test_wrapped_chinese_lines_join_without_a_space() -> None:
    lines = _column(["湖南省将建设十个区块链公共服务", "平台，推动三万家企业上链。"])
    assert list(paragraphs(lines)) == ["湖南省将建设十个区块链公共服务平台，推动三万家企业上链。"]


def test_a_latin_run_broken_inside_a_chinese_paragraph_joins_without_a_space() -> None:
    lines = _column(["如遇文章内容问题，请发送至邮箱:", "editor@example.com"])
    assert list(paragraphs(lines)) == ["如遇文章内容问题，请发送至邮箱:editor@example.com"]


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("a three-", "year plan", "a three-year plan"),  # a hyphen between letters is kept
        ("hyphen\u00ad", "ation", "hyphenation"),  # a soft hyphen is dropped
        ("from 2020 -", "2022", "from 2020 - 2022"),  # a dash is not a hyphen
        ("ends with a space ", " starts with one", "ends with a space starts with one"),
    ],
)
def test_hyphens(first: str, second: str, joined: str) -> None:
    # the first line is as long as the second is wide, so it did not end short
    lines = _column([first.ljust(40), second])
    assert list(paragraphs(lines)) == [joined]


def test_a_word_hyphenated_at_the_break_is_rejoined_where_the_document_spells_it() -> None:
    lines = _column(
        [
            "The development plan names the develop-".ljust(44),
            "ment of industry; a three-year plan and a three-".ljust(44),
            "year budget, and the co-".ljust(44),
            "operation.",
        ]
    )
    assert list(paragraphs(lines)) == [
        "The development plan names the development of industry; a three-year plan and"
        " a three-year budget, and the co-operation."
    ]


def test_spacing_between_paragraphs_starts_a_new_one() -> None:
    lines = [
        _line("First paragraph, first line of it", 700),
        _line("and its second line.", 684),
        _line("Second paragraph after a gap.", 655),
        _line("Its second line.", 639),
    ]
    assert list(paragraphs(lines)) == [
        "First paragraph, first line of it and its second line.",
        "Second paragraph after a gap. Its second line.",
    ]


def test_an_indent_starts_a_new_paragraph() -> None:
    lines = [
        _line("　First paragraph, first line, indented", 700, x0=94),
        _line("and its second line.", 684),
        _line("　Second paragraph, indented too,", 668, x0=94),
        _line("with its own second line.", 652),
    ]
    assert list(paragraphs(lines)) == [
        "　First paragraph, first line, indented and its second line.",
        "　Second paragraph, indented too, with its own second line.",
    ]


def test_the_lines_of_a_centred_title_are_one_paragraph() -> None:
    def centred(text: str, y: float) -> Line:
        return _line(text, y, x0=72 + (420 - _width(text)) / 2, height=16)

    # an indented body line ending short of the edge by its indent is not a centred title
    body = [_line("x" * 70, 700), _line("　" + "x" * 66, 684, x0=82), _line("x" * 70, 668)]
    assert len(list(paragraphs(body))) == 2

    full = "word " * 13 + "words"  # 70 characters: the whole measure, 72 to 492
    lines = [
        _line(full, 800),  # body text is the most common size
        centred("关于加快推进区块链技术应用和产业", 760),
        centred("发展的实施意见", 738),
        _line("　" + full[:-2], 700, x0=82),
        _line(full, 684),
        _line("　A second paragraph.", 668, x0=82),
    ]
    assert [round(line.x0 + line.x1) for line in lines[1:3]] == [564, 564]
    assert list(paragraphs(lines)) == [
        full,
        "关于加快推进区块链技术应用和产业发展的实施意见",
        f"　{full[:-2]} {full}",
        "　A second paragraph.",
    ]


def test_without_spacing_or_indents_a_short_line_ends_a_paragraph() -> None:
    long = "word " * 13 + "word"
    lines = _column([long, "ends here.", long, "and here."])
    assert list(paragraphs(lines)) == [f"{long} ends here.", f"{long} and here."]


def test_a_paragraph_continues_on_the_next_page_unless_the_line_ended_short() -> None:
    long = "word " * 14 + "word"
    page_one = [_line("Heading", 760, height=16), *_column([long, long, long], top=720)]
    page_two = [
        _line("continues here.", 760, page=1),
        *_column([long, "New paragraph."], top=729, page=1),
    ]
    assert list(paragraphs(page_one + page_two)) == [
        "Heading",
        f"{long} {long} {long} continues here.",
        f"{long} New paragraph.",
    ]
    page_one[-1] = _line("short end.", page_one[-1].y0)
    assert list(paragraphs(page_one + page_two)) == [
        "Heading",
        f"{long} {long} short end.",
        "continues here.",
        f"{long} New paragraph.",
    ]


def test_a_change_of_font_size_starts_a_new_paragraph() -> None:
    lines = [_line("A heading", 720, height=16), _line("Body text right under it.", 700)]
    assert list(paragraphs(lines)) == ["A heading", "Body text right under it."]


def test_no_lines_no_paragraphs() -> None:
    assert list(paragraphs([])) == []


@pytest.mark.parametrize(
    "number",
    ["3", "- 3 -", "— 12 —", "Page 3", "page 3 of 10", "3 / 10", "p. 3", "第3页", "第 3 页",
     "第 3 页 共 10 页", "第3頁"],
)  # fmt: skip
def test_page_numbers_in_the_margins_are_dropped(number: str) -> None:
    body = _line("Body text.", 400)
    footer = _line(number, 30)
    header = _line(number, PAGE - 30)
    assert drop_furniture([header, body, footer], [PAGE]) == [body]


def test_a_number_in_the_body_is_kept() -> None:
    lines = [_line("2020", 400), _line("3", 380)]
    assert drop_furniture(lines, [PAGE]) == lines


def test_a_running_header_is_dropped_when_it_repeats() -> None:
    pages = 4
    lines = []
    for page in range(pages):
        lines += [
            _line("Annual Report 2020 | Policy Office", PAGE - 40, page=page),
            _line(f"Body of page {page}.", 400, page=page),
            _line(f"Confidential draft, printed {page + 1}", 20, page=page),
        ]
    kept = drop_furniture(lines, [PAGE] * pages)
    assert [line.text for line in kept] == [f"Body of page {page}." for page in range(pages)]


def test_a_margin_line_on_one_page_of_many_is_kept() -> None:
    lines = [_line("A note at the foot of page 1 only.", 20, page=0)]
    lines += [_line(f"Body {page}.", 400, page=page) for page in range(3)]
    assert drop_furniture(lines, [PAGE] * 3) == lines
