"""Real-shaped test documents: HTML pages and PDFs made from an article's paragraphs.

The extractors in ``registry/extract`` are tested on what users actually hold, not on
bare ``<p>`` lists: a news site's page (doctype, ``<meta charset>``, scripts, styles,
comments, a header with a navigation menu, breadcrumbs, a sidebar of related links, a
share bar, readers' comments, a footer) and a typeset PDF of several pages with a
running header and page numbers.

What a page shows of a paragraph is what a browser shows: HTML collapses runs of ASCII
white space and drops them at the start and end of a block (:func:`shown_in_html`),
so the factory writes the paragraph as it is and the tests expect that rendering.
"""

from __future__ import annotations

import html
import io
import re
import zlib
from collections.abc import Sequence
from typing import Final

# HTML's ASCII white space (tab, LF, FF, CR, space): what browsers collapse in text.
_HTML_SPACE_RUN: Final = re.compile(r"[\t\n\f\r ]+")
_CJK: Final = re.compile(r"[\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]")

_NAV_EN: Final = ("Home", "Policy", "Industry", "Blockchain", "Data", "Opinion", "About us")
_NAV_ZH: Final = ("首页", "政策", "产业", "区块链", "数据", "观点", "关于我们")
_RELATED_EN: Final = (
    "Shenzhen publishes its digital economy plan for 2025",
    "Ten questions about the new data exchange rules",
    "Interview: what the provincial action plans have in common",
    "Weekly roundup: blockchain pilots in eastern China",
)
_RELATED_ZH: Final = (
    "深圳发布2025年数字经济发展规划",
    "关于新数据交易规则的十个问题",
    "专访：各省行动计划的共同点",
    "每周综述：华东地区区块链试点",
)


def shown_in_html(paragraph: str) -> str:
    """``paragraph`` as a browser shows it in a block: ASCII white space runs collapsed to
    one space and dropped at both ends (no-break spaces and other White_Space stay)."""
    return _HTML_SPACE_RUN.sub(" ", paragraph).strip("\t\n\f\r ")


def _is_chinese(lang: str) -> bool:
    return lang.lower().startswith("zh")


def _is_heading(paragraph: str) -> bool:
    """Short lines without closing punctuation become subheadings, as editors set them."""
    stripped = paragraph.strip()
    limit = 24 if _CJK.search(stripped) else 70
    return 0 < len(stripped) <= limit and stripped[-1] not in ".,;:!?。，；：！？)）"


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _inline_markup(paragraph: str, index: int) -> str:
    """``paragraph`` as HTML with bold, links and emphasis inside, as a CMS adds them
    (never a break): on some words, or for Chinese (no spaces) on a run mid-paragraph."""
    words = [_escape(word) for word in paragraph.split(" ")]
    if index % 3 == 0 and len(words) > 6:
        words[2] = f'<a href="/tag/{index}" class="tag">{words[2]}</a>'
    if index % 4 == 1 and len(words) > 4:
        words[1] = f"<strong>{words[1]}</strong>"
    if index % 5 == 2 and len(words) > 3:
        words[-1] = f"<em>{words[-1]}</em>"
    if len(words) == 1 and len(paragraph) > 12 and index % 2 == 0:
        middle = len(paragraph) // 2
        run = _escape(paragraph[middle : middle + 4])
        return f"{_escape(paragraph[:middle])}<b>{run}</b>{_escape(paragraph[middle + 4 :])}"
    return " ".join(words)


def _article_body(paragraphs: Sequence[str]) -> str:
    """Paragraphs as ``<p>`` (every seventh quoted in a ``<blockquote>``), short ones as
    ``<h2>`` subheadings or list items, as editors set them."""
    parts: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if _is_heading(paragraph) and index % 2 == 1:
            parts.append(f"<h2>{_escape(paragraph)}</h2>")
        elif _is_heading(paragraph):
            parts.append(f'<ul class="points"><li>{_escape(paragraph)}</li></ul>')
        elif index % 7 == 6:
            parts.append(
                f"<blockquote>\n  <p>{_inline_markup(paragraph, index)}</p>\n</blockquote>"
            )
        else:
            parts.append(f"<p>{_inline_markup(paragraph, index)}</p>")
    return "\n".join(parts)


