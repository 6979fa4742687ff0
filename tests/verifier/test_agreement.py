"""The browser verifier and the Python core agree on canonical text and on quote locations.

Random texts built from the hard parts of canonicalization (combining marks whose order
newer Unicode versions change, characters assigned after Unicode 14, unassigned code points,
Hangul jamo, White_Space and its look-alikes, every line break, BOMs, invalid UTF-8) must give
the same paragraphs in Node (whose ICU is newer than Unicode 14) as in Python 3.11 (Unicode
14); quote locations must agree, offsets counted in code points.
"""

from __future__ import annotations

import json
import random
import subprocess
from typing import Any, Final

from registry.core.canonical import canonicalize, split_passage
from registry.core.quotes import locate_passage
from tests.verifier.node import ROOT, node_binary

AGREE: Final = ROOT / "tests" / "verifier" / "agree.mjs"
SEED: Final = 13
CASES: Final = 3_000
POOL: Final = [
    "a",
    "e",
    "Z",
    "中",
    "\u0301",  # combining acute
    "\u0345",  # ypogegrammeni: reordered before Kawi U+11F41 by newer NFC
    "\U00011f41",  # Kawi, assigned in Unicode 15
    "\U0001611e",  # Kirat Rai (Unicode 16): U+1611E U+1611E composes to U+16121 there
    "\u0628",
    "\u0897",  # ARABIC PEPET, assigned after Unicode 14 (a combining mark)
    "\u0656",
    "\u1100",
    "\u1161",
    "\u11a8",  # Hangul jamo: compose under NFC
    "\u0378",  # unassigned
    "\U0001fabf",  # unassigned in 14, assigned later
    "\u200b",  # not White_Space
    "\u180e",  # not White_Space since Unicode 6.3
    "\x1c",  # not White_Space (str.isspace says it is)
    " ",
    "\t",
    "\u3000",
    "\u00a0",
    "\u2028",
    "\x85",
    "\r",
    "\n",
    "\r\n",
    "\ufeff",
    "👩\u200d👩\u200d👧",
    "\ufb01",  # a compatibility ligature: NFC keeps it
    "\u212b",  # ANGSTROM SIGN: NFC maps it to U+00C5
]
BYTES_POOL: Final = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xf4\x90\x80\x80"]


def agree(documents: list[bytes], quotes: list[tuple[list[str], str]]) -> dict[str, Any]:
    payload = {
        "documents": [d.hex() for d in documents],
        "quotes": [{"article": article, "passage": passage} for article, passage in quotes],
    }
    completed = subprocess.run(
        [node_binary(), str(AGREE)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer


def random_documents(rng: random.Random) -> list[bytes]:
    documents = []
    for _ in range(CASES):
        text = "".join(rng.choice(POOL) for _ in range(rng.randint(0, 24))).encode()
        if rng.random() < 0.1:  # now and then, bytes that are not UTF-8 or a BOM
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(BYTES_POOL) + text[at:]
        documents.append(text)
    return documents


def test_canonical_paragraphs_agree_on_random_hard_texts() -> None:
    documents = random_documents(random.Random(SEED))
    answer = agree(documents, [])
    disagreements = []
    for data, js in zip(documents, answer["documents"], strict=True):
        canonical = canonicalize(data)
        python = list(canonical.paragraphs) if canonical is not None else None
        if python != js:
            disagreements.append((data.hex(), python, js))
    assert disagreements == []
    assert any(js is None for js in answer["documents"])  # binary cases were among them
    assert sum(bool(js) for js in answer["documents"]) > CASES // 2


def test_quote_locations_agree_offsets_in_code_points() -> None:
    article = [
        "Kawi a\u0345\U00011f41 and \U0001611e\U0001611e then the measure",
        "第一条 为加快区块链技术应用。",
        "👩\u200d👩\u200d👧 family emoji before the quote",
        "last paragraph",
    ]
    passages = [
        "the measure",
        "the measure\n第一条 为加快",
        "技术应用",
        "family emoji",
        "then the measure\n第一条 为加快区块链技术应用。\n👩",
        "第一条 为加快区块链技术应用。\r\n👩\u200d👩\u200d👧 family emoji before the quote",
        "e\u0301",  # NFC: é, nowhere
        "absent",
        "",
        "  last paragraph  ",
    ]
    answer = agree([], [(article, passage) for passage in passages])
    for passage, js in zip(passages, answer["quotes"], strict=True):
        python = locate_passage(article, split_passage(passage)).model_dump()
        assert js == python, passage
    kinds = {quote["kind"] for quote in answer["quotes"]}
    assert kinds == {"whole", "partial", "absent"}
