"""Check the Python core against every protocol vector; runs on any supported Python.

    python tests/vectors/check_protocol.py   (with the repository root on PYTHONPATH)

prints one line per disagreement and exits 1 if there is any. The test suite imports
the two ``*_problems`` functions for the main Python and runs this file as a script
under the other supported Pythons (``tests/vectors/pythons.py``), whose ``unicodedata``
are later Unicode versions than the protocol's.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from registry.core.canonical import (
    FormattingProfile,
    canonicalize,
    canonicalize_text,
    decode_text,
    formatting_differences,
    is_empty_text,
    is_nfc,
    nfc,
    split_passage,
)
from registry.core.digests import content_digest, digest_document, document_leaf, metadata_digest
from registry.core.encodings import decode_as
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentDigests
from registry.errors import InvalidMetadata

VECTORS_PATH = Path(__file__).resolve().parent / "protocol_vectors.json"


def load_vectors() -> dict[str, Any]:
    vectors: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return vectors


def _differs(what: str, computed: object, expected: object) -> list[str]:
    if computed == expected:
        return []
    return [f"{what}: computed {str(computed)[:200]}, expected {str(expected)[:200]}"]


def document_problems(case: dict[str, Any]) -> list[str]:
    """How the core disagrees with one document vector; empty when it agrees."""
    data = bytes.fromhex(case["bytes"])
    if "encoding" in case:
        return encoded_document_problems(case, data)
    digested = digest_document(data, case["metadata"])
    digests = digested.digests
    canonical = canonicalize(data)
    paragraphs = list(canonical.paragraphs) if canonical is not None else []
    problems = [
        *_differs("text", canonical is not None, case["text"]),
        *_differs("paragraphs", paragraphs, case["paragraphs"]),
        *_differs(
            "paragraph digests",
            [to_hex(digest) for digest in digested.paragraph_digests],
            case["paragraphDigests"],
        ),
        *_differs("paragraph root", to_hex(digests.paragraph_root), case["paragraphRoot"]),
        *_differs("content digest", to_hex(digests.content_digest), case["contentDigest"]),
        *_differs("metadata digest", to_hex(digests.metadata_digest), case["metadataDigest"]),
        *_differs(
            "metadata digest (object)",
            to_hex(metadata_digest(case["metadata"])),
            case["metadataDigest"],
        ),
        *_differs("leaf", to_hex(document_leaf(digests)), case["leaf"]),
        *_differs("empty text", is_empty_text(data), case["text"] and not case["paragraphs"]),
    ]
    if decode_text(data) is not None:
        # a passage given as str (a quote) follows the same rules, its leading BOM included
        passage = data.decode("utf-8")
        problems += _differs("split_passage", list(split_passage(passage)), case["paragraphs"])
    return problems


def encoded_document_problems(case: dict[str, Any], data: bytes) -> list[str]:
    """A document in a named encoding (§2.1): decoded by ``decode_as``, else binary."""
    text = decode_as(data, case["encoding"])
    if text is None:
        digested = digest_document(b"\xff", case["metadata"])  # binary: no paragraphs
        paragraph_root, paragraphs = digested.digests.paragraph_root, []
        leaf_digests = DocumentDigests(
            content_digest(data), paragraph_root, digested.digests.metadata_digest
        )
    else:
        digested = digest_document(data, case["metadata"], text)
        paragraphs = list(canonicalize_text(text).paragraphs)
        leaf_digests = digested.digests
    return [
        *_differs("text", text is not None, case["text"]),
        *_differs("paragraphs", paragraphs, case["paragraphs"]),
        *_differs(
            "paragraph digests",
            [to_hex(digest) for digest in digested.paragraph_digests] if text is not None else [],
            case["paragraphDigests"],
        ),
        *_differs("paragraph root", to_hex(leaf_digests.paragraph_root), case["paragraphRoot"]),
        *_differs("content digest", to_hex(leaf_digests.content_digest), case["contentDigest"]),
        *_differs("leaf", to_hex(document_leaf(leaf_digests)), case["leaf"]),
    ]


def metadata_problems(case: dict[str, Any]) -> list[str]:
    """How the core's metadata validation and digest disagree with one metadata vector."""
    try:
        parsed = ArticleMetadata.parse(case["input"])
    except InvalidMetadata as exc:
        if case["valid"]:
            return [f"refused valid metadata: {exc}"]
        field = case["error"].split(":", 1)[0]
        if not str(exc).startswith(f"{field}:"):
            return [f"refused for another reason: {exc}, expected {case['error']}"]
        return []
    if not case["valid"]:
        return [f"accepted invalid metadata ({case['error']})"]
    return [
        *_differs("canonical JSON", parsed.canonical_json().decode("utf-8"), case["canonicalJson"]),
        *_differs("digest", to_hex(parsed.digest()), case["digest"]),
        *_differs("digest of the input", to_hex(metadata_digest(case["input"])), case["digest"]),
    ]


# Texts in NFC by the protocol's rule that a later Unicode's plain NFC would change
# (issue 13's examples and characters assigned in 15.0-16.0), with their NFD'd neighbours.
RULE_EXAMPLES = (
    "a\u0345\U00011f41",
    "\U0001611e\U0001611e",
    "\u0628\u0897\u0656",
    "\U000105d2\u0307",
    "\U00016d63\U00016d67",
    "a\u0345\U0001e4ec",
)


def unicode_rule_problems() -> list[str]:
    """Where the rule is used beyond canonicalize(): the profile, differences, passages."""
    problems: list[str] = []
    for text in RULE_EXAMPLES:
        data = text.encode("utf-8")
        profile = FormattingProfile.of(data)
        if nfc(text) != text or not is_nfc(text) or profile is None or not profile.nfc:
            problems.append(f"{data.hex()} is NFC by the rule, but the core says it is not")
        decomposed = f"e\u0301 {text} A\u030a"
        composed = f"\u00e9 {text} \u00c5"
        if nfc(decomposed) != composed or is_nfc(decomposed):
            problems.append(f"runs around {data.hex()} are not normalized each on its own")
        crlf = (text + "\r\n").encode("utf-8")
        if formatting_differences(data, crlf) != ("line endings", "final newline"):
            problems.append(f"formatting differences of {data.hex()} name more than its layout")
        if split_passage(text) != (text,):
            problems.append(f"split_passage changes {data.hex()}")
    return problems


def main() -> int:
    vectors = load_vectors()
    failures = (
        [
            f"document {case['name']!r}: {problem}"
            for case in vectors["documents"]
            for problem in document_problems(case)
        ]
        + [
            f"metadata {case['name']!r}: {problem}"
            for case in vectors["metadata"]
            for problem in metadata_problems(case)
        ]
        + unicode_rule_problems()
    )
    for failure in failures:
        print(failure)
    python = ".".join(map(str, sys.version_info[:3]))
    print(
        f"Python {python} (unicodedata {unicodedata.unidata_version}): "
        f"{len(vectors['documents'])} document and {len(vectors['metadata'])} metadata vectors, "
        f"{len(failures)} disagreements"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