_WORDS: Final = {
    "en": {
        "site": "Policy Watch",
        "cookies": "This website uses cookies to improve your experience.",
        "search": "Search",
        "article": "Article",
        "share": "Share",
        "tweet": "Tweet",
        "print": "Print",
        "comments": "Comments",
        "comment": "Great article, thanks for sharing! I would like to read more about this.",
        "related": "Related articles",
        "copyright": "Copyright © 2020 Policy Watch. All rights reserved.",
        "contact": "Contact",
        "privacy": "Privacy",
    },
    "zh": {
        "site": "政策观察网",
        "cookies": "本网站使用Cookie以改善您的体验。",
        "search": "搜索",
        "article": "正文",
        "share": "微博",
        "tweet": "微信",
        "print": "打印",
        "comments": "网友评论",
        "comment": "这篇文章写得很好，感谢分享！希望能看到更多关于地方政策的分析。",
        "related": "相关阅读",
        "copyright": "版权所有 © 2020 政策观察网 京ICP备00000000号",
        "contact": "联系我们",
        "privacy": "隐私政策",
    },
}


# An old CMS's page: the same page laid out with tables and <div>s whose class names say
# nothing (many government sites), so only the text itself tells where the article is.
_OLD_LAYOUT: Final = (
    ('<header class="site-header">', '<div class="t1">'),
    ("</header>", "</div>"),
    ('<nav class="main-nav">', '<div class="t2">'),
    ("</nav>", "</div>"),
    ('<div class="container">', '<table class="t3" width="100%"><tr><td valign="top">'),
    ('<main id="content">', '<div class="t4">'),
    ("</main>", "</div>"),
    ('<article class="article">', '<div class="t5">'),
    ("</article>", "</div>"),
    ('<section class="comments">', '<div class="t6">'),
    ("</section>", "</div>"),
    ('<aside class="sidebar">', '</td><td class="t7" width="220" valign="top">'),
    ("</aside>\n  </div>", "</td></tr></table>"),
    ('<footer class="site-footer">', '<div class="t8">'),
    ("</footer>", "</div>"),
    ('class="article-title"', 'class="t9"'),
    ('class="article-body"', 'class="t10"'),
    ('class="share-bar"', 'class="t11"'),
    ('class="comment"', 'class="t12"'),
    ('class="cookie-banner"', 'class="t13"'),
    ('class="breadcrumb"', 'class="t14"'),
    ('class="user"', 'class="t15"'),
    ('class="ad"', 'class="t16"'),
    ('<body class="article-page">', "<body>"),
)


def html_page(
    title: str,
    paragraphs: Sequence[str],
    *,
    lang: str = "en",
    encoding: str = "utf-8",
    semantic: bool = True,
) -> bytes:
    """A news site's article page: ``title`` as the headline, then ``paragraphs``.

    The page is encoded in ``encoding`` and says so in ``<meta charset>`` (characters
    the encoding lacks are written as character references, as publishing systems do).
    Around the article: doctype, styles, scripts (with text that looks like prose),
    HTML comments, a cookie banner, a header with a menu and a search form, breadcrumbs,
    a share bar, readers' comments, a sidebar of related links and a footer, none of
    which is article text. ``semantic=False`` lays the same page out as old CMSs do:
    a table, ``<div>``s, and class names that say nothing.
    """
    chinese = _is_chinese(lang)
    nav = _NAV_ZH if chinese else _NAV_EN
    related = _RELATED_ZH if chinese else _RELATED_EN
    w = _WORDS["zh" if chinese else "en"]
    menu = "\n".join(
        f'        <li><a href="/section/{i}">{item}</a></li>' for i, item in enumerate(nav)
    )
    related_items = "\n".join(
        f'        <li><a href="/article/{100 + i}">{html.escape(item)}</a></li>'
        for i, item in enumerate(related)
    )
    escaped_title = html.escape(title, quote=False)
    page = f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="{encoding}">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escaped_title} | {w["site"]}</title>
  <meta property="og:title" content="{html.escape(title)}">
  <link rel="stylesheet" href="/static/site.css?v=3.2.1">
  <style>
    body {{ font-family: "Helvetica Neue", Arial, sans-serif; margin: 0; }}
    .article-body p {{ line-height: 1.8; text-indent: 2em; }}
    /* The article text is set in a narrow column for reading. */
  </style>
  <script>
    window.dataLayer = window.dataLayer || [];
    function gtag() {{ dataLayer.push(arguments); }}
    gtag("config", "UA-000000-1");
    var notice = "This sentence is in a script and is not part of the article.";
  </script>
  <script type="application/ld+json">{{"@type": "NewsArticle"}}</script>
