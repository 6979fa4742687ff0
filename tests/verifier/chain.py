"""Registries on real anvil nodes, and receipts for documents anchored there.

Receipts are made as the service makes them (:meth:`Receipt.issue` from the core's digests
and a real ``anchorBatch`` transaction), so the verifier is tested on what readers get,
including from deployments a reader must not trust.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from registry.adapters.chain import RpcChain, SignerKey
from registry.core.batch import BatchTree, build_batch
from registry.core.digests import digest_document
from registry.core.hexstr import to_hex
from registry.core.receipt import Receipt, ReceiptAnchor, ReceiptRendition
from tests.anvil import AnvilNode, start_anvil

OTHER_CHAIN_ID: Final = 4242


def start_node(chain_id: int) -> AnvilNode:
    """anvil answering for ``chain_id`` on a free port; returns once ``eth_chainId`` says so."""
    return start_anvil(chain_id=chain_id)


@dataclass
class Deployment:
    """The registry contract deployed on a node by one key (admin and registrar)."""

    url: str
    chain_id: int
    contract: str
    signer: SignerKey
    chain: RpcChain

    @property
    def registrar(self) -> str:
        return self.signer.address

    def pins(self) -> list[str]:
        """The verifier CLI's pin flags for this deployment."""
        return [
            "--contract",
            self.contract,
            "--registrar",
            self.registrar,
            "--chain-id",
            str(self.chain_id),
        ]

    def identity(self, *, local_chain: bool = False) -> dict[str, Any]:
        """This deployment as ``/.well-known/policy-registry.json`` describes a registry."""
        return {
            "format": "policy-registry-identity",
            "version": "1.0",
            "chainId": self.chain_id,
            "contract": self.contract,
            "deployment": {"transactionHash": "0x" + "00" * 32, "blockNumber": 1},
            "registrars": [
                {
                    "address": self.registrar,
                    "grantedInBlock": 1,
                    "transactionHash": "0x" + "00" * 32,
                }
            ],
            "operator": {"name": None, "url": None},
            "localChain": local_chain,
            "rpc": None,
        }


def deploy(node: AnvilNode, chain_id: int, key: str) -> Deployment:
    signer = SignerKey(key)
    contract = RpcChain.deploy(node.url, signer)
    chain = RpcChain(node.url, contract, signer, confirmations=1, receipt_timeout=30.0)
    return Deployment(node.url, chain_id, contract, signer, chain)


@dataclass(frozen=True)
class Issued:
    """A document, its receipt, and the batch it was anchored in."""

    data: bytes
    receipt: Receipt
    batch: BatchTree


def anchor(
    deployment: Deployment,
    documents: Sequence[tuple[bytes, Mapping[str, Any]]],
    label: str,
    renditions: Sequence[tuple[ReceiptRendition, str] | None] | None = None,
) -> list[Issued]:
    """Anchor one batch of ``documents`` (bytes, metadata) and issue each one's receipt.

    ``renditions`` gives, per document, its rendition and text when its text is not its
    UTF-8 bytes (as the registry stores them)."""
    given = list(renditions) if renditions is not None else [None] * len(documents)
    digested = [
        digest_document(data, metadata, r[1] if r is not None else None)
        for (data, metadata), r in zip(documents, given, strict=True)
    ]
    batch = build_batch([d.digests for d in digested])
    tx = deployment.chain.anchor_batch(batch.root, len(batch), label)
    anchor_json = ReceiptAnchor(
        chain_id=deployment.chain_id,
        contract=deployment.contract,
        transaction_hash=to_hex(tx.tx_hash),
        block_number=tx.block_number,
        block_timestamp=tx.block_timestamp,
        registrar=tx.sender,
    )
    return [
        Issued(
            data=data,
            receipt=Receipt.issue(
                d.digests,
                metadata,
                batch.proof_for(d.digests.content_digest),
                batch.root,
                anchor_json,
                r[0] if r is not None else None,
            ),
            batch=batch,
        )
        for (data, metadata), d, r in zip(documents, digested, given, strict=True)
    ]


def receipt_json(issued: Issued) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(issued.receipt.to_json())
    return data
