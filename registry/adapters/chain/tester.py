"""eth-tester's py-evm chain as a registry chain: what the in-memory and embedded adapters share.

eth-tester's ``PyEVMBackend`` is built for short test runs; :class:`RegistryTesterBackend`
keeps its behaviour but adapts it to a chain that lives for years:

- transactions and receipts are found through py-evm's transaction index instead of a
  walk back over every block;
- a block is stamped with the time its first transaction arrives, not the time the
  previous block was mined (py-evm prepares the pending header at that earlier moment);
- a hook runs after each mined block (the embedded chain commits its database there)
  and another after a failed write (it rolls back to the last committed block).

Every request goes through one lock, since neither eth-tester nor py-evm is thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from eth.chains.base import MiningChain
from eth.exceptions import TransactionNotFound as EVMTransactionNotFound
from eth.vm.forks.prague import PragueVM
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import PrivateKey
from eth_tester import EthereumTester
from eth_tester.backends.pyevm.main import (
    PyEVMBackend,
    generate_genesis_state_for_keys,
    get_default_account_keys,
    get_default_genesis_params,
)
from eth_tester.backends.pyevm.serializers import (
    serialize_transaction,
    serialize_transaction_receipt,
)
from eth_tester.exceptions import TransactionNotFound
from web3 import EthereumTesterProvider, Web3
from web3.types import RPCEndpoint, RPCResponse

from registry.adapters.chain.web3_chain import GasPolicy, Web3Chain
from registry.adapters.chain.wire import tester_call, tester_log_filter, tester_read
from registry.ports import Deployment

# eth-tester's own chain id (MainnetTesterPosChain), so tools recognise a tester chain.
TESTER_CHAIN_ID: Final = 131277322940537
DEFAULT_FORK: Final = "prague"
FORKS: Final[dict[str, Any]] = {"prague": PragueVM}
# Generous for every registry call (a revocation with a 1 KiB reason needs under 1M gas);
# fees are constant because the local base fee only falls from its 1 gwei start.
TESTER_GAS: Final = GasPolicy(
    fixed_gas=3_000_000, max_fee_per_gas=2 * 10**9, max_priority_fee_per_gas=0
)


class _TesterChainBase(MiningChain):
    """eth-tester's MainnetTesterPosChain, named at module level so it can be rebuilt."""

    def create_header_from_parent(self, parent_header: Any, **header_params: Any) -> Any:
        # Keep the gas limit constant, as eth-tester does.
        header_params["gas_limit"] = parent_header.gas_limit
        return super().create_header_from_parent(parent_header, **header_params)

    def get_transaction_builder(self) -> Any:
        return super().get_vm().get_transaction_builder()


def tester_chain_class(chain_id: int, fork: str) -> type[Any]:
    """The py-evm chain class for ``chain_id`` running ``fork`` from genesis on."""
    vm_class = FORKS[fork]
    return type(
        "RegistryTesterChain",
        (_TesterChainBase,),
        {"chain_id": chain_id, "vm_configuration": ((0, vm_class),)},
    )


def tester_account_keys() -> tuple[Any, ...]:
    """eth-tester's ten well-known default keys (private keys 1 to 10)."""
    keys: tuple[Any, ...] = get_default_account_keys()
    return keys


def tester_signer() -> LocalAccount:
    """eth-tester's first default account, the registrar of local chains."""
    signer: LocalAccount = Account.from_key(tester_account_keys()[0].to_bytes())
    return signer


