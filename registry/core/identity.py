"""The registry identity: what a verifier must pin, and the checks of a receipt against pins.

A receipt names its own chain and contract, so on its own it proves only that *some*
contract with this bytecode anchored the root: anyone can deploy the same bytecode
with another key and issue receipts for made-up documents that pass every other check.
What makes a receipt this registry's is that its contract, chain and registrar are the
ones the registry publishes, out of band, in its identity document
(``/.well-known/policy-registry.json``, camelCase):

``chainId``, ``contract``, ``deployment`` (transaction and block), ``registrars``
(each with the ``RoleGranted`` event that made it one, revoked ones left out),
``operator`` (name and URL as configured), ``localChain`` (a development chain only
its operator can see: its records are the operator's word, not independent evidence),
``wellKnownKey`` (the signer's private key is public, e.g. eth-tester's account 0 of an
old embedded data directory: anyone could have signed) and ``rpc`` (the path of the
server's read-only JSON-RPC endpoint, or null).

:class:`Pins` is what a verifier trusts, from an identity document or given by hand;
:func:`check_receipt_pins` and :func:`check_registrar_pinned` refuse, saying which, a
receipt that does not match them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import ClassVar

from pydantic import BaseModel, Field

from registry.core.hexstr import Hex32, HexAddress
from registry.core.wire import WIRE_CONFIG, TravellingModel
from registry.errors import InputError, VerificationError

IDENTITY_FORMAT = "policy-registry-identity"
IDENTITY_VERSION = "1.0"
IDENTITY_PATH = "/.well-known/policy-registry.json"
MAX_IDENTITY_BYTES = 64 * 1024
MAX_REGISTRARS = 256
LOCAL_CHAIN_IDS = frozenset({131277322940537, 31337, 1337})
"""Chain ids of development chains living on one machine (eth-tester, anvil and hardhat,
geth --dev and ganache): whatever they record is the operator's word, not public evidence."""
LOCAL_CHAIN_NOTE = "local chain: this is the operator's word, not independent evidence"
"""The one line said wherever evidence comes from a chain only the operator can see."""


class InvalidIdentity(InputError):
    """An identity document that cannot be used (too large, not JSON, wrong shape)."""


class IdentityDeployment(BaseModel):
    """The transaction that created the contract, and its block."""

    model_config = WIRE_CONFIG

    transaction_hash: Hex32
    block_number: int = Field(ge=0)


class IdentityRegistrar(BaseModel):
    """An account with the registrar role and the event that granted it."""

    model_config = WIRE_CONFIG

    address: HexAddress
    granted_in_block: int = Field(ge=0)
    transaction_hash: Hex32


class IdentityOperator(BaseModel):
    """Who runs the registry, as configured (the operator's claim, not checked)."""

    model_config = WIRE_CONFIG

    name: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2048)


class RegistryIdentity(TravellingModel):
    """The identity document; see the module docstring."""

    FORMAT: ClassVar[str] = IDENTITY_FORMAT
    MAJOR_VERSION: ClassVar[int] = 1
    MAX_JSON_BYTES: ClassVar[int] = MAX_IDENTITY_BYTES
    PARSE_ERROR: ClassVar[type[InputError]] = InvalidIdentity

    format: str = IDENTITY_FORMAT
    version: str = IDENTITY_VERSION
    chain_id: int = Field(ge=1)
    contract: HexAddress
    deployment: IdentityDeployment
    registrars: tuple[IdentityRegistrar, ...] = Field(max_length=MAX_REGISTRARS)
    operator: IdentityOperator = IdentityOperator()
    local_chain: bool
    well_known_key: bool = False
    rpc: str | None = Field(default=None, max_length=2048)

    def pins(self) -> Pins:
        return Pins(
            contract=self.contract,
            registrars=frozenset(r.address.lower() for r in self.registrars),
            chain_id=self.chain_id,
        )


@dataclass(frozen=True, slots=True)
class Pins:
    """What a verifier trusts: the registry's contract, its registrars and (if known) chain."""

    contract: str
    registrars: frozenset[str]
    """Lowercase addresses."""
    chain_id: int | None = None

    @classmethod
    def combined(
        cls,
        contract: str | None,
        registrars: Collection[str],
        identity: RegistryIdentity | None,
    ) -> Pins:
        """Pins from flags and/or an identity document; flags that contradict it are refused.

        InputError when nothing is pinned: a receipt names its own contract, and a second
        deployment of the same bytecode by another key passes every other check.
        """
        if identity is None:
            if contract is None or not registrars:
                raise InputError(
                    "pin the registry: give --identity (its identity document) or --contract "
                    "and --registrar; a receipt names its own contract, and a second "
                    "deployment of the same bytecode by another key could issue a receipt "
                    "for a made-up document that passes every other check"
                )
            return cls(contract=contract, registrars=frozenset(a.lower() for a in registrars))
        pins = identity.pins()
        if contract is not None and contract.lower() != pins.contract.lower():
            raise InputError(
                f"--contract {contract} is not the identity's contract {identity.contract}"
            )
        if registrars:
            unknown = sorted(a for a in registrars if a.lower() not in pins.registrars)
            if unknown:
                raise InputError(
                    f"--registrar {', '.join(unknown)}: not a registrar in the identity document"
                )
            return cls(
                contract=pins.contract,
                registrars=frozenset(a.lower() for a in registrars),
                chain_id=pins.chain_id,
            )
        return pins


def check_receipt_pins(receipt_contract: str, receipt_chain_id: int, pins: Pins) -> None:
    """The receipt's own contract and chain against the pins (before asking any node)."""
    if receipt_contract.lower() != pins.contract.lower():
        raise VerificationError(
            f"contract not pinned: the receipt names contract {receipt_contract}, the pinned "
            f"registry is {pins.contract} (another deployment, not this registry's receipt)"
        )
    if pins.chain_id is not None and receipt_chain_id != pins.chain_id:
        raise VerificationError(
            f"chain id not pinned: the receipt names chain {receipt_chain_id}, the pinned "
            f"registry is on chain {pins.chain_id}"
        )


def check_node_chain(node_chain_id: int, pins: Pins) -> None:
    """The node's chain against the pinned chain (a node answering for another chain)."""
    if pins.chain_id is not None and node_chain_id != pins.chain_id:
        raise VerificationError(
            f"chain id mismatch: the node answers for chain {node_chain_id}, the pinned "
            f"registry is on chain {pins.chain_id}"
        )


def check_registrar_pinned(registrar: str, pins: Pins) -> None:
    """The batch's registrar (the chain's record) against the pinned registrars."""
    if registrar.lower() not in pins.registrars:
        raise VerificationError(
            f"registrar not pinned: the batch was anchored by {registrar}, not by a pinned "
            "registrar of this registry"
        )
