"""Audit and rebuild: the local index checked against the chain, or rebuilt from it.

These are the paths that distrust the index. :class:`Auditor` re-checks stored
articles from their stored bytes up to the contract (its records, its event log, its
``verifyDocument``) and reports what disagrees; it writes nothing. :meth:`Auditor.rebuild`
reconstructs the index (batches, leaves, proofs, statuses, paragraph index, cursor) from
the contract's events and the stored documents.

**Rebuild.** The chain holds roots, not membership. Each document records the batch the
anchorer put it in; the documents of each such group give a tree whose root is looked up
among the anchored roots (a batch's tree does not depend on the order the group is read
in: leaves are in content-digest order). Groups matching no anchored root become pending
batches, which the anchorer then anchors; documents in no group stay queued.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from registry.core.batch import build_batch
from registry.core.digests import content_digest, digest_document, document_leaf, metadata_digest
from registry.core.hexstr import to_hex
from registry.core.identity import (
    LOCAL_CHAIN_NOTE,
    Pins,
    check_node_chain,
    check_receipt_pins,
    check_registrar_pinned,
)
from registry.core.merkle import process_proof
from registry.core.receipt import (
    Receipt,
    check_receipt_anchor,
    check_receipt_document,
)
from registry.core.records import DocumentDigests, OnChainStatus
from registry.core.verdict import Anchor, AnchorState
from registry.errors import InputError, VerificationError
from registry.follower import statuses_from
from registry.ids import stored
from registry.models import ArticleCheck, AuditReport, RebuildReport, ReceiptCheck
from registry.ports import (
    BatchAnchored,
    BatchState,
    ChainPort,
    DocumentEntry,
    IndexCursor,
    IndexedBatch,
    IndexedLeaf,
    MetadataVersion,
    StoredBatch,
    StoredDocument,
    StorePort,
)

RESTORE_HINT = (
    "register the genuine file again, or run `policy-registry audit --repair FOLDER` on a "
    "folder holding it, to restore the stored copy"
)


@dataclass
class _AuditContext:
    """The chain's facts an audit fetches once: each batch's checked anchor, every status."""

    check_anchor: Callable[[StoredBatch], Anchor]
    statuses: dict[bytes, OnChainStatus]
    anchors: dict[bytes, Anchor | str] = field(default_factory=dict)

    def anchor(self, batch: StoredBatch) -> Anchor | str:
        """The batch's anchor checked against the chain, or what is wrong with it."""
        if batch.root not in self.anchors:
            try:
                self.anchors[batch.root] = self.check_anchor(batch)
            except VerificationError as exc:
                self.anchors[batch.root] = str(exc)
        return self.anchors[batch.root]