def create_genesis(
    base_db: Any,
    chain_class: type[Any],
    timestamp: int,
    funded: Sequence[LocalAccount] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """A new chain in ``base_db`` and its genesis, funding ``funded`` (default: eth-tester's
    ten default accounts)."""
    genesis_params: dict[str, Any] = get_default_genesis_params(overrides={"timestamp": timestamp})
    keys = (
        tester_account_keys()
        if funded is None
        else tuple(PrivateKey(bytes(account.key)) for account in funded)
    )
    genesis_state = generate_genesis_state_for_keys(keys)
    chain = chain_class.from_genesis(base_db, genesis_params, genesis_state)
    return chain, genesis_params


class RegistryTesterBackend(PyEVMBackend):  # type: ignore[misc]  # eth-tester is untyped
    """eth-tester's py-evm backend over a given chain; see the module docstring."""

    def __init__(
        self,
        chain: Any,
        *,
        on_mined: Callable[[], None] | None = None,
        on_failed: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        # PyEVMBackend.__init__ always builds a fresh in-memory genesis; this one is given
        # its chain (possibly reopened from disk), so the parent initialiser is skipped.
        self.chain = chain
        self.account_keys = tester_account_keys()
        self._on_mined = on_mined
        self._on_failed = on_failed
        self._clock = clock

    def send_raw_transaction(self, raw_transaction: bytes) -> bytes:
        if not self.chain.get_block().transactions:
            parent = self.chain.get_canonical_head()
            self.chain.set_header_timestamp(max(parent.timestamp + 1, int(self._clock())))
        try:
            tx_hash: bytes = super().send_raw_transaction(raw_transaction)
        except Exception:
            self._recover()
            raise
        return tx_hash

    def mine_blocks(self, num_blocks: int = 1, coinbase: bytes = b"\x00" * 20) -> tuple[bytes, ...]:
        try:
            hashes: tuple[bytes, ...] = super().mine_blocks(num_blocks, coinbase)
        except Exception:
            self._recover()
            raise
        if self._on_mined is not None:
            try:
                self._on_mined()
            except Exception:
                # Not durable (a full disk refused the commit): back to the last committed block.
                self._recover()
                raise
        return hashes

    def get_transaction_by_hash(self, transaction_hash: bytes) -> Any:
        block, transaction, index, is_pending = self._locate(transaction_hash)
        return serialize_transaction(block, transaction, index, is_pending)

    def get_transaction_receipt(self, transaction_hash: bytes) -> Any:
        block, transaction, index, is_pending = self._locate(transaction_hash)
        return serialize_transaction_receipt(
            block,
            block.get_receipts(self.chain.chaindb),
            transaction,
            index,
            is_pending,
            self.chain.get_vm(),
        )

    def _locate(self, transaction_hash: bytes) -> tuple[Any, Any, int, bool]:
        pending = self.chain.get_block()
        for index, transaction in enumerate(pending.transactions):
            if transaction.hash == transaction_hash:
                return pending, transaction, index, True
        try:
            block_number, index = self.chain.get_canonical_transaction_index(transaction_hash)
        except EVMTransactionNotFound as exc:
            raise TransactionNotFound(f"no transaction 0x{transaction_hash.hex()}") from exc
        block = self.chain.get_canonical_block_by_number(block_number)
        return block, block.transactions[index], index, False

    def _recover(self) -> None:
        if self._on_failed is not None:
            self.chain = self._on_failed()


class _SerializedTesterProvider(EthereumTesterProvider):
    """eth-tester's provider with every request under one lock (py-evm is not thread-safe)."""

    def __init__(self, tester: EthereumTester, lock: threading.RLock) -> None:
        super().__init__(tester)
        self._lock = lock

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with self._lock:
            return super().make_request(method, params)


class TesterChain(Web3Chain):
    """A registry chain on a :class:`RegistryTesterBackend`, signed by ``signer`` (default:
    eth-tester's account 0, whose private key is public)."""

    def __init__(
        self,
        backend: RegistryTesterBackend,
        *,
        chain_id: int,
        contract_address: str | None,
        signer: LocalAccount | None = None,
        deployment: Deployment | None = None,
    ) -> None:
        self._backend = backend
        # Reentrant: an adapter may hold it around several requests that must not interleave.
        self._request_lock = threading.RLock()
        provider = _SerializedTesterProvider(EthereumTester(backend), self._request_lock)
        # No default middleware: its chain-id check alone costs a request per call.
        w3 = Web3(provider, middleware=[])
        super().__init__(
            w3,
            tester_signer() if signer is None else signer,
            contract_address,
            gas=TESTER_GAS,
            chain_id=chain_id,
            deployment=deployment,
        )

    @property
    def local_chain(self) -> bool:
        # In this process, with no endpoint of its own: nobody else can read it directly.
        return True

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """No other thread's request runs inside this block."""
        with self._request_lock:
            yield

    def read_rpc(self, method: str, params: list[Any]) -> Any:
        """One read-only JSON-RPC call answered in process, in a node's wire form."""
        if method == "eth_call":
            with self._request_lock:
                return tester_call(self._backend.chain, params[0], params[1], self._reverts)
        if method == "eth_getLogs":
            with self._request_lock:
                params = [tester_log_filter(self._backend.chain, params[0])]
        return tester_read(self._w3, self.chain_id, method, params, self._block_time)

    def _block_time(self, block_number: int) -> int:
        with self._request_lock:
            header = self._backend.chain.get_canonical_block_header_by_number(block_number)
        return int(header.timestamp)

    def head(self) -> tuple[int, bytes]:
        # The chain is in this process: its canonical head, without a JSON-RPC round trip
        # (the readers of the read index ask for it on every request).
        with self._request_lock:
            header = self._backend.chain.get_canonical_head()
        return int(header.block_number), bytes(header.hash)
