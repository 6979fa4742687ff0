"""The registry on any JSON-RPC node (anvil, a testnet, mainnet), signed locally.

The signer's private key reaches this module as a :class:`SignerKey`, which the caller
loads with :func:`load_signer_key` from an environment variable or an encrypted keystore
file. Neither the key nor the node URL (which often carries an API key) is ever put in a
repr, a message or a log line by this module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.providers.rpc.utils import REQUEST_RETRY_ALLOWLIST, ExceptionRetryConfiguration

from registry.adapters.chain.web3_chain import GasPolicy, Web3Chain
from registry.errors import InputError
from registry.ports import Deployment

# Reads are retried on connection errors; a send is not, so a failure is reported as is.
_RETRIED_METHODS: Final = tuple(m for m in REQUEST_RETRY_ALLOWLIST if m != "eth_sendRawTransaction")
NODE_GAS: Final = GasPolicy(estimate_margin_percent=25)


class SignerKey:
    """A secp256k1 private key held in memory; its repr and str show only its address."""

    __slots__ = ("_account",)

    def __init__(self, secret: bytes | str) -> None:
        if isinstance(secret, str):
            text = secret.strip().removeprefix("0x")
            try:
                secret = bytes.fromhex(text)
            except ValueError:
                raise InputError("the signer key is not hexadecimal") from None
        if len(secret) != 32:
            raise InputError("the signer key must be 32 bytes")
        try:
            account: LocalAccount = Account.from_key(secret)
        except (ValueError, TypeError):
            # The library's message could quote the key; say only what is wrong.
            raise InputError("the signer key is not a valid secp256k1 private key") from None
        self._account = account

    @property
    def address(self) -> str:
        address: str = self._account.address
        return address

    def account(self) -> LocalAccount:
        return self._account

    def __repr__(self) -> str:
        return f"SignerKey(address={self.address})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a SignerKey is not serialisable")


def load_signer_key(
    env_var: str | None, keystore_path: Path | None, password: str | None
) -> SignerKey:
    """The signer key from the environment variable ``env_var`` (hex) or an encrypted keystore.

    Exactly one source must be given; a keystore needs its ``password``.
    """
    if (env_var is None) == (keystore_path is None):
        raise InputError("give the signer key either as an environment variable or a keystore")
    if env_var is not None:
        value = os.environ.get(env_var, "")
        if not value.strip():
            raise InputError(
                f"the environment variable {env_var} holding the signer key is not set"
            )
        return SignerKey(value)
    assert keystore_path is not None
    if password is None:
        raise InputError(f"the keystore {keystore_path} needs a password")
    try:
        keyfile = json.loads(keystore_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the keystore {keystore_path}: {exc}") from exc
    try:
        secret = Account.decrypt(keyfile, password)
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"cannot decrypt the keystore {keystore_path} (wrong password or not a keystore)"
        ) from exc
    return SignerKey(bytes(secret))


class RpcChain(Web3Chain):
    """The registry at ``contract_address`` on the node at ``rpc_url``, written by ``signer_key``.

    Nothing is sent at construction, so a service can start while its node is down; each
    call raises ``ChainUnavailable`` until the node answers, and the first call that
    touches the contract raises ``ContractNotDeployed`` if no code is at the address.
    """

    def __init__(
        self,
        rpc_url: str,
        contract_address: str | None,
        signer_key: SignerKey,
        *,
        confirmations: int = 1,
        request_timeout: float = 10.0,
        retries: int = 3,
        receipt_timeout: float = 120.0,
        log_block_span: int = 10_000,
        deployment: Deployment | None = None,
    ) -> None:
        retry = ExceptionRetryConfiguration(
            errors=(OSError,),  # every requests exception is an OSError
            retries=max(1, retries),
            backoff_factor=0.1,
            method_allowlist=list(_RETRIED_METHODS),
        )
        provider = HTTPProvider(
            rpc_url,
            request_kwargs={"timeout": request_timeout},
            exception_retry_configuration=retry,
        )
        # For the repr only: scheme, host and port (path and credentials left out).
        self._endpoint = _redacted(rpc_url)
        # No default middleware: its chain-id check alone costs a request per call.
        super().__init__(
            Web3(provider, middleware=[]),
            signer_key.account(),
            contract_address,
            gas=NODE_GAS,
            confirmations=confirmations,
            receipt_timeout=receipt_timeout,
            log_block_span=log_block_span,
            deployment=deployment,
        )

    @classmethod
    def deploy(cls, rpc_url: str, signer_key: SignerKey, **options: Any) -> str:
        """Deploy a new registry (admin and registrar: the signer); returns its address."""
        return cls.deploy_recorded(rpc_url, signer_key, **options)[0]

    @classmethod
    def deploy_recorded(
        cls, rpc_url: str, signer_key: SignerKey, **options: Any
    ) -> tuple[str, Deployment]:
        """Deploy a new registry; its address and its deployment transaction and block."""
        chain = cls(rpc_url, None, signer_key, **options)
        try:
            address = chain.deploy_registry()
            return address, chain.deployment()
        finally:
            chain.close()

    def __repr__(self) -> str:
        address = self._contract.address if self._contract is not None else None
        return (
            f"RpcChain(endpoint={self._endpoint!r}, contract_address={address!r}, "
            f"registrar={self.registrar!r})"
        )


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}"