class Auditor:
    """Checks the index against the chain, and rebuilds it from the chain."""

    def __init__(self, store: StorePort, chain: ChainPort) -> None:
        self.store = store
        self.chain = chain

    def check_article(self, article_id: str) -> ArticleCheck:
        """Re-check a stored article from its stored bytes up to the chain."""
        return self._check(stored(self.store, article_id))

    def _rendition(self, digest: bytes) -> str | None:
        """A document's stored text rendition (None: its text is its UTF-8 bytes, or none).

        The paragraph root is checked against it: a decoded rendition is re-derivable from
        the bytes and its recorded encoding, an extracted one is what the registrant
        committed to; the content digest checks the bytes either way."""
        rendition = self.store.get_renditions([digest], with_text=True).get(digest)
        return rendition.text if rendition is not None else None

    def audit(self, from_block: int = 0) -> AuditReport:
        """Every stored article (each metadata version's leaf included) and batch re-checked;
        ``ok`` only if nothing is off."""
        failures: list[ArticleCheck] = []
        leaves: dict[bytes, list[tuple[int | None, DocumentDigests]]] = {}
        checked = pending = 0
        context = _AuditContext(self._checked_anchor, statuses_from(self.chain.events(from_block)))
        corrections: dict[bytes, list[MetadataVersion]] = {}
        for version in self.store.iter_metadata_versions():
            corrections.setdefault(version.content_digest, []).append(version)
            if version.batch_root is not None:
                leaves.setdefault(version.batch_root, []).append(
                    (version.leaf_index, version.digests)
                )
        for document in self.store.iter_documents():
            checked += 1
            if document.batch_root is not None:
                leaves.setdefault(document.batch_root, []).append(
                    (document.leaf_index, document.digests)
                )
            result = self._check(document, context, corrections.get(document.content_digest, ()))
            if result.state != "anchored":
                pending += 1
            if not result.ok:
                failures.append(result)
        batch_problems: list[str] = []
        batches = self.store.list_batches()
        for batch in batches:
            batch_problems.extend(_batch_tree_problems(batch, leaves.get(batch.root, [])))
        return AuditReport(
            ok=not failures and not batch_problems,
            articles_checked=checked,
            batches_checked=len(batches),
            pending=pending,
            failures=tuple(failures),
            batch_problems=tuple(batch_problems),
        )

    def _check(
        self,
        document: StoredDocument,
        audit: _AuditContext | None = None,
        corrections: Iterable[MetadataVersion] | None = None,
    ) -> ArticleCheck:
        """Re-check one stored article up to the chain.

        Alone (``audit`` None) it asks the contract itself: ``verifyDocument`` on the
        stored leaf and proof, the document's status. An audit passes the chain's facts
        fetched once for every article (each batch's anchor checked once, the statuses
        replayed from the contract's events), and the proof is checked here with the
        same OpenZeppelin rules, against a root the chain confirmed anchored.
        """
        problems: list[str] = []
        digest = document.content_digest
        data = self.store.get_content(digest)
        if data is None:
            problems.append(f"the stored bytes are missing; {RESTORE_HINT}")
        elif content_digest(data) != digest:
            problems.append(
                f"the stored bytes do not hash to the article's content digest; {RESTORE_HINT}"
            )
        else:
            recomputed = digest_document(data, document.metadata, self._rendition(digest))
            if recomputed.digests.paragraph_root != document.digests.paragraph_root:
                problems.append("the stored bytes do not give the recorded paragraph root")
            if recomputed.digests.metadata_digest != document.digests.metadata_digest:
                problems.append("the stored metadata does not give the recorded metadata digest")
        state: AnchorState = "queued"
        anchor = None
        status = None
        root = document.batch_root
        if root is not None:
            state = "pending"
            reached = process_proof(document_leaf(document.digests), document.proof)
            if reached != root:
                problems.append("the stored proof does not lead to the recorded batch root")
            batch = self.store.get_batch(root)
            if batch is None:
                problems.append(f"the recorded batch {to_hex(root)} is not in the index")
            elif batch.state is BatchState.ANCHORED:
                state = "anchored"
                checked_anchor = (
                    audit.anchor(batch) if audit is not None else self._try_anchor(batch)
                )
                if isinstance(checked_anchor, str):
                    problems.append(checked_anchor)
                else:
                    anchor = checked_anchor
                # In an audit, a proof that leads to a root the chain confirmed anchored is
                # what verifyDocument would accept (the same OpenZeppelin rules): the
                # contract is asked only about the others, to say what it makes of them.
                if (audit is None or reached != root) and not self.chain.verify_document(
                    root, document.proof, document.digests
                ):
                    problems.append(
                        "the contract's verifyDocument rejects the stored leaf and proof"
                    )
                if audit is None:
                    chain_status = self.chain.document_status(digest)
                else:
                    chain_status = audit.statuses.get(digest, OnChainStatus())
                status = chain_status.status
                if chain_status != document.status:
                    problems.append(
                        f"the index says {document.status.status}, the chain says "
                        f"{chain_status.status}: the index has not followed the chain"
                    )
        if corrections is None:  # alone: the document's corrections, read here
            corrections = self.store.get_metadata_versions([digest]).get(digest, [])
        anchor_of = audit.anchor if audit is not None else self._try_anchor
        problems.extend(self._version_problems(corrections, anchor_of))
        return ArticleCheck(
            id=digest.hex(),
            ok=not problems,
            state=state,
            problems=tuple(problems),
            status=status,
            anchor=anchor,
        )

    def _version_problems(
        self,
        versions: Iterable[MetadataVersion],
        anchor_of: Callable[[StoredBatch], Anchor | str],
    ) -> Iterator[str]:
        """What is off with a document's metadata corrections: each version's metadata
        against its metadata digest, and each batched version's leaf against its batch root
        (and the root against the chain, once anchored)."""
        for version in versions:
            name = f"metadata version {version.version}"
            if (
                metadata_digest(json.loads(version.metadata_json))
                != version.digests.metadata_digest
            ):
                yield f"{name}: the stored metadata does not give its recorded metadata digest"
            root = version.batch_root
            if root is None or version.leaf_index is None:
                continue
            if process_proof(document_leaf(version.digests), version.proof) != root:
                yield f"{name}: its stored proof does not lead to its batch root {to_hex(root)}"
            batch = self.store.get_batch(root)
            if batch is None:
                yield f"{name}: its batch {to_hex(root)} is not in the index"
            elif batch.state is BatchState.ANCHORED:
                checked = anchor_of(batch)
                if isinstance(checked, str):
                    yield f"{name}: {checked}"

    def _try_anchor(self, batch: StoredBatch) -> Anchor | str:
        try:
            return self._checked_anchor(batch)
        except VerificationError as exc:
            return str(exc)

    def _checked_anchor(self, batch: StoredBatch) -> Anchor:
        """The index's anchor of a batch, checked against the contract and its event log."""
        name = to_hex(batch.root)
        record = self.chain.get_batch(batch.root)
        if record is None or batch.tx is None:
            raise VerificationError(
                f"batch {name} is anchored in the local index but not on the chain; "
                "run `policy-registry audit`"
            )
        if record.block_number != batch.tx.block_number:
            raise VerificationError(
                f"batch {name}: the local index says block {batch.tx.block_number}, the chain "
                f"says {record.block_number}"
            )
        found = self.chain.find_anchor(batch.root)
        if found is None or found.tx_hash != batch.tx.tx_hash:
            raise VerificationError(
                f"batch {name}: the recorded anchor transaction is not the chain's"
            )
        if record.document_count != batch.document_count:
            raise VerificationError(
                f"batch {name}: {batch.document_count} documents recorded, "
                f"{record.document_count} on chain"
            )
        return Anchor(
            chain_id=self.chain.chain_id,
            contract=self.chain.contract_address,
            transaction_hash=to_hex(batch.tx.tx_hash),
            block_number=record.block_number,
            block_timestamp=record.timestamp,
            registrar=record.registrar,
        )

    # -- rebuild -------------------------------------------------------------------------

    def rebuild(self, *, from_block: int = 0) -> RebuildReport:
        """Rebuild the index from the contract's events and the stored documents.

        Batches, leaves, proofs, statuses, the paragraph index and the read index's cursor
        are replaced, in one store transaction, by what the chain and the stored documents
        (bytes and records) give; see the module docstring for how documents are matched to
        anchored roots. Nothing is sent. Raises ``ChainUnavailable`` (changing nothing) if
        the chain is down. Stop the anchorer first (the CLI holds its lease meanwhile).
        """
        if from_block < 0:
            raise InputError("from_block must not be negative")
        head = self.chain.latest_block()
        head_hash = self.chain.block_hash(head)
        events = self.chain.events(from_block, head)
        anchors: dict[bytes, BatchAnchored] = {}
        for event in events:
            if isinstance(event, BatchAnchored):
                anchors.setdefault(event.root, event)
        statuses = statuses_from(events)
        groups: dict[bytes, list[DocumentEntry | MetadataVersion]] = {}
        queued: list[tuple[bytes, tuple[bytes, ...]]] = []
        problems: list[str] = []
        labels: dict[bytes, str] = {}
        for entry in self.store.iter_document_entries():
            labels[entry.content_digest] = entry.label
            if entry.batch_root is None:
                queued.append((entry.content_digest, self._stored_paragraphs(entry, problems)))
            else:
                groups.setdefault(entry.batch_root, []).append(entry)
        # Metadata corrections are leaves of the batches the anchorer put them in too.
        for version in self.store.iter_metadata_versions():
            if version.batch_root is not None:
                groups.setdefault(version.batch_root, []).append(version)
        indexed: list[IndexedBatch] = []
        matched: list[str] = []
        pending: list[str] = []
        restored = 0
        for recorded_root in sorted(groups):
            members = sorted(groups[recorded_root], key=lambda e: e.content_digest)
            tree = build_batch([m.digests for m in members])
            anchored = anchors.pop(tree.root, None)
            # A correction is batched under its document's label, as the anchorer does.
            label, tx, state = labels.get(members[0].content_digest, ""), None, BatchState.PENDING
            if anchored is None:
                pending.append(to_hex(tree.root))
            else:
                label, tx = anchored.label, anchored.tx
                depth = head - tx.block_number + 1
                deep = depth >= self.chain.confirmations
                state = BatchState.ANCHORED if deep else BatchState.MINED
                matched.append(to_hex(tree.root))
            leaves = []
            for index, (member, proof) in enumerate(zip(members, tree.proofs(), strict=True)):
                if isinstance(member, MetadataVersion):
                    leaves.append(
                        IndexedLeaf(
                            content_digest=member.content_digest,
                            leaf_index=index,
                            proof=proof,
                            paragraph_digests=(),
                            status=OnChainStatus(),
                            version=member.version,
                        )
                    )
                    continue
                status = statuses.get(member.content_digest, OnChainStatus())
                restored += status != OnChainStatus()
                leaves.append(
                    IndexedLeaf(
                        content_digest=member.content_digest,
                        leaf_index=index,
                        proof=proof,
                        paragraph_digests=self._stored_paragraphs(member, problems),
                        status=status,
                    )
                )
            # When the index still knows the batch, its own creation time; else the earliest
            # acceptance of its documents (the chain does not say when a batch was made).
            known = self.store.get_batch(tree.root)
            created = known.created_at if known else min(_accepted_at(m) for m in members)
            batch = StoredBatch(tree.root, label, len(members), state, created, tx)
            indexed.append(IndexedBatch(batch=batch, leaves=tuple(leaves)))
        cursor = IndexCursor(head, head_hash) if head_hash is not None else None
        self.store.replace_index(indexed, queued, cursor)
        return RebuildReport(
            documents=sum(1 for b in indexed for leaf in b.leaves if leaf.version == 1)
            + len(queued),
            matched_batches=tuple(matched),
            pending_batches=tuple(pending),
            restored_statuses=restored,
            unmatched_roots=tuple(sorted(to_hex(root) for root in anchors)),
            problems=tuple(problems),
        )

    def _stored_paragraphs(self, entry: DocumentEntry, problems: list[str]) -> tuple[bytes, ...]:
        """The paragraph digests of a stored document, from its bytes if they check out."""
        data = self.store.get_content(entry.content_digest)
        if data is None or content_digest(data) != entry.content_digest:
            what = "missing" if data is None else "not the registered bytes"
            problems.append(
                f"article {entry.content_digest.hex()}: its stored bytes are {what}; "
                + RESTORE_HINT
            )
            return ()
        digested = digest_document(
            data, json.loads(entry.metadata_json), self._rendition(entry.content_digest)
        )
        if digested.digests != entry.digests:
            problems.append(
                f"article {entry.content_digest.hex()}: its stored bytes and metadata do not "
                "give its recorded digests"
            )
            return ()
        return digested.paragraph_digests


