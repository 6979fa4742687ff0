"""``GET /.well-known/policy-registry.json`` and what names it: receipts, verdicts.

End to end on a real server over a new embedded data directory (its own signer key),
then on the in-process app for the settings (public URL) and the refresh as roles change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from registry.adapters.chain import EmbeddedChain
from registry.adapters.chain.embedded import CHAIN_DIR, SIGNER_KEY_FILE
from registry.adapters.store import SqlStore
from registry.core.identity import LOCAL_CHAIN_NOTE, RegistryIdentity
from registry.core.receipt import Receipt
from registry.service import RegistryService
from tests.adapters.test_embedded_signer import WELL_KNOWN_ADDRESS
from tests.api.conftest import app_on, corpus_bytes, make_settings, register
from tests.chain_admin import grant_registrar, revoke_registrar
from tests.server import ServerProcess, running_server

IDENTITY_KEYS = {
    "format",
    "version",
    "chainId",
    "contract",
    "deployment",
    "registrars",
    "operator",
    "localChain",
    "wellKnownKey",
    "rpc",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("identity")
    env = {
        "POLICY_REGISTRY_OPERATOR_NAME": "Example Policy Desk",
        "POLICY_REGISTRY_OPERATOR_URL": "https://example.org/about",
    }
    with running_server(tmp / "data", tmp / "server.log", env=env) as started:
        yield started


def _anchored_receipt(client: httpx.Client, article_id: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        response = client.get(f"/v1/articles/{article_id}/receipt")
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def test_the_server_publishes_its_identity(server: ServerProcess) -> None:
    signer = Account.from_key(
        bytes.fromhex((server.data_dir / CHAIN_DIR / SIGNER_KEY_FILE).read_text().strip())
    )
    with server.client() as client:
        response = client.get(
            "/.well-known/policy-registry.json", headers={"Origin": "https://elsewhere.example"}
        )
        health = client.get("/healthz").json()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    body: dict[str, Any] = response.json()
    assert set(body) == IDENTITY_KEYS
    assert body["format"] == "policy-registry-identity"
    assert body["version"] == "1.0"
    assert body["chainId"] == health["chain"]["chain_id"] == 131277322940537
    assert body["contract"] == health["chain"]["contract"]
    assert body["deployment"]["blockNumber"] == 1
    # The directory's own key deployed the contract and holds the role since then.
    assert body["registrars"] == [
        {
            "address": signer.address,
            "grantedInBlock": 1,
            "transactionHash": body["deployment"]["transactionHash"],
        }
    ]
    assert signer.address != WELL_KNOWN_ADDRESS
    assert body["operator"] == {"name": "Example Policy Desk", "url": "https://example.org/about"}
    assert body["localChain"] is True
    assert body["wellKnownKey"] is False
    RegistryIdentity.from_json(response.text)  # what a verifier reads back
    key = (server.data_dir / CHAIN_DIR / SIGNER_KEY_FILE).read_text().strip()
    assert key not in server.output()
    assert "well-known key" not in server.output()


def test_receipts_name_the_identity_and_verdicts_say_the_chain_is_local(
    server: ServerProcess,
) -> None:
    with server.client() as client:
        listed = client.get("/v1/articles", params={"limit": 1}).json()
        article = listed["items"][0]
        response = _anchored_receipt(client, article["id"])
        assert response.status_code == 200, response.text
        receipt = Receipt.from_json(response.text)
        assert receipt.version == "1.1"
        assert receipt.identity == f"{server.url}/.well-known/policy-registry.json"
        assert response.headers["policy-registry-evidence"] == LOCAL_CHAIN_NOTE
        named = client.get(receipt.identity)
        assert named.status_code == 200
        assert receipt.anchor is not None
        assert named.json()["contract"] == receipt.anchor.contract
        verdict = client.get(f"/v1/verify/{article['id']}").json()
    assert verdict["kind"] == "authentic"
    assert verdict["local_chain"] is True
    assert verdict["note"] == LOCAL_CHAIN_NOTE


def test_a_public_url_names_the_identity_in_receipts(tmp_path: Path) -> None:
    service = RegistryService(SqlStore.in_data_dir(tmp_path / "store"), EmbeddedChain(tmp_path))
    try:
        settings = make_settings(tmp_path / "data", public_url="https://registry.example.org/")
        client = TestClient(app_on(service, settings))
        response = register(client, [("first.txt", corpus_bytes("000"))], title="First")
        assert response.status_code == 201, response.text
        article_id = response.json()["articles"][0]["article"]["id"]
        receipt = client.get(f"/v1/articles/{article_id}/receipt").json()
        assert receipt["identity"] == (
            "https://registry.example.org/.well-known/policy-registry.json"
        )
    finally:
        service.close()


def test_the_identity_follows_registrar_grants_and_revocations(tmp_path: Path) -> None:
    chain = EmbeddedChain(tmp_path)
    service = RegistryService(SqlStore.in_data_dir(tmp_path / "store"), chain)
    try:
        client = TestClient(app_on(service, make_settings(tmp_path / "data")))
        first = client.get("/.well-known/policy-registry.json").json()
        assert [r["address"] for r in first["registrars"]] == [service.chain.registrar]
        helper = Account.from_key(b"\x05" * 32).address
        granted = grant_registrar(chain, helper)
        second = client.get("/.well-known/policy-registry.json").json()
        assert second["registrars"][1] == {
            "address": helper,
            "grantedInBlock": granted.block_number,
            "transactionHash": "0x" + granted.tx_hash.hex(),
        }
        revoke_registrar(chain, helper)
        third = client.get("/.well-known/policy-registry.json").json()
        assert third["registrars"] == first["registrars"]
    finally:
        service.close()


def test_a_host_header_that_makes_no_url_gives_a_receipt_without_identity(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = client.get(f"/v1/articles/{registered['id']}/receipt", headers={"Host": "h" * 3000})
    assert response.status_code == 200, response.text
    assert "identity" not in response.json()
