"""The core against the protocol's known-answer vectors, on every supported Python.

The vectors (``tests/vectors/protocol_vectors.json``) come from
``tests/vectors/generate_protocol.mjs``, an implementation independent of this core
(Node, @openzeppelin/merkle-tree, the npm ``canonicalize``); their inputs are written by
hand in ``tests/vectors/protocol_cases.mjs``. Python 3.12 and 3.13 have later Unicode
data than the protocol's 14.0.0, so the same check runs there too, in small venvs.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from registry.core.digests import EMPTY_PARAGRAPH_ROOT
from registry.core.hexstr import to_hex
from registry.core.unicode14 import UNICODE_VERSION
from tests.vectors import pythons
from tests.vectors.check_protocol import (
    VECTORS_PATH,
    document_problems,
    load_vectors,
    metadata_problems,
    unicode_rule_problems,
)

VECTORS = load_vectors()
DOCUMENTS: list[dict[str, Any]] = VECTORS["documents"]
METADATA: list[dict[str, Any]] = VECTORS["metadata"]
HEX32 = re.compile(r"0x[0-9a-f]{64}")


def test_vectors_name_their_format_and_unicode_version() -> None:
    assert (VECTORS["format"], VECTORS["version"]) == ("policy-registry-protocol-vectors", "1")
    assert VECTORS["unicode"] == UNICODE_VERSION == "14.0.0"


def test_vectors_have_every_kind_of_case() -> None:
    names = [case["name"] for case in DOCUMENTS]
    assert len(names) == len(set(names))
    assert len(names) >= 150
    binary = [case for case in DOCUMENTS if not case["text"]]
    empty_texts = [case for case in DOCUMENTS if case["text"] and not case["paragraphs"]]
    assert len(binary) >= 20
    assert len(empty_texts) >= 8
    assert all(case["paragraphRoot"] == to_hex(EMPTY_PARAGRAPH_ROOT) for case in binary)
    assert all(case["paragraphRoot"] == to_hex(EMPTY_PARAGRAPH_ROOT) for case in empty_texts)
    issue_bytes = {case["bytes"] for case in DOCUMENTS if case["name"].startswith("issue:")}
    assert issue_bytes == {"61cd85f091bd81", "f096849ef096849e", "d8a8e0a297d996"}
    assert sum(name.startswith("new mark U+") for name in names) == 76
    assert sum(name.startswith("corpus ") for name in names) == 5
    assert {True, False} <= {case["valid"] for case in METADATA}
    assert len(METADATA) >= 40


def test_vector_hex_is_lowercase_with_0x() -> None:
    for case in DOCUMENTS:
        digests = [case["contentDigest"], case["paragraphRoot"], case["metadataDigest"]]
        assert all(HEX32.fullmatch(digest) for digest in [*digests, case["leaf"]])
        assert all(HEX32.fullmatch(digest) for digest in case["paragraphDigests"])
        assert re.fullmatch(r"(?:[0-9a-f]{2})*", case["bytes"])


@pytest.mark.parametrize("case", DOCUMENTS, ids=[case["name"] for case in DOCUMENTS])
def test_document_vector(case: dict[str, Any]) -> None:
    assert document_problems(case) == []


@pytest.mark.parametrize("case", METADATA, ids=[case["name"] for case in METADATA])
def test_metadata_vector(case: dict[str, Any]) -> None:
    assert metadata_problems(case) == []


def test_unicode_rule_where_the_core_normalizes() -> None:
    assert unicode_rule_problems() == []


@pytest.mark.parametrize("minor", pythons.OTHER_VERSIONS)
def test_vectors_pass_on_other_python(minor: str) -> None:
    """The same check under Python 3.12 (Unicode 15.0) and 3.13 (Unicode 15.1)."""
    result = pythons.run_check(minor)
    summary = f"{len(DOCUMENTS)} document and {len(METADATA)} metadata vectors, 0 disagreements"
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Python {minor}." in result.stdout
    assert summary in result.stdout


def test_vectors_are_what_the_generator_writes(tmp_path: Path) -> None:
    """The committed vectors are up to date with protocol_cases.mjs and the generator."""
    out = tmp_path / "protocol_vectors.json"
    subprocess.run(
        ["node", str(VECTORS_PATH.parent / "generate_protocol.mjs"), str(out)],
        check=True,
        capture_output=True,
        cwd=pythons.ROOT,
    )
    generated = json.loads(out.read_text(encoding="utf-8"))
    generated.pop("generator")
    assert generated == {key: value for key, value in VECTORS.items() if key != "generator"}