</head>
<body class="article-page">
  <!-- header: generated by the site template, cache 300s -->
  <div class="cookie-banner">{w["cookies"]} <button>OK</button></div>
  <header class="site-header">
    <a class="logo" href="/">{w["site"]}</a>
    <nav class="main-nav">
      <ul>
{menu}
      </ul>
    </nav>
    <form class="search" action="/search">
      <input name="q" placeholder="{w["search"]}"><button>{w["search"]}</button>
    </form>
  </header>
  <div class="breadcrumb">
    <a href="/">{nav[0]}</a> &gt; <a href="/section/3">{nav[3]}</a> &gt; {w["article"]}
  </div>
  <div class="container">
    <main id="content">
      <article class="article">
        <h1 class="article-title">{escaped_title}</h1>
        <div class="share-bar">
          <a href="#s">{w["share"]}</a> <a href="#t">{w["tweet"]}</a> <a href="#p">{w["print"]}</a>
        </div>
        <!-- article body start -->
        <div class="article-body">
{_article_body(paragraphs)}
        </div>
        <!-- article body end: related content follows -->
      </article>
      <section class="comments">
        <h3>{w["comments"]}</h3>
        <div class="comment"><span class="user">reader_2020</span><p>{w["comment"]}</p></div>
      </section>
    </main>
    <aside class="sidebar">
      <h3>{w["related"]}</h3>
      <ul>
{related_items}
      </ul>
      <div class="ad"><script>document.write("<div>ad</div>");</script></div>
    </aside>
  </div>
  <footer class="site-footer">
    <p>{w["copyright"]}</p>
    <p><a href="/contact">{w["contact"]}</a> | <a href="/privacy">{w["privacy"]}</a></p>
  </footer>
  <script src="/static/app.js?v=3.2.1" defer></script>
