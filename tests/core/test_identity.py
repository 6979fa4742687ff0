"""The identity document's shape and the pin checks of a receipt (pure, no chain)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.core.identity import (
    MAX_IDENTITY_BYTES,
    InvalidIdentity,
    Pins,
    RegistryIdentity,
    check_node_chain,
    check_receipt_pins,
    check_registrar_pinned,
)
from registry.errors import InputError, VerificationError

CONTRACT = "0x7D883C2317E4A94D3944121B06D011F1Ff9E2FFa"
OTHER_CONTRACT = "0x1111111111111111111111111111111111111111"
REGISTRAR = "0x29CAf53d27C83EB83f59AeBB5d82B8b79cd0A22c"
STRANGER = "0x2222222222222222222222222222222222222222"
CHAIN_ID = 131277322940537


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "policy-registry-identity",
        "version": "1.0",
        "chainId": CHAIN_ID,
        "contract": CONTRACT,
        "deployment": {"transactionHash": "0x" + "ab" * 32, "blockNumber": 1},
        "registrars": [
            {"address": REGISTRAR, "grantedInBlock": 1, "transactionHash": "0x" + "ab" * 32}
        ],
        "operator": {"name": "Example", "url": None},
        "localChain": True,
        "wellKnownKey": False,
        "rpc": "/rpc",
    }
    return {**document, **changes}


def test_the_document_reads_and_writes_the_agreed_camel_case_shape() -> None:
    identity = RegistryIdentity.from_json(json.dumps(_document()))
    assert json.loads(identity.to_json()) == _document()
    assert identity.pins() == Pins(
        contract=CONTRACT, registrars=frozenset({REGISTRAR.lower()}), chain_id=CHAIN_ID
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "must be a JSON object"),
        ("{", "is not JSON"),
        (json.dumps(_document(format="policy-registry-receipt")), "unknown format"),
        (json.dumps(_document(version="2.0")), "unsupported major version"),
        (json.dumps(_document(contract="0x12")), "contract"),
        (json.dumps(_document(chainId=0)), "chainId"),
        (json.dumps(_document(registrars=[{"address": REGISTRAR}] * 300)), "registrars"),
        (" " * (MAX_IDENTITY_BYTES + 1), "over"),
    ],
)
def test_an_unusable_document_is_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(InvalidIdentity, match=message):
        RegistryIdentity.from_json(text)


def test_nothing_pinned_is_refused_and_says_why() -> None:
    with pytest.raises(InputError, match="a second deployment of the same bytecode"):
        Pins.combined(None, [], None)
    with pytest.raises(InputError, match="pin the registry"):
        Pins.combined(CONTRACT, [], None)


def test_flags_that_contradict_the_identity_are_refused() -> None:
    identity = RegistryIdentity.from_json(json.dumps(_document()))
    with pytest.raises(InputError, match="not the identity's contract"):
        Pins.combined(OTHER_CONTRACT, [], identity)
    with pytest.raises(InputError, match="not a registrar in the identity"):
        Pins.combined(None, [STRANGER], identity)
    narrowed = Pins.combined(CONTRACT.lower(), [REGISTRAR.lower()], identity)
    assert narrowed.chain_id == CHAIN_ID
    assert narrowed.registrars == frozenset({REGISTRAR.lower()})


def test_receipt_checks_name_what_does_not_match_the_pins() -> None:
    pins = Pins(contract=CONTRACT, registrars=frozenset({REGISTRAR.lower()}), chain_id=CHAIN_ID)
    check_receipt_pins(CONTRACT.lower(), CHAIN_ID, pins)
    with pytest.raises(VerificationError, match="contract not pinned"):
        check_receipt_pins(OTHER_CONTRACT, CHAIN_ID, pins)
    with pytest.raises(VerificationError, match="chain id not pinned"):
        check_receipt_pins(CONTRACT, 31337, pins)
    with pytest.raises(VerificationError, match="the node answers for chain 31337"):
        check_node_chain(31337, pins)
    check_registrar_pinned(REGISTRAR, pins)
    with pytest.raises(VerificationError, match="registrar not pinned"):
        check_registrar_pinned(STRANGER, pins)


def test_pins_without_a_chain_id_check_contract_and_registrar_only() -> None:
    pins = Pins.combined(CONTRACT, [REGISTRAR], None)
    check_receipt_pins(CONTRACT, 31337, pins)
    check_node_chain(31337, pins)
