"""Readable text of HTML pages and PDFs: the paragraphs of a document's text rendition.

The registry compares documents paragraph by paragraph; an HTML page or a PDF has
paragraphs only once its readable text is extracted. This package does that and only
that (the intake decides when, decodes pages, stores renditions):

- :func:`sniff_format` tells HTML and PDF from other bytes, and
  :func:`html_declared_charset` reads a page's ``<meta charset>`` as browsers do;
- :func:`extract_html` keeps the main content of a decoded page (trafilatura);
- :func:`extract_pdf` rebuilds the paragraphs of a PDF (pdfminer.six), in a child
  process with memory and time limits, since PDFs are parsed from users' uploads.

Every :class:`Extraction` is one paragraph per line, white space squeezed
(:func:`squeeze_whitespace`), and names the extractor and its version: the
rendition is what that version of that extractor read, which is why the content
digest, not the rendition, proves the exact bytes. Anything that cannot be read
raises :class:`~registry.errors.ExtractionFailed` and nothing else.
"""

from __future__ import annotations

from registry.errors import ExtractionFailed
from registry.extract.html_text import MAX_HTML_CHARS, extract_html
from registry.extract.model import Extraction
from registry.extract.paragraphs import MAX_OUTPUT_CHARS, squeeze_whitespace
from registry.extract.pdf_text import MAX_PDF_BYTES, MAX_PDF_PAGES, extract_pdf
from registry.extract.sniff import html_declared_charset, sniff_format

__all__ = [
    "MAX_HTML_CHARS",
    "MAX_OUTPUT_CHARS",
    "MAX_PDF_BYTES",
    "MAX_PDF_PAGES",
    "Extraction",
    "ExtractionFailed",
    "extract_html",
    "extract_pdf",
    "html_declared_charset",
    "sniff_format",
    "squeeze_whitespace",
]
