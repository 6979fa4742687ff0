"""Verification of presented bytes and digests against the registered corpus and the chain.

The read-only tests share one seeded registry per store kind (``corpus_registry``);
the tests that change the chain or the store get their own (``seeded``).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.adapters.chain import InMemoryChain
from registry.adapters.store import SqlStore, sql
from registry.core.canonical import UTF8_BOM, WHITE_SPACE, canonicalize
from registry.core.diff import ParagraphChange
from registry.core.hexstr import to_hex
from registry.core.identity import LOCAL_CHAIN_NOTE
from registry.core.records import DocumentStatus, InclusionProof
from registry.core.verdict import Verdict
from registry.errors import DocumentTooLarge, EmptyDocument, InvalidIdentifier
from registry.service import RegistryService
from tests.service.conftest import Seeded, seed
from tests.service.corpus import (
    CorpusArticle,
    article,
    corpus_articles,
    insert_paragraph,
    remove_paragraph,
    replace_paragraph,
    swap_paragraphs,
    unique_paragraph,
)

PREFIXES = ("000", "001", "002", "003", "004")
UNRELATED = (
    b"Minutes of the parish council.\n\nThe hedges will be trimmed in May.\n\n"
    b"Tea was served; nobody mentioned a blockchain.\n"
)


def _assert_anchored_evidence(seeded: Seeded, verdict: Verdict, registered: CorpusArticle) -> None:
    """The verdict's anchor and status are the chain's, for the corpus batch."""
    chain = seeded.chain
    root = seeded.root
    on_chain = chain.get_batch(root)
    found = chain.find_anchor(root)
    assert on_chain is not None
    assert found is not None
    assert verdict.registered_digest == registered.digest.hex()
    assert verdict.state == "anchored"
    assert verdict.status is DocumentStatus.ACTIVE
    assert verdict.revocation_reason is None
    assert verdict.superseded_by is None
    anchor = verdict.anchor
    assert anchor is not None
    assert anchor.batch_root == to_hex(root)
    assert anchor.block_number == on_chain.block_number
    assert anchor.block_timestamp == on_chain.timestamp
    assert anchor.registrar == on_chain.registrar == chain.registrar
    assert anchor.transaction_hash == to_hex(found.tx_hash)
    assert anchor.chain_id == chain.chain_id
    assert anchor.contract == chain.contract_address


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_corpus_article_is_authentic(corpus_registry: Seeded, prefix: str) -> None:
    registered = article(prefix)

    verdict = corpus_registry.service.verify_content(registered.data)

    assert verdict.kind == "authentic"
    assert verdict.presented_digest == registered.digest.hex()
    assert verdict.similarity == 1.0
    assert verdict.changes == ()
    assert verdict.formatting_differences == ()
    assert verdict.is_current
    _assert_anchored_evidence(corpus_registry, verdict, registered)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def _bom(data: bytes) -> bytes:
    return UTF8_BOM + data


def _trailing_space(data: bytes) -> bytes:
    return b"\n".join(line + b" " if line.strip() else line for line in data.split(b"\n"))


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(
    ("transform", "differences"),
    [
        (_crlf, ("line endings",)),
        (_bom, ("byte order mark",)),
        (_trailing_space, ("trailing whitespace",)),
        (lambda data: _bom(_crlf(data)), ("byte order mark", "line endings")),
        (lambda data: data + b"\n\n", ("blank lines", "final newline")),
    ],
    ids=["crlf", "bom", "trailing-space", "bom-crlf", "appended-newlines"],
)
def test_a_reformatted_copy_is_authentic_normalized(
    corpus_registry: Seeded,
    prefix: str,
    transform: Callable[[bytes], bytes],
    differences: tuple[str, ...],
) -> None:
    registered = article(prefix)
    copy = transform(registered.data)

    verdict = corpus_registry.service.verify_content(copy)

    assert verdict.kind == "authentic_normalized"
    assert verdict.formatting_differences == differences
    assert verdict.presented_digest == hashlib.sha256(copy).digest().hex()
    assert verdict.is_current
    _assert_anchored_evidence(corpus_registry, verdict, registered)


def test_an_nfd_copy_is_authentic_normalized(corpus_registry: Seeded) -> None:
    # 002 is the article whose pinyin tone marks decompose under NFD
    registered = article("002")
    copy = unicodedata.normalize("NFD", registered.data.decode("utf-8")).encode("utf-8")
    assert copy != registered.data

    verdict = corpus_registry.service.verify_content(copy)

    assert verdict.kind == "authentic_normalized"
    assert verdict.formatting_differences == ("unicode normalization",)
    _assert_anchored_evidence(corpus_registry, verdict, registered)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_one_edited_paragraph_is_named(corpus_registry: Seeded, prefix: str) -> None:
    registered = article(prefix)
    index = unique_paragraph(registered)
    old = registered.paragraphs[index]
    new = old + " (edited)"

    verdict = corpus_registry.service.verify_content(replace_paragraph(registered, index, new))

    assert verdict.kind == "modified"
    assert verdict.changes == (
        ParagraphChange(
            kind="changed",
            registered_index=index,
            presented_index=index,
            registered_text=old,
            presented_text=new,
        ),
    )
    n = len(registered.paragraphs)
    assert verdict.similarity == pytest.approx((2 * (n - 1)) / (2 * n))
    assert f"-{old}\n+{new}" in verdict.unified_diff
    assert not verdict.is_current
    _assert_anchored_evidence(corpus_registry, verdict, registered)


@pytest.mark.parametrize(
    ("prefix", "replacement"),
    [
        ("004", "产业园区是区域经济发展的次要推动力。"),
        ("002", "產業園區是區域經濟發展的次要推動力。"),
    ],
    ids=["zh-Hans", "zh-Hant"],
)
def test_an_edited_chinese_paragraph_is_named(
    corpus_registry: Seeded, prefix: str, replacement: str
) -> None:
    registered = article(prefix)
    assert registered.metadata.language == ("zh-Hans" if prefix == "004" else "zh-Hant")
    index = unique_paragraph(registered)
    # a one-character edit in the middle of the paragraph
    old = registered.paragraphs[index]
    new = old[:10] + ("不" if old[10] != "不" else "是") + old[11:]

    verdict = corpus_registry.service.verify_content(replace_paragraph(registered, index, new))

    assert verdict.kind == "modified"
    assert [(c.kind, c.registered_index, c.presented_index) for c in verdict.changes] == [
        ("changed", index, index)
    ]
    assert verdict.changes[0].presented_text == new

    # a wholly different sentence in place of the paragraph is still "changed" at that index
    replaced = corpus_registry.service.verify_content(
        replace_paragraph(registered, index, replacement)
    )
    assert replaced.kind == "modified"
    assert [(c.kind, c.registered_index, c.presented_index) for c in replaced.changes] == [
        ("changed", index, index)
    ]


def test_an_added_paragraph_is_named(corpus_registry: Seeded) -> None:
    registered = article("003")
    index = unique_paragraph(registered)
    new = "This sentence was never in the registered article."

    verdict = corpus_registry.service.verify_content(insert_paragraph(registered, index, new))

    assert verdict.kind == "modified"
    assert verdict.changes == (
        ParagraphChange(kind="added", presented_index=index, presented_text=new),
    )
    _assert_anchored_evidence(corpus_registry, verdict, registered)


def test_a_removed_paragraph_is_named(corpus_registry: Seeded) -> None:
    registered = article("000")
    index = unique_paragraph(registered)

    verdict = corpus_registry.service.verify_content(remove_paragraph(registered, index))

    assert verdict.kind == "modified"
    assert verdict.changes == (
        ParagraphChange(
            kind="removed", registered_index=index, registered_text=registered.paragraphs[index]
        ),
    )


def test_reordered_paragraphs_are_a_move(corpus_registry: Seeded) -> None:
    registered = article("001")
    index = unique_paragraph(registered)
    first, second = registered.paragraphs[index : index + 2]

    verdict = corpus_registry.service.verify_content(swap_paragraphs(registered, index))

    # A move shows as removed where it was and added where it is.
    assert verdict.kind == "modified"
    assert len(verdict.changes) == 2
    removed = next(c for c in verdict.changes if c.kind == "removed")
    added = next(c for c in verdict.changes if c.kind == "added")
    assert removed.registered_text == added.presented_text
    assert (removed.registered_index, added.presented_index) in (
        (index, index + 1),  # the first paragraph moved down
        (index + 1, index),  # the second moved up
    )
    assert removed.registered_text == (first if removed.registered_index == index else second)


def test_unrelated_text_is_unknown(corpus_registry: Seeded) -> None:
    verdict = corpus_registry.service.verify_content(UNRELATED)

    assert verdict == Verdict(
        kind="unknown",
        presented_digest=hashlib.sha256(UNRELATED).digest().hex(),
        as_of_block=corpus_registry.chain.latest_block(),
        # eth-tester's chain in this process: the verdict says its evidence is local.
        local_chain=True,
        note=LOCAL_CHAIN_NOTE,
    )
    assert not verdict.is_current


def test_a_text_sharing_one_paragraph_is_unknown(corpus_registry: Seeded) -> None:
    # one borrowed paragraph among several new ones is not a modified copy
    borrowed = article("003").paragraphs[unique_paragraph(article("003"))]
    data = UNRELATED + borrowed.encode("utf-8") + b"\n"

    assert corpus_registry.service.verify_content(data).kind == "unknown"


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02\xff", bytes(range(256)), b"\xff\xfe" + "notes".encode("utf-16-le")],
    ids=["short", "all-bytes", "utf-16"],
)
def test_binary_bytes_are_unknown(corpus_registry: Seeded, data: bytes) -> None:
    verdict = corpus_registry.service.verify_content(data)
    assert verdict.kind == "unknown"
    assert verdict.registered_digest is None
    assert verdict.anchor is None
    assert verdict.state is None


def test_blank_text_is_unknown(corpus_registry: Seeded) -> None:
    assert corpus_registry.service.verify_content(b" \n\t\n").kind == "unknown"


def test_empty_and_oversized_bytes_are_refused(corpus_registry: Seeded) -> None:
    service = corpus_registry.service
    with pytest.raises(EmptyDocument, match=r"^the presented document is empty$"):
        service.verify_content(b"")
    small = RegistryService(service.store, service.chain, max_document_bytes=10)
    with pytest.raises(
        DocumentTooLarge, match=r"^the presented document has 11 bytes; the limit is 10$"
    ):
        small.verify_content(b"x" * 11)
    assert small.verify_content(b"x" * 10).kind == "unknown"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_verify_digest_of_a_registered_article(corpus_registry: Seeded, prefix: str) -> None:
    registered = article(prefix)
    for spelling in (registered.id, "0x" + registered.id, registered.id.upper()):
        verdict = corpus_registry.service.verify_digest(spelling)
        assert verdict.kind == "authentic"
        _assert_anchored_evidence(corpus_registry, verdict, registered)


def test_verify_digest_of_an_unknown_digest(corpus_registry: Seeded) -> None:
    digest = hashlib.sha256(b"never registered").hexdigest()
    verdict = corpus_registry.service.verify_digest(digest)
    assert verdict == Verdict(
        kind="unknown",
        presented_digest=digest,
        as_of_block=corpus_registry.chain.latest_block(),
        local_chain=True,
        note=LOCAL_CHAIN_NOTE,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a hexadecimal article id"),
        ("xyz", "not a hexadecimal article id"),
        ("g" * 64, "not a hexadecimal article id"),
        ("0x", "not a hexadecimal article id"),
        ("ab" * 31 + "a", "a SHA-256 digest has exactly 64 hex digits"),
        ("abcdef01", "a SHA-256 digest has exactly 64 hex digits"),
        ("ab" * 33, "an article id has at most 64 hex digits"),
        ("abcdef0", "an id prefix needs at least 8 hex digits"),
    ],
)
def test_verify_digest_refuses_malformed_digests(
    corpus_registry: Seeded, text: str, message: str
) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        corpus_registry.service.verify_digest(text)


# -- the chain decides -----------------------------------------------------------------


def test_status_is_read_fresh_from_the_chain(seeded: Seeded) -> None:
    registered = article("001")
    stored = seeded.service.store.get_document(registered.digest)
    assert stored is not None
    assert stored.batch_root is not None
    # Revoked on chain behind the service's back.
    seeded.chain.revoke_document(
        InclusionProof(root=stored.batch_root, proof=stored.proof, digests=stored.digests),
        "withdrawn by the publisher",
    )
    assert stored.status.status is DocumentStatus.ACTIVE  # the index has not heard of it

    verdict = seeded.service.verify_content(registered.data)

    assert verdict.kind == "authentic"
    assert verdict.status is DocumentStatus.REVOKED
    assert verdict.revocation_reason == "withdrawn by the publisher"
    assert not verdict.is_current
    # The index follows the chain.
    refreshed = seeded.service.store.get_document(registered.digest)
    assert refreshed is not None
    assert refreshed.status.status is DocumentStatus.REVOKED
    assert refreshed.status.reason == "withdrawn by the publisher"
    record = seeded.service.article(registered.id)
    assert (record.status, record.revocation_reason) == (
        DocumentStatus.REVOKED,
        "withdrawn by the publisher",
    )
    # A reformatted copy carries the same status.
    normalized = seeded.service.verify_content(_crlf(registered.data))
    assert (normalized.kind, normalized.status) == ("authentic_normalized", DocumentStatus.REVOKED)


def test_a_supersession_on_chain_shows_in_the_verdict(seeded: Seeded) -> None:
    older, newer = (seeded.service.store.get_document(article(p).digest) for p in ("000", "003"))
    assert older is not None
    assert newer is not None
    assert older.batch_root is not None
    assert newer.batch_root is not None
    seeded.chain.supersede_document(
        InclusionProof(root=older.batch_root, proof=older.proof, digests=older.digests),
        InclusionProof(root=newer.batch_root, proof=newer.proof, digests=newer.digests),
    )

    verdict = seeded.service.verify_digest(article("000").id)

    assert verdict.status is DocumentStatus.SUPERSEDED
    assert verdict.superseded_by == article("003").digest.hex()
    assert seeded.service.article(article("000").id).superseded_by == article("003").id
    # The newer article's index entry follows when it is verified in turn.
    assert seeded.service.verify_digest(article("003").id).status is DocumentStatus.ACTIVE
    assert seeded.service.article(article("003").id).supersedes == article("000").id


# -- properties -------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    which=st.sampled_from(PREFIXES),
    position=st.integers(min_value=0),
    mask=st.integers(min_value=1, max_value=255),
)
def test_a_flipped_byte_is_never_authentic(
    corpus_registry: Seeded, which: str, position: int, mask: int
) -> None:
    registered = article(which)
    data = bytearray(registered.data)
    data[position % len(data)] ^= mask

    verdict = corpus_registry.service.verify_content(bytes(data))

    assert verdict.kind != "authentic"
    assert verdict.presented_digest != registered.digest.hex()
    if verdict.kind == "authentic_normalized":
        # only a layout byte (a line break, trailing white space) can flip that harmlessly
        canonical = canonicalize(bytes(data))
        assert canonical is not None
        assert canonical.paragraphs == registered.paragraphs
    elif verdict.kind == "modified":
        assert verdict.registered_digest == registered.digest.hex()
        assert verdict.changes
    else:
        assert verdict.kind == "unknown"


_CORPUS_PARAGRAPHS = sorted({p for a in corpus_articles() for p in a.paragraphs})
_LINE = st.one_of(
    st.sampled_from(_CORPUS_PARAGRAPHS),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["", " ", "\r", "\ufeff", WHITE_SPACE]),
)


@settings(max_examples=40, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=3000),
        st.lists(_LINE, max_size=12).map(lambda lines: "\n".join(lines).encode("utf-8")),
    )
)
def test_verify_content_gives_a_verdict_for_any_bytes(corpus_registry: Seeded, data: bytes) -> None:
    service = RegistryService(
        corpus_registry.service.store, corpus_registry.chain, max_document_bytes=2048
    )
    if not data:
        with pytest.raises(EmptyDocument):
            service.verify_content(data)
        return
    if len(data) > 2048:
        with pytest.raises(DocumentTooLarge):
            service.verify_content(data)
        return

    verdict = service.verify_content(data)

    assert verdict.presented_digest == hashlib.sha256(data).digest().hex()
    registered = {a.digest.hex() for a in corpus_articles()}
    if verdict.kind == "unknown":
        assert verdict.registered_digest is None
    else:
        assert verdict.registered_digest in registered
        assert verdict.state == "anchored"
        assert verdict.anchor is not None


@pytest.mark.parametrize(
    "key", [lambda digest: 0, lambda digest: digest[0] % 2], ids=["one key", "two keys"]
)
def test_the_closest_article_is_found_when_paragraph_keys_collide(
    monkeypatch: pytest.MonkeyPatch,
    sql_store: SqlStore,
    chain: InMemoryChain,
    key: Callable[[bytes], int],
) -> None:
    # The SQL paragraph index keys a paragraph by 8 bytes of its digest; with every paragraph
    # under one or two keys, each lookup meets every article, and only the confirmation by
    # full digest tells them apart.
    monkeypatch.setattr(sql, "paragraph_key", key)
    seeded = seed(RegistryService(sql_store, chain))
    for prefix in PREFIXES:
        registered = article(prefix)
        index = unique_paragraph(registered)
        edited = replace_paragraph(registered, index, "A paragraph no article has.")

        verdict = seeded.service.verify_content(edited)

        assert verdict.kind == "modified"
        assert verdict.registered_digest == registered.digest.hex()
        assert [(c.kind, c.registered_index) for c in verdict.changes] == [("changed", index)]
        quote = seeded.service.verify_quote(registered.paragraphs[index])
        assert (quote.found, quote.article_id) == (True, registered.id)
    assert seeded.service.verify_content(UNRELATED).kind == "unknown"