</body>
</html>
"""
    if not semantic:
        for modern, old in _OLD_LAYOUT:
            assert modern in page, modern
            page = page.replace(modern, old)
    return page.encode(encoding, errors="xmlcharrefreplace")


# -- PDF ----------------------------------------------------------------------------------

_CJK_FONT: Final = "STSong-Light"  # reportlab's built-in Adobe-GB1 CID font: no font file
_LATIN_FONT: Final = "Times-Roman"
# Debian's fonts-wqy-microhei (the Makefile installs it for Chromium), embedded as a subset
# with a ToUnicode map, as word processors write Chinese PDFs.
EMBEDDED_CJK_FONT_FILE: Final = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
_EMBEDDED_CJK_FONT: Final = "WenQuanYiMicroHei"


def _cjk_font(embedded: bool) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    name = _EMBEDDED_CJK_FONT if embedded else _CJK_FONT
    if name not in pdfmetrics.getRegisteredFontNames():
        if embedded:
            pdfmetrics.registerFont(TTFont(name, EMBEDDED_CJK_FONT_FILE, subfontIndex=0))
        else:
            pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def _pdf_styles(chinese: bool, cjk_font: str) -> tuple[object, object]:
    from reportlab.lib.enums import TA_CENTER, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    font = cjk_font if chinese else _LATIN_FONT
    body = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=11,
        leading=16,
        spaceAfter=8,
        # Chinese typesetting indents each paragraph's first line by two characters
        firstLineIndent=22 if chinese else 0,
        wordWrap="CJK" if chinese else None,
    )
    # Chinese official documents centre their title (GB/T 9704)
    heading = ParagraphStyle(
        "heading",
        parent=body,
        fontSize=16,
        leading=22,
        spaceAfter=14,
        firstLineIndent=0,
        alignment=TA_CENTER if chinese else TA_LEFT,
    )
    return body, heading


def pdf_document(
    title: str, paragraphs: Sequence[str], *, lang: str = "en", embed_cjk_font: bool = False
) -> bytes:
    """A typeset A4 PDF: ``title`` as the headline, then ``paragraphs``, over several pages.

    Made with reportlab; Chinese is set in ``STSong-Light`` (a CID font every PDF reader
    has, so nothing is embedded), or with ``embed_cjk_font`` in WenQuanYi Micro Hei embedded
    as a subset with a ToUnicode map; with a centred title and two-character first-line
    indents, as Chinese official documents are set. Every page has a
    running header (the title) and a page number ("Page N of M" / "第 N 页"): the
    furniture an extractor must leave out. Paragraph text is escaped for reportlab's
    markup; leading and repeated white space is not kept by typesetting.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    chinese = _is_chinese(lang)
    cjk_font = _cjk_font(embed_cjk_font)
    body, heading = _pdf_styles(chinese, cjk_font)
    font = cjk_font if chinese else _LATIN_FONT
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        leftMargin=72,
        rightMargin=72,
        topMargin=72,
        bottomMargin=72,
    )

    def furniture(canvas: object, doc: object) -> None:
        page = canvas.getPageNumber()  # type: ignore[attr-defined]
        canvas.saveState()  # type: ignore[attr-defined]
        canvas.setFont(font, 8)  # type: ignore[attr-defined]
        canvas.drawString(72, A4[1] - 40, title[:80])  # type: ignore[attr-defined]
        label = f"第 {page} 页" if chinese else f"Page {page}"
        canvas.drawCentredString(A4[0] / 2, 36, label)  # type: ignore[attr-defined]
        canvas.restoreState()  # type: ignore[attr-defined]

    story = [Paragraph(html.escape(title, quote=False), heading)]
    for paragraph in paragraphs:
        escaped = html.escape(paragraph.strip(), quote=False)
        if not chinese and _CJK.search(paragraph):
            # Times-Roman has no CJK glyphs: such a paragraph of an English article is set
            # in the CJK font, as word processors substitute fonts
            escaped = f'<font name="{cjk_font}">{escaped}</font>'
        story.append(Paragraph(escaped, body))
    document.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return buffer.getvalue()


# -- hostile PDFs ---------------------------------------------------------------------------


def minimal_pdf(content: bytes, stream_dictionary: bytes = b"") -> bytes:
    """A one-page PDF written by hand whose page content stream is ``content`` as given
    (with ``stream_dictionary`` entries such as ``/Filter /FlateDecode``)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        b" >>",
        b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(content), stream_dictionary, content),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def deflate_bomb(inflated_bytes: int, chunk: int = 16 << 20) -> bytes:
    """A zlib stream of ``inflated_bytes`` zero bytes (a multiple of ``chunk``), made in
    milliseconds: after a full flush each chunk compresses to the same bytes, so one
    compressed chunk is repeated; the Adler-32 of n zeros is ``(n mod 65521) << 16 | 1``."""
    count = inflated_bytes // chunk
    zeros = bytes(chunk)
    compressor = zlib.compressobj(9)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    adler = ((count * chunk) % 65521) << 16 | 1
    # an empty final block with fixed codes, then the checksum
    return first + again * (count - 1) + b"\x03\x00" + adler.to_bytes(4, "big")


# -- print versions -----------------------------------------------------------------------


def print_version(title: str, paragraphs: Sequence[str], *, lang: str = "en") -> bytes:
    """An article's "print this page" version (UTF-8): headline and paragraphs only, with
    a print style sheet (A4 margins, Chinese paragraphs indented by two characters), as
    sites offer it; a browser prints it to the PDF a reader keeps."""
    chinese = _is_chinese(lang)
    indent = "text-indent: 2em; margin: 0;" if chinese else "margin: 0 0 8pt 0;"
    font = '"WenQuanYi Micro Hei", sans-serif' if chinese else '"Times New Roman", serif'
    body = "\n".join(f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <title>{html.escape(title, quote=False)}</title>
  <style>
    @page {{ size: A4; margin: 2cm; }}
    body {{ font-family: {font}; font-size: 11pt; line-height: 1.5; }}
    h1 {{ font-size: 16pt; margin: 0 0 12pt 0; }}
    p {{ {indent} }}
  </style>
</head>
<body>
<h1>{html.escape(title, quote=False)}</h1>
{body}
</body>
</html>
""".encode()
