"""An in-memory chain with the registry deployed: for unit tests and demos, gone on exit."""

from __future__ import annotations

import time
from collections.abc import Callable

from eth.db.atomic import AtomicDB

from registry.adapters.chain.tester import (
    DEFAULT_FORK,
    TESTER_CHAIN_ID,
    RegistryTesterBackend,
    TesterChain,
    create_genesis,
    tester_chain_class,
)


class InMemoryChain(TesterChain):
    """eth-tester's py-evm chain in memory; the registry is deployed unless ``deploy`` is False.

    ``clock`` stamps new blocks (a demo can set the time); blocks never go back in time.
    """

    def __init__(self, *, deploy: bool = True, clock: Callable[[], float] = time.time) -> None:
        chain_class = tester_chain_class(TESTER_CHAIN_ID, DEFAULT_FORK)
        base_db = AtomicDB()
        chain, _genesis = create_genesis(base_db, chain_class, int(clock()))
        # After a failed write, continue from the last mined block.
        backend = RegistryTesterBackend(chain, on_failed=lambda: chain_class(base_db), clock=clock)
        super().__init__(backend, chain_id=TESTER_CHAIN_ID, contract_address=None)
        if deploy:
            self.deploy_registry()
