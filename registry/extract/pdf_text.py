"""The readable paragraphs of a PDF, read by pdfminer.six in a child process with limits.

Why pdfminer.six, and how paragraphs are rebuilt: :mod:`registry.extract.pdf_layout`.
Why a child process: :mod:`registry.extract.pdf_worker` (no in-process bound exists for
inflating a PDF's streams). Starting it costs a Python start and pdfminer's import
(a few hundred milliseconds), small beside a PDF's layout analysis and paid only for
PDFs. The child gets no environment beyond ``PATH`` and ``PYTHONPATH``: the server's
secrets stay in the server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Final

from registry.errors import ExtractionFailed
from registry.extract.model import Extraction, library_version
from registry.extract.paragraphs import MAX_OUTPUT_CHARS

MAX_PDF_BYTES: Final = 64 * 1024 * 1024
"""Largest PDF read (a long report with images is a few megabytes)."""

MAX_PDF_PAGES: Final = 2000
"""Most pages read; a PDF with more is refused, not cut short."""

MAX_PDF_MEMORY: Final = 1536 * 1024 * 1024
"""The child's address space: Python, pdfminer.six and its CMaps, and the layout."""

MAX_PDF_SECONDS: Final = 120
"""CPU seconds the child may use; the wall-clock wait allows the same again."""

_ROOT: Final = Path(__file__).resolve().parents[2]


def extract_pdf(data: bytes) -> Extraction:
    """The paragraphs of a PDF (furniture left out, wrapped lines joined).

    Raises :class:`ExtractionFailed` for anything that is not a readable PDF within
    the bounds: malformed, truncated or encrypted files, too many pages or
    characters, too much memory or time, or no text at all (a scan).
    """
    if len(data) > MAX_PDF_BYTES:
        raise ExtractionFailed(f"the PDF is larger than {MAX_PDF_BYTES:,} bytes")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(_ROOT),
        "LC_ALL": "C.UTF-8",
    }
    command = [
        sys.executable,
        "-m",
        "registry.extract.pdf_worker",
        str(MAX_PDF_MEMORY),
        str(MAX_PDF_SECONDS),
        str(MAX_PDF_PAGES),
        str(MAX_OUTPUT_CHARS),
    ]
    try:
        finished = subprocess.run(
            command,
            input=data,
            capture_output=True,
            env=environment,
            timeout=2 * MAX_PDF_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionFailed(f"reading the PDF took longer than {2 * MAX_PDF_SECONDS} s") from exc
    except OSError as exc:
        raise ExtractionFailed(f"the PDF reader could not be started: {exc}") from exc
    try:
        answer = json.loads(finished.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        # killed by a limit (SIGKILL, SIGXCPU) or crashed before answering
        raise ExtractionFailed(
            "the PDF could not be read within the memory and time limits"
            f" (reader exit status {finished.returncode})"
        )
    if "error" in answer:
        raise ExtractionFailed(str(answer["error"]))
    text = str(answer.get("text", ""))
    if not text:
        raise ExtractionFailed("the PDF has no extractable text (a scanned image?)")
    return Extraction(text=text, extractor="pdfminer.six", version=library_version("pdfminer.six"))
