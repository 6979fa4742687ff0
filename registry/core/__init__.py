"""The registry's consensus-critical core: pure functions and frozen values.

Nothing in this package performs I/O or imports web3, sqlite, SQLAlchemy,
FastAPI or the filesystem: canonicalization, digests, Merkle trees, proofs,
receipts and verdicts take what they check as arguments. Adapters fetch.
"""
