"""Fixtures for the contract tests: provider -> w3 -> deployed registry, isolated per test.

The registry is deployed once per session from the committed artifact on
eth-tester's py-evm backend; an autouse fixture takes a chain snapshot before
every test and reverts to it afterwards, so tests never see each other's writes.
Gas figures recorded by ``test_gas.py`` are printed in the terminal summary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from eth_tester import EthereumTester, PyEVMBackend
from eth_typing import ChecksumAddress
from web3 import EthereumTesterProvider, Web3
from web3.contract import Contract

from tests.contracts.chain import Deployment, chain_layer, deploy_registry, send
from tests.contracts.document_vectors import DocumentTree, document_tree

GAS_TABLE = pytest.StashKey[dict[str, int]]()


@pytest.fixture(scope="session")
def ethereum_tester() -> EthereumTester:
    return EthereumTester(PyEVMBackend())


@pytest.fixture(scope="session")
def w3(ethereum_tester: EthereumTester) -> Web3:
    return Web3(EthereumTesterProvider(ethereum_tester))


@pytest.fixture(scope="session")
def accounts(w3: Web3) -> Sequence[ChecksumAddress]:
    """eth-tester's funded, unlocked default accounts."""
    # web3 annotates `accounts` as a one-element tuple; it is a tuple of any length.
    funded: Sequence[ChecksumAddress] = w3.eth.accounts
    return funded


@pytest.fixture(scope="session")
def admin(accounts: Sequence[ChecksumAddress]) -> ChecksumAddress:
    """The deployer, holding DEFAULT_ADMIN_ROLE."""
    return accounts[0]


@pytest.fixture(scope="session")
def registrar(accounts: Sequence[ChecksumAddress]) -> ChecksumAddress:
    """Granted REGISTRAR_ROLE by the constructor."""
    return accounts[1]


@pytest.fixture(scope="session")
def outsider(accounts: Sequence[ChecksumAddress]) -> ChecksumAddress:
    """An account with no role."""
    return accounts[2]


@pytest.fixture(scope="session")
def deployment(w3: Web3, admin: ChecksumAddress, registrar: ChecksumAddress) -> Deployment:
    return deploy_registry(w3, admin, registrar)


@pytest.fixture(scope="session")
def registry(deployment: Deployment) -> Contract:
    return deployment.contract


@pytest.fixture(autouse=True)
def _isolated_chain(ethereum_tester: EthereumTester, registry: Contract) -> Iterator[None]:
    # Depends on `registry` so that the deployment happens before the first snapshot.
    with chain_layer(ethereum_tester):
        yield


@pytest.fixture(scope="session")
def gas_table(pytestconfig: pytest.Config) -> dict[str, int]:
    """Gas per operation, filled by test_gas.py and printed in the terminal summary."""
    return pytestconfig.stash.setdefault(GAS_TABLE, {})


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    table = config.stash.get(GAS_TABLE, {})
    if not table:
        return
    terminalreporter.write_sep("-", "PolicyRegistry gas (eth-tester py-evm, Prague rules)")
    width = max(len(operation) for operation in table)
    for operation, gas in table.items():
        terminalreporter.write_line(f"{operation:<{width}}  {gas:>9,}")


@pytest.fixture
def anchored_batch(w3: Web3, registry: Contract, registrar: ChecksumAddress) -> DocumentTree:
    """The 4-leaf vector tree, anchored by the registrar (undone after the test)."""
    tree = document_tree(4)
    send(w3, registry.functions.anchorBatch(tree.root, tree.size, "batch-4"), registrar)
    return tree


@pytest.fixture
def unanchored_batch() -> DocumentTree:
    """The 5-leaf vector tree, whose root is never anchored."""
    return document_tree(5)
