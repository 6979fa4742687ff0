"""Default operating values of a registry, shared by the settings and the pipeline.

The settings (:mod:`registry.settings`) depend on nothing above them, yet their
defaults must be the ones the intake and the anchorer use when built without settings
(tests, the library). So the shared values live here, below both, and this module
imports nothing of the registry.
"""

from __future__ import annotations

from typing import Final

DEFAULT_MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
"""The largest document accepted for registration or verification."""
DEFAULT_BATCH_INTERVAL: Final = 1.0
"""Seconds between the anchorer's rounds."""
DEFAULT_MAX_BATCH_SIZE: Final = 10_000
"""Most documents in one batch (one anchoring transaction)."""
DEFAULT_LEASE_TTL: Final = 10.0
"""Seconds the anchorer's lease lasts unless renewed."""
