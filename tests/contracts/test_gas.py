"""Gas of the registry's operations, recorded for the terminal summary (printed, not asserted).

Figures are whole-transaction gas (``gasUsed``, including the 21,000 base and calldata)
on eth-tester's py-evm backend. The documents come from the 1,000-leaf vector tree,
so every proof has 10 nodes, as for a real batch of about a thousand documents. The
views are free through ``eth_call``; ``getDocument`` is also sent as a transaction, whose
``gasUsed`` is exact where ``estimate_gas`` rounds up.
"""

from __future__ import annotations

from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract

from tests.contracts.chain import Deployment, send
from tests.contracts.document_vectors import document_tree

REASON = "withdrawn: replaced by a new edition"


def test_record_gas_of_each_operation(
    w3: Web3,
    deployment: Deployment,
    registry: Contract,
    registrar: ChecksumAddress,
    gas_table: dict[str, int],
) -> None:
    tree = document_tree(1000)
    older, newer, revoked = tree.inclusion(0), tree.inclusion(999), tree.inclusion(500)
    label = "ipfs://bafy-20-bytes"
    assert len(label.encode()) == 20

    anchor_empty = send(w3, registry.functions.anchorBatch(tree.root, tree.size, ""), registrar)
    anchor_labelled = send(
        w3, registry.functions.anchorBatch(keccak(text="labelled"), 1, label), registrar
    )
    verify_call = registry.functions.verifyDocument(
        tree.root, list(older.proof), *older.values.as_args()
    )
    assert verify_call.call() is True
    revoke = send(
        w3, registry.functions.revokeDocument(revoked.proof_args(tree.root), REASON), registrar
    )
    supersede = send(
        w3,
        registry.functions.supersedeDocument(
            older.proof_args(tree.root), newer.proof_args(tree.root)
        ),
        registrar,
    )

    read_revoked = send(
        w3, registry.functions.getDocument(revoked.values.content_digest), registrar
    )
    read_active = send(w3, registry.functions.getDocument(newer.values.content_digest), registrar)

    proof_nodes = len(older.proof)
    assert proof_nodes == len(newer.proof) == len(revoked.proof) == 10
    reason_bytes = len(REASON.encode())
    gas_table.update(
        {
            "deployment (constructor with an initial registrar)": deployment.receipt["gasUsed"],
            'anchorBatch (label "")': anchor_empty["gasUsed"],
            "anchorBatch (20-byte label)": anchor_labelled["gasUsed"],
            f"revokeDocument ({proof_nodes}-node proof, {reason_bytes}-byte reason)": revoke[
                "gasUsed"
            ],
            f"supersedeDocument (two {proof_nodes}-node proofs)": supersede["gasUsed"],
            f"verifyDocument (estimate_gas, {proof_nodes}-node proof)": verify_call.estimate_gas(),
            "getDocument as a transaction (an active document)": read_active["gasUsed"],
            f"getDocument as a transaction (revoked, {reason_bytes}-byte reason)": read_revoked[
                "gasUsed"
            ],
        }
    )
