"""Store adapters: the registry's local index, one module per backend.

- :class:`SqlStore` (``sql``): SQLAlchemy Core, a SQLite file by default, the product's store;
- :class:`InMemoryStore` (``memory``): dicts with the same semantics, for tests and demos.

Both implement :class:`registry.ports.StorePort`.
"""

from registry.adapters.store.memory import InMemoryStore
from registry.adapters.store.sql import SqlStore

__all__ = ["InMemoryStore", "SqlStore"]
