"""The founding corpus in data/ is the shared corpus byte for byte, and its manifest is whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from registry.manifest import read_manifest

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# `sha256sum ../shared/corpus/*.txt`, recorded when the corpus was brought in.
ORIGINAL_DIGESTS = {
    "000_71ba07e414263954.txt": "a494017042bee07873e057cc27c8dfd29f259b2dbd3b186148ea5b9acd4b00a0",
    "001_6cc41e8cd6bc7998.txt": "a3d1d637344d472a0258c95f7b66fb6c6dd084e82c933d1321618336b4faf5ca",
    "002_e187db9388210cba.txt": "7252991bd1cae24a4d2943be5a252df51dee5af7a84047a728e42657f5fd73c8",
    "003_049a16e2f9e4e1c6.txt": "6ec54393464954a0e7c667cbffa5576b44d3f448b358e7be67e80f0b10f5f202",
    "004_eac3c40a447bb204.txt": "be1f1a1eda72f9212cee29a08ad5165fe224afd1ab2ca8fc21381d468f709512",
}


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob("*.txt"))
    }


def test_the_corpus_files_are_the_originals_byte_for_byte() -> None:
    assert _digests(DATA / "corpus") == ORIGINAL_DIGESTS


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared corpus is not beside this checkout")
def test_the_corpus_equals_the_shared_copy() -> None:
    assert _digests(DATA / "corpus") == _digests(SHARED)


def test_the_manifest_lists_every_corpus_file_once_with_its_language() -> None:
    articles = read_manifest(DATA / "manifest.json")
    assert sorted(a.path.name for a in articles) == sorted(ORIGINAL_DIGESTS)
    for article in articles:
        assert article.metadata.language in {"en", "zh-Hans", "zh-Hant"}
        assert article.metadata.policy
