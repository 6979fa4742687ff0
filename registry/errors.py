"""Typed errors of the policy registry.

One root, a small tree under it; adapters translate library exceptions at the
edge (``raise ChainUnavailable(...) from exc``) so that web3, sqlite or HTTP
exceptions never cross into the core, the service or the API::

    RegistryError
    ├── InputError                  the caller sent something unusable (CLI exit 2, HTTP 422)
    │   ├── EmptyDocument
    │   ├── DocumentTooLarge        (HTTP 413)
    │   ├── InvalidIdentifier       malformed id, digest or prefix
    │   ├── InvalidMetadata
    │   ├── InvalidManifest
    │   ├── InvalidReceipt          malformed receipt, unknown format or major version
    │   └── ExtractionFailed        an HTML page or PDF whose text cannot be extracted
    ├── NotFound                    unknown article, batch or digest (HTTP 404)
    ├── AmbiguousIdentifier         a prefix matching several articles (HTTP 409)
    ├── Conflict                    a state change that is not allowed now (HTTP 409)
    │   └── NotAnchoredYet          needs an anchor the document does not have yet (retry later)
    ├── Unauthorized                missing or wrong write token (HTTP 401)
    ├── VerificationError           a proof, receipt or stored record does not check out
    ├── ChainError                  the chain refused or failed an operation
    │   ├── ChainUnavailable        node unreachable (HTTP 503)
    │   ├── TransactionReverted     the contract reverted (carries the custom error name)
    │   └── ContractNotDeployed
    ├── StoreError                  the store failed (corrupt, unreachable)
    │   └── StorageFull             no space left on the data directory's disk (HTTP 507)
    └── ConfigurationError          settings that cannot work (no contract address, wrong data dir)
"""

from __future__ import annotations

from typing import ClassVar


class RegistryError(Exception):
    """Root of every error this package raises on purpose."""

    code: ClassVar[str] = "error"
    """The error's code in the API's and the CLI's JSON; every subclass that a client
    may want to tell apart names its own."""


class InputError(RegistryError):
    """The caller sent something unusable."""

    code: ClassVar[str] = "invalid_input"


class EmptyDocument(InputError):
    """A document with no bytes."""

    code: ClassVar[str] = "empty_document"


class DocumentTooLarge(InputError):
    """A document over the configured size limit."""

    code: ClassVar[str] = "document_too_large"


class InvalidIdentifier(InputError):
    """A malformed article id, digest or prefix."""

    code: ClassVar[str] = "invalid_identifier"


class InvalidMetadata(InputError):
    """Metadata that fails validation."""

    code: ClassVar[str] = "invalid_metadata"


class InvalidManifest(InputError):
    """A corpus manifest that is unreadable or inconsistent."""


class InvalidReceipt(InputError):
    """A receipt that is malformed or of an unknown format or major version."""

    code: ClassVar[str] = "invalid_receipt"


class ExtractionFailed(InputError):
    """An HTML page or PDF whose readable text cannot be extracted within the limits.

    Malformed, truncated or encrypted files, and files over the extractors' bounds
    (size, pages, characters, memory, time); the message says which.
    """

    code: ClassVar[str] = "extraction_failed"


class NotFound(RegistryError):
    """Unknown article, batch or digest."""

    code: ClassVar[str] = "not_found"


class AmbiguousIdentifier(RegistryError):
    """An id prefix that matches several articles."""

    code: ClassVar[str] = "ambiguous_identifier"


class Conflict(RegistryError):
    """A state change that is not allowed now (already revoked, superseded...)."""

    code: ClassVar[str] = "conflict"


class NotAnchoredYet(Conflict):
    """What is asked for needs an anchor the document does not have yet; try again later."""

    code: ClassVar[str] = "not_anchored_yet"

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unauthorized(RegistryError):
    """A write without a valid token."""

    code: ClassVar[str] = "unauthorized"


class VerificationError(RegistryError):
    """A proof, receipt or stored record does not check out."""

    code: ClassVar[str] = "integrity_error"


class ChainError(RegistryError):
    """The chain refused or failed an operation."""

    code: ClassVar[str] = "chain_error"


class ChainUnavailable(ChainError):
    """The node cannot be reached."""

    code: ClassVar[str] = "chain_unavailable"


class TransactionReverted(ChainError):
    """The contract reverted; ``error_name`` is its custom error (e.g. ``AlreadyAnchored``)."""

    def __init__(self, message: str, error_name: str | None = None) -> None:
        super().__init__(message)
        self.error_name = error_name


class ContractNotDeployed(ChainError):
    """No registry contract at the configured address."""


class StoreError(RegistryError):
    """The store failed."""

    code: ClassVar[str] = "store_unavailable"


class StorageFull(StoreError):
    """No space left: the disk (or the database) refused a write. Retry once space is freed.

    Raised by the store and by the embedded chain's database; nothing acknowledged
    before is lost, and the failed write left nothing half done.
    """

    code: ClassVar[str] = "insufficient_storage"


class ConfigurationError(RegistryError):
    """Settings that cannot work: a missing contract address, a data directory of another chain."""

    code: ClassVar[str] = "configuration_error"
