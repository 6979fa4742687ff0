"""What only tests do to a registry chain: change and read the registrar role, and ask
whether a transaction is confirmed.

The product never does these (an operator manages roles with their own wallet, and the
read index follows confirmations from the chain's events), so they are not members of
the chain adapter. Reads go through the adapter's public read-only JSON-RPC
(:meth:`Web3Chain.read_rpc`); the two role changes are sent with the adapter's own
signer and nonce handling, its private ``_transact``, so that they never race the
adapter's other writes for a nonce.
"""

from __future__ import annotations

from typing import Any

from eth_abi import abi
from web3 import Web3

from registry.adapters.chain import Web3Chain
from registry.core.records import TxInfo
from registry.read_rpc import answer

REGISTRAR_ROLE = Web3.keccak(text="REGISTRAR_ROLE")


def _calldata(signature: str, account: str) -> bytes:
    selector = Web3.keccak(text=signature)[:4]
    address = Web3.to_checksum_address(account)
    return selector + abi.encode(["bytes32", "address"], [REGISTRAR_ROLE, address])


def _set_role(chain: Web3Chain, signature: str, account: str) -> TxInfo:
    data = Web3.to_hex(_calldata(signature, account))
    receipt = chain._transact(signature, data, to=chain.contract_address)
    return chain._tx_info(receipt)


def grant_registrar(chain: Web3Chain, account: str) -> TxInfo:
    """Give ``account`` the registrar role (the chain's signer must be admin)."""
    return _set_role(chain, "grantRole(bytes32,address)", account)


def revoke_registrar(chain: Web3Chain, account: str) -> TxInfo:
    """Take the registrar role from ``account`` (the chain's signer must be admin)."""
    return _set_role(chain, "revokeRole(bytes32,address)", account)


def is_registrar(chain: Web3Chain, account: str) -> bool:
    """Whether ``account`` holds the registrar role now (``hasRole`` through ``eth_call``)."""
    call = {
        "to": chain.contract_address,
        "data": Web3.to_hex(_calldata("hasRole(bytes32,address)", account)),
    }
    result: str = answer(chain, "eth_call", [call, "latest"])
    return int(result, 16) == 1


def is_confirmed(chain: Web3Chain, tx: TxInfo) -> bool:
    """Whether ``tx`` succeeded, is still in block ``tx.block_number`` and has the chain's
    required confirmations (its own block included)."""
    receipt: dict[str, Any] | None = answer(
        chain, "eth_getTransactionReceipt", ["0x" + tx.tx_hash.hex()]
    )
    if receipt is None:
        return False
    if int(receipt["blockNumber"], 16) != tx.block_number or int(receipt["status"], 16) != 1:
        return False
    return chain.confirmations_of(tx.block_number) >= chain.confirmations