def _accepted_at(member: DocumentEntry | MetadataVersion) -> float:
    return member.accepted_at if isinstance(member, MetadataVersion) else member.registered_at


def _batch_tree_problems(
    batch: StoredBatch, leaves: Iterable[tuple[int | None, DocumentDigests]]
) -> Iterator[str]:
    """A batch's recorded root against the tree rebuilt from its leaves (documents' and
    metadata corrections'), given as (leaf index, digests)."""
    members = sorted(leaves, key=lambda leaf: leaf[0] or 0)
    name = to_hex(batch.root)
    if len(members) != batch.document_count:
        yield f"batch {name}: {batch.document_count} documents recorded, {len(members)} indexed"
        return
    if not members:
        return
    indexes = [index for index, _ in members]
    if indexes != list(range(len(members))):
        yield f"batch {name}: leaf indexes {indexes} are not 0 to {len(members) - 1}"
    try:
        tree = build_batch([digests for _, digests in members])
    except InputError as exc:
        yield f"batch {name}: {exc}"
        return
    if tree.root != batch.root:
        yield f"batch {name}: its documents' leaves give root {to_hex(tree.root)}"


def verify_receipt(
    receipt: Receipt,
    data: bytes,
    chain: ChainPort,
    pins: Pins | None = None,
    text: str | None = None,
) -> ReceiptCheck:
    """Check a document and its receipt against ``chain`` using nothing else.

    Raises :class:`~registry.errors.VerificationError` with the first thing
    that does not agree: the bytes against the receipt up to its root, the
    receipt's contract and chain against ``pins``, the node's chain against them, the
    receipt's anchor against the contract's record, the contract's own
    ``verifyDocument`` of the leaf and proof, then the batch's registrar against the
    pinned ones. Without ``pins`` the receipt is only checked against the contract it
    names itself, which proves nothing about who issued it. ``text`` is the extracted
    text of an HTML page or a PDF (receipt 1.2), which its paragraph root commits to.
    """
    root_checked = check_receipt_document(receipt, data, text)
    anchor = receipt.anchor
    if anchor is None:
        raise VerificationError("the receipt has no anchor: its batch was pending when issued")
    if pins is not None:
        check_receipt_pins(anchor.contract, anchor.chain_id, pins)
        check_node_chain(chain.chain_id, pins)
    root = bytes.fromhex(receipt.root[2:])
    batch = chain.get_batch(root)
    check_receipt_anchor(
        receipt,
        batch,
        chain_id=chain.chain_id,
        contract_address=chain.contract_address,
    )
    digests: DocumentDigests = receipt.digests()
    proof = [bytes.fromhex(node[2:]) for node in receipt.proof]
    if not chain.verify_document(root, proof, digests):
        raise VerificationError("the contract's verifyDocument rejects the receipt's proof")
    if pins is not None and batch is not None:
        check_registrar_pinned(batch.registrar, pins)
    status = chain.document_status(digests.content_digest)
    local = chain.local_chain
    return ReceiptCheck(
        valid=True,
        content_digest=digests.content_digest.hex(),
        root=receipt.root,
        chain_id=anchor.chain_id,
        contract=anchor.contract,
        status=status.status,
        revocation_reason=status.reason or None,
        superseded_by=status.superseded_by.hex() if status.superseded_by else None,
        anchor=Anchor.of(anchor),
        pinned=pins is not None,
        paragraph_root_checked=root_checked,
        local_chain=local,
        note=LOCAL_CHAIN_NOTE if local else None,
    )
