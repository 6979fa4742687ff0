"""Chain adapters: the PolicyRegistry contract through web3, one module per transport.

- :class:`InMemoryChain` (``memory``): eth-tester's py-evm chain in memory, for tests and demos;
- :class:`EmbeddedChain` (``embedded``): the same chain persisted under a data directory,
  the product's default;
- :class:`RpcChain` (``rpc``): any JSON-RPC node, signed locally.

All three are :class:`Web3Chain` (``web3_chain``), the one implementation of
:class:`registry.ports.ChainPort`.
"""

from registry.adapters.chain.embedded import EmbeddedChain
from registry.adapters.chain.memory import InMemoryChain
from registry.adapters.chain.rpc import RpcChain, SignerKey, load_signer_key
from registry.adapters.chain.web3_chain import ZERO_ADDRESS, GasPolicy, Web3Chain

__all__ = [
    "ZERO_ADDRESS",
    "EmbeddedChain",
    "GasPolicy",
    "InMemoryChain",
    "RpcChain",
    "SignerKey",
    "Web3Chain",
    "load_signer_key",
]
