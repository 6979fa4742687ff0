"""The child process that reads a PDF: limits first, then pdfminer.six, then one JSON line.

pdfminer.six inflates streams without a bound and may recurse or loop on crafted
files, so the PDF is read here, in a process whose address space and CPU time are
capped before the PDF's bytes are even read: a decompression bomb ends in a
MemoryError or the kernel's limit, not in the server. Reads the PDF on stdin, writes
``{"text": ...}`` or ``{"error": ...}`` on stdout.
"""

from __future__ import annotations

import json
import logging
import resource
import sys

from pdfminer.pdfdocument import PDFPasswordIncorrect

from registry.errors import ExtractionFailed
from registry.extract.paragraphs import TextBuilder
from registry.extract.pdf_layout import read_pdf


def _limit(kind: int, value: int) -> None:
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (value, hard if hard == resource.RLIM_INFINITY else min(value, hard)))


def main() -> None:
    """Read a PDF on stdin within the limits given as arguments; report on stdout."""
    memory, cpu_seconds, max_pages, max_chars = (int(argument) for argument in sys.argv[1:5])
    # pdfminer.six warns per font and glyph on sloppy files: nobody reads the child's stderr
    logging.disable(logging.CRITICAL)
    _limit(resource.RLIMIT_AS, memory)
    _limit(resource.RLIMIT_CPU, cpu_seconds)
    # pdfminer.six resolves nested objects recursively; a deep crafted file is refused
    sys.setrecursionlimit(4000)
    data = sys.stdin.buffer.read()
    builder = TextBuilder(max_chars)
    try:
        read_pdf(data, max_pages, builder)
        answer = {"text": builder.text}
    except ExtractionFailed as exc:
        answer = {"error": str(exc)}
    except PDFPasswordIncorrect:
        answer = {"error": "the PDF is encrypted with a password"}
    except MemoryError:
        answer = {"error": "the PDF needs more memory than allowed (a decompression bomb?)"}
    except RecursionError:
        answer = {"error": "the PDF's objects are nested too deeply"}
    except Exception as exc:  # pdfminer.six raises many kinds of errors on malformed files
        answer = {"error": f"the PDF cannot be read: {type(exc).__name__}: {exc}"[:300]}
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode("utf-8"))


if __name__ == "__main__":
    main()
