"""Chain adapters: the PolicyRegistry contract through web3, one module per transport.

- :class:`InMemoryChain` (``memory``): eth-tester's py-evm chain in memory, for tests and demos;
- :class:`EmbeddedChain` (``embedded``): the same chain persisted under a data directory,
  the product's default;
- :class:`RpcChain` (``rpc``): any JSON-RPC node, signed locally.

All three are :class:`Web3Chain` (``web3_chain``), the one implementation of
:class:`registry.ports.ChainPort`.
"""

import sys

from eth import EVM_RECURSION_LIMIT

from registry.adapters.chain.embedded import EmbeddedChain
from registry.adapters.chain.memory import InMemoryChain
from registry.adapters.chain.rpc import RpcChain, SignerKey, load_signer_key
from registry.adapters.chain.web3_chain import ZERO_ADDRESS, GasPolicy, Web3Chain

# web3 imports py_ecc, which raises Python's recursion limit to 100,000; py-evm asks for
# 12,288 (1,024 nested EVM calls). At 100,000, JSON nested a few hundred thousand deep
# (a client's request body) overflows the C stack and kills the process before the json
# module can raise RecursionError. py-evm's figure keeps every EVM call depth and makes
# such input an ordinary parse error.
if sys.getrecursionlimit() > EVM_RECURSION_LIMIT:
    sys.setrecursionlimit(EVM_RECURSION_LIMIT)

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
