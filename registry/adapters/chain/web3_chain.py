"""The PolicyRegistry contract through web3: the one implementation behind every chain adapter.

Each adapter builds a ``Web3`` for its transport (eth-tester in memory, eth-tester on a
durable database, an HTTP JSON-RPC node) and a signer, and hands them to
:class:`Web3Chain`, which

- signs locally and sends raw transactions, holding a lock from nonce choice to send so
  that concurrent callers in one process never share a nonce;
- checks every write before sending it (``eth_call`` or ``eth_estimateGas``), so a
  revert is reported by its custom error name and nothing failing is mined;
- translates every library exception into :mod:`registry.errors` at this edge.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Self, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import ABIEvent, ChecksumAddress, HexStr
from eth_utils.abi import event_abi_to_log_topic
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    BadFunctionCallOutput,
    BlockNotFound,
    CannotHandleRequest,
    ProviderConnectionError,
    RequestTimedOut,
    TimeExhausted,
    TransactionIndexingInProgress,
    TransactionNotFound,
)
from web3.types import FilterParams, LogReceipt, TxParams, TxReceipt

from registry.adapters.chain.revert import RevertDecoder, revert_of
from registry.adapters.chain.wire import node_read
from registry.artifact import contract_abi, contract_bytecode
from registry.core.identity import LOCAL_CHAIN_IDS
from registry.core.records import (
    ZERO32,
    BatchRecord,
    ChainEventKind,
    DocumentDigests,
    DocumentStatus,
    InclusionProof,
    OnChainStatus,
    TxInfo,
)
from registry.errors import (
    ChainError,
    ChainUnavailable,
    ContractNotDeployed,
    InputError,
    InvalidIdentifier,
    RegistryError,
    TransactionReverted,
)
from registry.ports import (
    BatchAnchored,
    Deployment,
    DocumentRevoked,
    DocumentSuperseded,
    RegistrarGrant,
    RegistryEvent,
)

ZERO_ADDRESS: Final = "0x0000000000000000000000000000000000000000"
REGISTRAR_ROLE: Final = Web3.keccak(text="REGISTRAR_ROLE")
MAX_DOCUMENT_COUNT: Final = 2**32 - 1
MAX_PROOF_LENGTH: Final = 256
ROLE_RESCAN_DEPTH: Final = 64
"""Blocks of role events read again on each refresh of the registrars (reorganisations)."""
# Signers whose private keys are published: eth-tester's accounts (keys 1 to 10) and
# anvil's (its "test test ... junk" mnemonic). Anything they sign, anyone could have signed.
WELL_KNOWN_SIGNERS: Final = frozenset(
    {Account.from_key(number.to_bytes(32, "big")).address for number in range(1, 11)}
    | {
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
        "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
        "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
        "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
        "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
        "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
    }
)

_STATUS_BY_CODE: Final = {
    0: DocumentStatus.ACTIVE,
    1: DocumentStatus.REVOKED,
    2: DocumentStatus.SUPERSEDED,
}
# Libraries whose exceptions this edge translates; anything else is a bug and propagates.
_LIBRARY_PACKAGES: Final = frozenset(
    {"web3", "eth_tester", "eth", "eth_utils", "eth_abi", "eth_account", "eth_keys", "hexbytes"}
)
_UNREACHABLE: Final = (
    OSError,  # includes every requests exception (connection refused, timeout, HTTP error)
    ProviderConnectionError,
    CannotHandleRequest,
    RequestTimedOut,
)


@dataclass(frozen=True, slots=True)
class GasPolicy:
    """How a write gets its gas limit and fees.

    With ``fixed_gas`` the write is checked with one ``eth_call`` and sent with that limit
    (a local chain, where estimation would only repeat the execution); without it the
    write is estimated, which is also the check. Fees left ``None`` are asked from the node.
    """

    fixed_gas: int | None = None
    estimate_margin_percent: int = 25
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None


class Web3Chain:
    """:class:`registry.ports.ChainPort` over a ``Web3`` and a local signer.

    ``contract_address`` may be None until :meth:`deploy_registry` binds one. Write methods
    return once the transaction is mined (polling for the receipt at growing intervals up
    to ``receipt_poll_interval``, for at most ``receipt_timeout`` seconds).
    ``log_block_span`` splits :meth:`events` into queries of that many blocks, the most
    many nodes answer at once.
    """

    def __init__(
        self,
        w3: Web3,
        signer: LocalAccount,
        contract_address: str | None,
        *,
        gas: GasPolicy,
        chain_id: int | None = None,
        confirmations: int = 1,
        receipt_timeout: float = 120.0,
        receipt_poll_interval: float = 1.0,
        log_block_span: int | None = None,
        deployment: Deployment | None = None,
    ) -> None:
        if confirmations < 1:
            raise InputError("confirmations must be at least 1")
        self._w3 = w3
        self._signer = signer
        # View calls name a sender, so that web3 does not look one up (eth_accounts and a
        # checksum of each account on every call: ~40% of a view call on eth-tester).
        w3.eth.default_account = signer.address
        self._gas = gas
        self._confirmations = confirmations
        self._receipt_timeout = receipt_timeout
        self._receipt_poll_interval = receipt_poll_interval
        self._log_block_span = log_block_span
        self._chain_id = chain_id
        self._reverts = RevertDecoder(contract_abi())
        self._registry_factory = w3.eth.contract(abi=contract_abi(), bytecode=contract_bytecode())
        self._event_kinds = {
            HexBytes(event_abi_to_log_topic(cast(ABIEvent, entry))): ChainEventKind(entry["name"])
            for entry in contract_abi()
            if entry["type"] == "event" and entry["name"] in _EVENT_NAMES
        }
        # Topics travel as hex strings: eth-tester's provider does not format HexBytes filters.
        self._topic_by_kind = {
            kind: HexStr(topic.to_0x_hex()) for topic, kind in self._event_kinds.items()
        }
        # Held from nonce choice to send; the node's pending count and our own next nonce
        # together cover both other processes using the key and a lagging node. Reentrant
        # so an adapter can hold it around a deployment; taken before any adapter lock.
        self._send_lock = threading.RLock()
        self._next_nonce: int | None = None
        # Guards the bound contract only; never held during a request.
        self._state_lock = threading.Lock()
        self._contract: Contract | None = None
        self._contract_checked = False
        self._deployment = deployment
        # Role events of the registrar role seen so far: (contract, last block read,
        # [(block, log index, granted?, account, transaction)]); see registrar_grants.
        self._roles_lock = threading.Lock()
        self._role_logs: tuple[str, int, list[tuple[int, int, bool, str, bytes]]] | None = None
        if contract_address is not None:
            self._bind(_checksum("contract address", contract_address), checked=False)

    # -- identity ---------------------------------------------------------------------

    @property
    def chain_id(self) -> int:
        known = self._chain_id
        if known is None:
            # Asked outside any lock (no I/O under a lock); two first callers both ask, harmlessly.
            with self._translated("read the chain id"):
                known = self._w3.eth.chain_id
            self._chain_id = known
        return known

    @property
    def contract_address(self) -> str:
        return self._require_contract(check=False).address

    @property
    def registrar(self) -> str:
        address: str = self._signer.address
        return address

    @property
    def local_chain(self) -> bool:
        return self.chain_id in LOCAL_CHAIN_IDS

    @property
    def well_known_key(self) -> bool:
        """True when the signer's private key is published (a development account)."""
        return self.registrar in WELL_KNOWN_SIGNERS

    @property
    def known_deployment(self) -> Deployment | None:
        """The deployment if this process knows it already (no request)."""
        return self._deployment

    def deployment(self) -> Deployment:
        """The contract's deployment; found on first use if not given or recorded.

        The contract records its deployment block (``deploymentBlock()``); the transaction
        in that block that created the contract is its deployment. Three requests or so,
        and no old state: any node that keeps blocks and receipts answers.
        """
        known = self._deployment
        if known is None:
            known = self._find_deployment()
            self._deployment = known
        return known

    def registrar_grants(self) -> list[RegistrarGrant]:
        """``RoleGranted`` minus later ``RoleRevoked`` events of the registrar role, in the
        order they were granted, scanned from the deployment block.

        The role events seen are kept: a later call reads only the blocks since, from
        :data:`ROLE_RESCAN_DEPTH` blocks back (a reorganisation may have replaced them).
        """
        contract = self._require_contract()
        deployment = self.deployment()
        last = self.latest_block()
        with self._roles_lock:
            known = self._role_logs
            if known is None or known[0] != contract.address or known[1] > last:
                start, kept = deployment.block_number, []
            else:
                start = max(deployment.block_number, known[1] - ROLE_RESCAN_DEPTH + 1)
                kept = [entry for entry in known[2] if entry[0] < start]
            topics = [[_ROLE_GRANTED_TOPIC, _ROLE_REVOKED_TOPIC], REGISTRAR_ROLE.to_0x_hex()]
            logs: list[LogReceipt] = []
            with self._translated("read registrar roles"):
                for first, end in _block_spans(start, last, self._log_block_span):
                    query: FilterParams = {
                        "address": contract.address,
                        "fromBlock": first,
                        "toBlock": end,
                        "topics": cast(Any, topics),
                    }
                    logs.extend(self._w3.eth.get_logs(query))
            entries = kept + sorted(
                (
                    log["blockNumber"],
                    log["logIndex"],
                    HexBytes(log["topics"][0]) == HexBytes(_ROLE_GRANTED_TOPIC),
                    Web3.to_checksum_address(bytes(log["topics"][2])[-20:]),
                    bytes(log["transactionHash"]),
                )
                for log in logs
            )
            self._role_logs = (contract.address, last, entries)
        holders: dict[str, RegistrarGrant] = {}
        for block_number, _index, granted, account, tx_hash in entries:
            if granted:
                holders.setdefault(account, RegistrarGrant(account, block_number, tx_hash))
            else:
                holders.pop(account, None)
        return list(holders.values())

    @property
    def confirmations(self) -> int:
        return self._confirmations

    def latest_block(self) -> int:
        with self._translated("read the latest block"):
            return self._w3.eth.block_number

    def head(self) -> tuple[int, bytes]:
        with self._translated("read the latest block"):
            block = self._w3.eth.get_block("latest")
        return int(block["number"]), bytes(block["hash"])

    # -- writes -----------------------------------------------------------------------

    def deploy_registry(self, initial_registrar: str | None = None) -> str:
        """Deploy a new PolicyRegistry (the signer is admin) and bind this chain to it.

        ``initial_registrar`` defaults to the signer; pass :data:`ZERO_ADDRESS` for none.
        """
        registrar = self.registrar if initial_registrar is None else initial_registrar
        registrar = _checksum("registrar", registrar)
        data = self._registry_factory.constructor(registrar).data_in_transaction
        receipt = self._transact("deploy the registry", HexStr(data), to=None)
        address = receipt["contractAddress"]
        if address is None:
            raise ChainError("the deployment receipt names no contract address")
        self._bind(Web3.to_checksum_address(address), checked=True)
        self._role_logs = None
        self._deployment = Deployment(
            transaction_hash=bytes(receipt["transactionHash"]),
            block_number=receipt["blockNumber"],
        )
        return self.contract_address

    def anchor_batch(self, root: bytes, document_count: int, label: str) -> TxInfo:
        _require_digest("root", root)
        if not 0 <= document_count <= MAX_DOCUMENT_COUNT:
            raise InputError(f"document_count must be between 0 and {MAX_DOCUMENT_COUNT}")
        contract = self._require_contract()
        data = contract.encode_abi("anchorBatch", args=[root, document_count, label])
        return self._tx_info(self._transact("anchor a batch", data, to=contract.address))

    def revoke_document(self, document: InclusionProof, reason: str) -> TxInfo:
        contract = self._require_contract()
        data = contract.encode_abi("revokeDocument", args=[_proof_struct(document), reason])
        return self._tx_info(self._transact("revoke a document", data, to=contract.address))

    def supersede_document(self, older: InclusionProof, newer: InclusionProof) -> TxInfo:
        contract = self._require_contract()
        args = [_proof_struct(older), _proof_struct(newer)]
        data = contract.encode_abi("supersedeDocument", args=args)
        return self._tx_info(self._transact("supersede a document", data, to=contract.address))

    # -- reads ------------------------------------------------------------------------

    def get_batch(self, root: bytes) -> BatchRecord | None:
        _require_digest("root", root)
        with self._translated("read a batch"):
            registrar, timestamp, block_number, count, label = self._views().getBatch(root).call()
        if timestamp == 0:
            return None
        return BatchRecord(
            root=root,
            registrar=Web3.to_checksum_address(registrar),
            timestamp=timestamp,
            block_number=block_number,
            document_count=count,
            label=label,
        )

    def find_anchor(self, root: bytes) -> TxInfo | None:
        # The batch record names the block, so the log query covers one block, never a scan.
        batch = self.get_batch(root)
        if batch is None:
            return None
        query: FilterParams = {
            "address": self._require_contract().address,
            "fromBlock": batch.block_number,
            "toBlock": batch.block_number,
            "topics": [
                self._topic_by_kind[ChainEventKind.BATCH_ANCHORED],
                HexStr("0x" + root.hex()),
            ],
        }
        with self._translated("find an anchor"):
            logs = self._w3.eth.get_logs(query)
        if not logs:
            return None
        return TxInfo(
            tx_hash=bytes(logs[0]["transactionHash"]),
            block_number=logs[0]["blockNumber"],
            block_timestamp=batch.timestamp,
            sender=batch.registrar,
        )

    def verify_document(
        self, root: bytes, proof: Sequence[bytes], digests: DocumentDigests
    ) -> bool:
        _require_digest("root", root)
        _require_proof(proof)
        with self._translated("verify a document"):
            included: bool = (
                self._views().verifyDocument(root, list(proof), *digests.leaf_value).call()
            )
        return included

    def document_status(self, content_digest: bytes) -> OnChainStatus:
        _require_digest("content digest", content_digest)
        # One call, so the four fields come from one state of the chain.
        with self._translated("read a document status"):
            code, reason, superseded_by, supersedes = (
                self._views().getDocument(content_digest).call()
            )
        return OnChainStatus(
            status=_STATUS_BY_CODE[code],
            reason=str(reason),
            superseded_by=bytes(superseded_by) if bytes(superseded_by) != ZERO32 else None,
            supersedes=bytes(supersedes) if bytes(supersedes) != ZERO32 else None,
        )

    def events(self, from_block: int = 0, to_block: int | None = None) -> list[RegistryEvent]:
        if from_block < 0:
            raise InputError("from_block must not be negative")
        address = self._require_contract().address
        head = self.latest_block()
        last = head if to_block is None else min(to_block, head)
        logs: list[LogReceipt] = []
        with self._translated("read registry events"):
            for start, end in _block_spans(from_block, last, self._log_block_span):
                logs.extend(
                    self._w3.eth.get_logs({"address": address, "fromBlock": start, "toBlock": end})
                )
            timestamps: dict[int, int] = {}
            decoded = [self._decode_event(log, timestamps) for log in logs]
        found = [event for event in decoded if event is not None]
        found.sort(key=lambda event: (event.tx.block_number, event.log_index))
        return found

    # -- confirmations ----------------------------------------------------------------

    def confirmations_of(self, block_number: int) -> int:
        """How many blocks, counting ``block_number`` itself, the chain has on top of it."""
        return max(0, self.latest_block() - block_number + 1)

    def resync_nonce(self) -> None:
        """Take the next nonce from the node again: a reorganisation dropped our writes.

        Without this the next write would reuse our own count, now ahead of the chain's,
        and wait in the node's queue until the receipt timeout.
        """
        self._forget_nonce()

    def block_hash(self, block_number: int) -> bytes | None:
        """The hash of the chain's block ``block_number`` now; None beyond the head."""
        if block_number < 0:
            raise InputError("a block number is not negative")
        with self._translated("read a block"):
            try:
                block = self._w3.eth.get_block(block_number)
            except BlockNotFound:
                return None
        return bytes(block["hash"])

    def read_rpc(self, method: str, params: list[Any]) -> Any:
        """A read-only JSON-RPC call, checked by :mod:`registry.read_rpc`, as the node answers."""
        # The node's own wire form passes through untouched.
        return node_read(self._w3, method, params)

    def close(self) -> None:
        """Nothing to release here; adapters that hold resources override this."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        address = self._contract.address if self._contract is not None else None
        return (
            f"{type(self).__name__}(chain_id={self._chain_id!r}, "
            f"contract_address={address!r}, registrar={self.registrar!r})"
        )

    # -- internals --------------------------------------------------------------------

    def _bind(self, address: ChecksumAddress, *, checked: bool) -> None:
        with self._state_lock:
            self._contract = self._w3.eth.contract(address=address, abi=contract_abi())
            self._contract_checked = checked

    def _require_contract(self, *, check: bool = True) -> Contract:
        with self._state_lock:
            contract, checked = self._contract, self._contract_checked
        if contract is None:
            raise ContractNotDeployed("no registry contract is configured for this chain")
        if check and not checked:
            with self._translated("read the contract code"):
                code = self._w3.eth.get_code(contract.address)
            if not code:
                raise ContractNotDeployed(f"no contract code at {contract.address}")
            self._deployment_block(contract)  # a registry of this version answers it
            with self._state_lock:
                if self._contract is contract:
                    self._contract_checked = True
        return contract

    def _deployment_block(self, contract: Contract) -> int:
        """The contract's own record of the block it was created in.

        ``ContractNotDeployed`` if it has none: a registry contract older than 2.0.0 (whose
        status reads this code no longer makes) or another contract altogether.
        """
        try:
            with self._translated("read the deployment block"):
                block_number = int(contract.functions.deploymentBlock().call())
        except TransactionReverted as exc:
            raise ContractNotDeployed(
                f"the contract at {contract.address} has no deploymentBlock(): it is not a "
                "PolicyRegistry of version 2 (an older registry, or another contract); "
                "deploy a new registry with `policy-registry deploy`"
            ) from exc
        return block_number

    def _find_deployment(self) -> Deployment:
        contract = self._require_contract()
        address = contract.address
        block_number = self._deployment_block(contract)
        with self._translated("find the contract's deployment"):
            block = self._w3.eth.get_block(block_number, full_transactions=True)
            for transaction in block["transactions"]:
                if not isinstance(transaction, Mapping) or transaction.get("to"):
                    continue  # only a transaction without a recipient creates a contract
                receipt = self._w3.eth.get_transaction_receipt(transaction["hash"])
                created = receipt.get("contractAddress")
                if created is not None and Web3.to_checksum_address(created) == address:
                    return Deployment(
                        transaction_hash=bytes(receipt["transactionHash"]),
                        block_number=block_number,
                    )
        raise ChainError(
            f"the contract {address} was created in block {block_number}, but no transaction "
            "there created it directly (a factory?)"
        )

    def _forget_nonce(self) -> None:
        """Take the next nonce from the node again (after the chain dropped our writes)."""
        with self._send_lock:
            self._next_nonce = None

    def _views(self) -> Any:
        return self._require_contract().functions

    def _transact(self, action: str, data: HexStr, *, to: str | None) -> TxReceipt:
        call: TxParams = {"from": self._signer.address, "data": data}
        if to is not None:
            call["to"] = Web3.to_checksum_address(to)
        chain_id = self.chain_id
        with self._translated(action):
            gas = self._checked_gas_limit(call)
            tx_hash = self._sign_and_send(call, gas, chain_id)
            try:
                receipt = self._await_receipt(tx_hash)
            except TimeExhausted:
                # The transaction may have been dropped; take the nonce from the node again.
                self._forget_nonce()
                raise
            if receipt["status"] != 1:
                self._raise_replayed_revert(action, call, receipt)
        return receipt

    def _await_receipt(self, tx_hash: HexBytes) -> TxReceipt:
        # Poll soon, then back off: a dev node mines in milliseconds, a public chain in seconds.
        deadline = time.monotonic() + self._receipt_timeout
        delay = 0.005
        while True:
            try:
                return self._w3.eth.get_transaction_receipt(tx_hash)
            except (TransactionNotFound, TransactionIndexingInProgress):
                pass
            if time.monotonic() >= deadline:
                raise TimeExhausted(f"transaction 0x{bytes(tx_hash).hex()} not mined in time")
            time.sleep(delay)
            delay = min(2 * delay, self._receipt_poll_interval)

    def _checked_gas_limit(self, call: TxParams) -> int:
        if self._gas.fixed_gas is not None:
            self._w3.eth.call({**call, "gas": self._gas.fixed_gas}, "latest")
            return self._gas.fixed_gas
        estimate = self._w3.eth.estimate_gas(call)
        return estimate + estimate * self._gas.estimate_margin_percent // 100

    def _fees(self) -> tuple[int, int]:
        priority = self._gas.max_priority_fee_per_gas
        if priority is None:
            priority = self._w3.eth.max_priority_fee
        max_fee = self._gas.max_fee_per_gas
        if max_fee is None:
            base_fee = self._w3.eth.get_block("latest").get("baseFeePerGas", 0)
            max_fee = 2 * base_fee + priority
        return max_fee, priority

    def _sign_and_send(self, call: TxParams, gas: int, chain_id: int) -> HexBytes:
        max_fee, priority = self._fees()
        with self._send_lock:
            pending = self._w3.eth.get_transaction_count(self._signer.address, "pending")
            nonce = pending if self._next_nonce is None else max(pending, self._next_nonce)
            transaction: dict[str, Any] = {
                "type": 2,
                "chainId": chain_id,
                "nonce": nonce,
                "gas": gas,
                "maxFeePerGas": max_fee,
                "maxPriorityFeePerGas": priority,
                "value": 0,
                "data": call["data"],
            }
            if "to" in call:
                transaction["to"] = call["to"]
            signed = self._signer.sign_transaction(transaction)
            try:
                tx_hash = self._w3.eth.send_raw_transaction(signed.raw_transaction)
            except BaseException:
                # The node may or may not have taken this nonce: ask it again next time.
                self._next_nonce = None
                raise
            self._next_nonce = nonce + 1
        return tx_hash

    def _raise_replayed_revert(self, action: str, call: TxParams, receipt: TxReceipt) -> None:
        # The check passed but the transaction failed (the state moved in between):
        # replaying it on the block it landed in recovers the custom error.
        try:
            self._w3.eth.call(call, receipt["blockNumber"])
        except Exception as exc:
            revert = revert_of(exc, self._reverts)
            if revert is None:
                raise
            raise TransactionReverted(
                f"{action}: {revert.describe()}", error_name=revert.name
            ) from exc
        raise TransactionReverted(f"{action}: reverted on chain", error_name=None)

    def _tx_info(self, receipt: TxReceipt) -> TxInfo:
        with self._translated("read a block"):
            block = self._w3.eth.get_block(receipt["blockNumber"])
        return TxInfo(
            tx_hash=bytes(receipt["transactionHash"]),
            block_number=receipt["blockNumber"],
            block_timestamp=int(block["timestamp"]),
            sender=self.registrar,
        )

    def _decode_event(self, log: LogReceipt, timestamps: dict[int, int]) -> RegistryEvent | None:
        if not log["topics"]:
            return None
        kind = self._event_kinds.get(HexBytes(log["topics"][0]))
        if kind is None:
            return None  # a role event of AccessControl, not part of the registry's history
        event = self._require_contract(check=False).events[kind.value]().process_log(log)
        block_number = log["blockNumber"]
        if block_number not in timestamps:
            timestamps[block_number] = self._log_timestamp(log)
        args = {name: _plain(value) for name, value in event["args"].items()}
        tx = TxInfo(
            tx_hash=bytes(log["transactionHash"]),
            block_number=block_number,
            block_timestamp=timestamps[block_number],
            # Every registry event names its registrar, the direct caller of the contract.
            sender=str(args["registrar"]),
        )
        index = log["logIndex"]
        # The only place that reads the Solidity argument names: typed values from here on.
        if kind is ChainEventKind.BATCH_ANCHORED:
            return BatchAnchored(
                root=_arg_bytes(args, "root"),
                document_count=int(cast(int, args["documentCount"])),
                label=str(args["label"]),
                tx=tx,
                log_index=index,
            )
        if kind is ChainEventKind.DOCUMENT_REVOKED:
            return DocumentRevoked(
                content_digest=_arg_bytes(args, "contentDigest"),
                root=_arg_bytes(args, "root"),
                reason=str(args["reason"]),
                tx=tx,
                log_index=index,
            )
        return DocumentSuperseded(
            older=_arg_bytes(args, "oldContentDigest"),
            newer=_arg_bytes(args, "newContentDigest"),
            tx=tx,
            log_index=index,
        )

    def _log_timestamp(self, log: LogReceipt) -> int:
        # Recent nodes (geth 1.16, anvil) put the block time in each log; others need the block.
        stamped = cast(dict[str, Any], log).get("blockTimestamp")
        if isinstance(stamped, str):
            return int(stamped, 16)
        if isinstance(stamped, int):
            return stamped
        return int(self._w3.eth.get_block(log["blockNumber"])["timestamp"])

    @contextmanager
    def _translated(self, action: str) -> Iterator[None]:
        """Translate library exceptions raised while doing ``action`` into registry errors."""
        try:
            yield
        except RegistryError:
            raise
        except Exception as exc:
            error = self._registry_error(action, exc)
            if error is None:
                raise
            raise error from exc

    def _registry_error(self, action: str, exc: Exception) -> RegistryError | None:
        revert = revert_of(exc, self._reverts)
        if revert is not None:
            return TransactionReverted(f"{action}: {revert.describe()}", error_name=revert.name)
        if isinstance(exc, TimeExhausted):
            return ChainUnavailable(
                f"{action}: the transaction was not mined within {self._receipt_timeout:g} s"
            )
        if isinstance(exc, _UNREACHABLE):
            # The library's message may repeat the node URL, which can carry credentials.
            return ChainUnavailable(f"{action}: the chain is unreachable ({type(exc).__name__})")
        if isinstance(exc, BadFunctionCallOutput):
            return ContractNotDeployed(f"{action}: the registry contract returned no data")
        if type(exc).__module__.partition(".")[0] in _LIBRARY_PACKAGES:
            return ChainError(f"{action} failed: {type(exc).__name__}: {exc}")
        return None


_EVENT_NAMES: Final = frozenset(kind.value for kind in ChainEventKind)
_ROLE_GRANTED_TOPIC: Final = HexStr(
    Web3.keccak(text="RoleGranted(bytes32,address,address)").to_0x_hex()
)
_ROLE_REVOKED_TOPIC: Final = HexStr(
    Web3.keccak(text="RoleRevoked(bytes32,address,address)").to_0x_hex()
)


def _checksum(name: str, address: str) -> ChecksumAddress:
    if not isinstance(address, str) or not Web3.is_address(address):
        raise InvalidIdentifier(f"{name} is not an Ethereum address")
    return Web3.to_checksum_address(address)


def _require_digest(name: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidIdentifier(f"{name} must be 32 bytes")


def _require_proof(proof: Sequence[bytes]) -> None:
    if len(proof) > MAX_PROOF_LENGTH:
        raise InputError(f"a proof has at most {MAX_PROOF_LENGTH} nodes")
    for node in proof:
        _require_digest("proof node", node)


def _proof_struct(document: InclusionProof) -> tuple[bytes, list[bytes], bytes, bytes, bytes]:
    _require_proof(document.proof)
    return (document.root, list(document.proof), *document.digests.leaf_value)


def _plain(value: object) -> object:
    # Event arguments leave the adapter as plain Python values, not web3's HexBytes.
    return bytes(value) if isinstance(value, bytes) else value


def _block_spans(first: int, last: int, span: int | None) -> Iterator[tuple[int, int]]:
    if span is None:
        if first <= last:
            yield first, last
        return
    start = first
    while start <= last:
        end = min(last, start + span - 1)
        yield start, end
        start = end + 1


def _arg_bytes(args: dict[str, object], name: str) -> bytes:
    value = args[name]
    if not isinstance(value, bytes):
        raise TypeError(f"event argument {name} is not bytes32")
    return value
