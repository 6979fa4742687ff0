""" "Check it yourself" on the page, in Chromium: the reader's browser verifies a receipt.

The server runs on a real anvil node (the registry contract deployed there); the page asks
that node directly (anvil answers CORS), with the contract and registrar typed in by the
reader. Besides the honest check of a stored copy with this server's receipt: a tampered
file, a receipt with a tampered proof or root, a receipt from a second deployment of the same
contract by another key, a node that answers for another chain (where the same contract
address anchored the same root), and a quote proof. The last test runs on the default
embedded chain with the pins from ``/.well-known/policy-registry.json`` and the server's own
``/rpc``, both served by the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page, expect

from registry.core.hexstr import from_hex, to_hex
from tests.anvil import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, AnvilNode
from tests.api.test_page import (  # noqa: F401  (browser is a fixture)
    Browsing,
    browser,
    browsing_on,
    screenshot,
)
from tests.api.test_server import start_server
from tests.server import ServerProcess
from tests.verifier.chain import (
    OTHER_CHAIN_ID,
    Deployment,
    Issued,
    anchor,
    deploy,
    receipt_json,
    start_node,
)

TITLE: Final = "关于推进区块链产业发展的若干措施"
ARTICLE: Final = (
    f"{TITLE}\r\n\r\n第一条 为加快区块链技术应用。\r\n第二条 支持企业创新。\r\n"
    "Kawi after a combining mark: a\u0345\U00011f41.\r\n"
).encode()
EVERY_CHECK: Final = [
    "receipt",
    "content-digest",
    "paragraph-root",
    "metadata-digest",
    "leaf",
    "proof",
    "pins",
    "chain-id",
    "contract-code",
    "anchor",
    "transaction",
    "block",
    "inclusion",
    "status",
]


@dataclass
class World:
    main: AnvilNode
    other: AnvilNode
    registry: Deployment
    impostor: Deployment
    server: ServerProcess
    receipt: dict[str, Any]
    forged: Issued


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("check-yourself")
    main = start_node(ANVIL_CHAIN_ID)
    other = start_node(OTHER_CHAIN_ID)
    server: ServerProcess | None = None
    try:
        registry = deploy(main, ANVIL_CHAIN_ID, ANVIL_DEV_KEYS[0])
        impostor = deploy(main, ANVIL_CHAIN_ID, ANVIL_DEV_KEYS[1])
        twin = deploy(other, OTHER_CHAIN_ID, ANVIL_DEV_KEYS[0])
        assert twin.contract == registry.contract
        server = start_server(
            base / "data",
            base / "server.log",
            env={
                "POLICY_REGISTRY_RPC_URL": main.url,
                "POLICY_REGISTRY_CONTRACT_ADDRESS": registry.contract,
                "POLICY_REGISTRY_SIGNER_KEY": ANVIL_DEV_KEYS[0],
                "POLICY_REGISTRY_SEED_CORPUS": "false",
                "POLICY_REGISTRY_BATCH_INTERVAL": "0.2",
            },
        )
        with server.client() as http:
            registered = http.post(
                "/v1/articles",
                files={"file": ("measures.txt", ARTICLE, "text/plain")},
                data={"title": TITLE, "language": "zh-Hans"},
                params={"wait": 60},
                headers=server.auth(),
            )
            assert registered.status_code == 201, registered.text
            (entry,) = registered.json()["articles"]
            answer = http.get(f"/v1/articles/{entry['article']['id']}/receipt")
            assert answer.status_code == 200, answer.text
            receipt: dict[str, Any] = answer.json()
        # the other chain: the same contract address anchors the very same root
        twin.chain.anchor_batch(from_hex(receipt["root"]), 1, "twin")
        (forged,) = anchor(impostor, [(b"A made-up article.\n", {"title": "Made up"})], "forged")
        yield World(main, other, registry, impostor, server, receipt, forged)
    finally:
        if server is not None:
            server.stop()
        main.stop()
        other.stop()


@pytest.fixture
def browsing(browser: Browser, world: World) -> Iterator[Browsing]:  # noqa: F811
    with browsing_on(browser, world.server, articles=1) as state:
        yield state


def open_from_article(page: Page) -> None:
    """The reader opens the article and chooses "Check it yourself" in its dialog."""
    page.get_by_role("button", name=f"Details of {TITLE}").click()
    dialog = page.locator("#article-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Check it yourself").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#check-document-stored")).to_be_checked()
    expect(page.locator("#check-receipt-server")).to_be_checked()
    expect(page.locator("#check-article-name")).to_have_text(f"“{TITLE}”")


def type_pins(page: Page, deployment: Deployment, node_url: str) -> None:
    page.fill("#check-rpc", node_url)
    page.fill("#check-chain-id", str(deployment.chain_id))
    page.fill("#check-contract", deployment.contract)
    page.fill("#check-registrars", deployment.registrar)


def give_file(page: Page, selector: str, name: str, content: bytes) -> None:
    page.set_input_files(
        selector, files=[FilePayload(name=name, mimeType="text/plain", buffer=content)]
    )


def give_json(page: Page, selector: str, name: str, content: dict[str, Any]) -> None:
    payload = FilePayload(
        name=name, mimeType="application/json", buffer=json.dumps(content).encode()
    )
    page.set_input_files(selector, files=[payload])


def submit(page: Page) -> dict[str, str]:
    """Run the check; each check's id and its data-ok ("true", "false", "null")."""
    page.locator("#check-form").get_by_role("button", name="Check it yourself").click()
    expect(page.locator("#check-verdict")).to_be_visible()
    items = page.locator("#check-list li")
    return {
        str(item.get_attribute("data-check")): str(item.get_attribute("data-ok"))
        for item in items.all()
    }


def test_the_stored_copy_checks_out_against_a_node_the_reader_chose(
    browsing: Browsing, world: World
) -> None:
    page = browsing.page
    expect(page.locator("#check-rpc")).to_have_value(f"{world.server.url}/rpc")
    expect(page.locator("#check-rpc-note")).to_contain_text("This server's node: not independent")
    open_from_article(page)
    type_pins(page, world.registry, world.main.url)
    expect(page.locator("#check-rpc-note")).to_have_text(
        "A node of your choice: this server is not asked."
    )
    checks = submit(page)
    assert list(checks) == EVERY_CHECK
    assert set(checks.values()) == {"true"}
    expect(page.locator("#check-verdict")).to_have_attribute("data-ok", "true")
    expect(page.locator("#check-node")).to_have_text(
        f"Asked node: {world.main.url}/ (chain {ANVIL_CHAIN_ID}) — chosen by you."
    )
    expect(page.locator("#check-sources")).to_contain_text(
        "The document is the stored copy, which came from this server."
    )
    expect(page.locator("#check-sources")).to_contain_text("The receipt came from this server.")
    expect(page.locator('#check-list li[data-check="block"] .check-detail')).to_contain_text(
        f"block {world.receipt['anchor']['blockNumber']}"
    )
    screenshot(page.locator("#check"), "page-check-yourself.png")


def test_the_readers_own_file_and_receipt_check_out(browsing: Browsing, world: World) -> None:
    page = browsing.page
    give_file(page, "#check-file", "measures.txt", ARTICLE)
    give_json(page, "#check-receipt-file", "receipt.json", world.receipt)
    type_pins(page, world.registry, world.main.url)
    checks = submit(page)
    assert set(checks.values()) == {"true"}
    expect(page.locator("#check-sources")).to_contain_text("The document is the file you chose.")


def test_a_tampered_file_fails(browsing: Browsing, world: World) -> None:
    page = browsing.page
    open_from_article(page)
    page.locator("#check-document-file").check()
    give_file(
        page, "#check-file", "edited.txt", ARTICLE.replace("第二条".encode(), "第三条".encode())
    )
    type_pins(page, world.registry, world.main.url)
    checks = submit(page)
    expect(page.locator("#check-verdict")).to_have_attribute("data-ok", "false")
    assert checks["content-digest"] == "false"
    assert checks["paragraph-root"] == "false"
    assert checks["proof"] == "false"
    assert checks["inclusion"] == "false"
    screenshot(page.locator("#check"), "page-check-yourself-tampered.png")


@pytest.mark.parametrize("tamper", ["proof", "root"])
def test_a_tampered_receipt_fails(browsing: Browsing, world: World, tamper: str) -> None:
    page = browsing.page
    receipt = json.loads(json.dumps(world.receipt))
    if tamper == "proof":
        receipt["proof"] = [to_hex(world.forged.batch.root)]
    else:
        receipt["root"] = to_hex(world.forged.batch.root)
    give_file(page, "#check-file", "measures.txt", ARTICLE)
    give_json(page, "#check-receipt-file", "receipt.json", receipt)
    type_pins(page, world.registry, world.main.url)
    checks = submit(page)
    assert checks["content-digest"] == "true"
    assert checks["proof"] == "false"
    if tamper == "proof":
        assert checks["anchor"] == "true"  # its root is anchored; the document is not under it
        assert checks["inclusion"] == "false"
    else:
        assert checks["anchor"] == "false"  # the pinned contract never anchored that root


def test_a_receipt_from_a_second_deployment_fails_against_the_pins(
    browsing: Browsing, world: World
) -> None:
    page = browsing.page
    give_file(page, "#check-file", "made-up.txt", world.forged.data)
    give_json(page, "#check-receipt-file", "receipt.json", receipt_json(world.forged))
    type_pins(page, world.registry, world.main.url)
    checks = submit(page)
    assert checks["content-digest"] == "true"  # it agrees with itself
    assert checks["proof"] == "true"
    assert checks["pins"] == "false"
    assert checks["anchor"] == "false"
    expect(page.locator('#check-list li[data-check="pins"] .check-detail')).to_contain_text(
        f"not the pinned {world.registry.contract}"
    )


def test_a_node_for_another_chain_fails(browsing: Browsing, world: World) -> None:
    page = browsing.page
    open_from_article(page)
    type_pins(page, world.registry, world.other.url)
    checks = submit(page)
    assert checks["chain-id"] == "false"
    assert checks["anchor"] == "null"
    expect(page.locator('#check-list li[data-check="chain-id"] .check-detail')).to_have_text(
        f"the node answers for chain {OTHER_CHAIN_ID}, not chain {ANVIL_CHAIN_ID} (pinned)"
    )
    expect(page.locator("#check-node")).to_contain_text(world.other.url)


def test_missing_pins_are_refused_with_a_message(browsing: Browsing, world: World) -> None:
    page = browsing.page
    open_from_article(page)
    page.fill("#check-rpc", world.main.url)
    page.locator("#check-form").get_by_role("button", name="Check it yourself").click()
    expect(page.locator("#check-error")).to_have_text(
        "Cannot check: pin the registry's contract: a 0x address of 40 hex digits"
    )


def test_a_quote_proof_downloaded_from_the_page_checks_out(
    browsing: Browsing, world: World, tmp_path: Path
) -> None:
    page = browsing.page
    page.get_by_label("Passage").fill("第一条 为加快区块链技术应用。")
    page.get_by_role("button", name="Check quote").click()
    link = page.locator("#quote-result").get_by_role("link", name="Download the quote proof")
    with page.expect_download() as download_info:
        link.click()
    saved = tmp_path / "quote-proof.json"
    download_info.value.save_as(saved)
    page.set_input_files("#check-receipt-file", str(saved))
    type_pins(page, world.registry, world.main.url)
    checks = submit(page)
    assert set(checks.values()) == {"true"}, checks
    assert list(checks)[:5] == ["quote-proof", "paragraph-run", "paragraphs", "quote", "proof"]
    expect(page.locator("#check-sources")).to_contain_text("The quote proof is the file you chose")
    # the same proof with its quote changed fails
    proof = json.loads(saved.read_text(encoding="utf-8"))
    proof["quote"] = "第一条 为加快区块链技术推广。"
    give_json(page, "#check-receipt-file", "quote-proof.json", proof)
    checks = submit(page)
    assert checks["quote"] == "false"


# -- the embedded chain, through the server's own /rpc, pinned from its identity ---------------


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("check-yourself-embedded")
    started = start_server(base / "data", base / "server.log")
    try:
        yield started
    finally:
        started.stop()


def test_embedded_chain_through_its_rpc_with_the_published_identity(
    browser: Browser,  # noqa: F811
    embedded_server: ServerProcess,
) -> None:
    """Needs the API's /rpc and /.well-known/policy-registry.json (interfaces 3 and 4)."""
    identity = httpx.get(f"{embedded_server.url}/.well-known/policy-registry.json", timeout=60)
    assert identity.status_code == 200, identity.text
    published = identity.json()
    with browsing_on(browser, embedded_server, articles=5) as browsing:
        page = browsing.page
        chinese = "为什么说中部地区区块链产业的崛起要看湖南?"
        page.get_by_role("button", name=f"Details of {chinese}").click()
        page.locator("#article-dialog").get_by_role("button", name="Check it yourself").click()
        page.get_by_role("button", name="Use this server's published identity").click()
        expect(page.locator("#check-contract")).to_have_value(published["contract"])
        expect(page.locator("#check-chain-id")).to_have_value(str(published["chainId"]))
        expect(page.locator("#check-identity-note")).to_contain_text("published by this server")
        expect(page.locator("#local-chain-banner")).to_have_text(
            "Local chain: this is the operator's word, not independent evidence. This registry "
            "anchors on a chain that only its operator can see."
        )
        expect(page.locator("#check-rpc")).to_have_value(f"{embedded_server.url}/rpc")
        checks = submit(page)
        assert list(checks) == EVERY_CHECK
        assert set(checks.values()) == {"true"}, checks
        expect(page.locator("#check-node")).to_contain_text("this server's node: not independent")
        screenshot(page.locator("#check"), "page-check-yourself-embedded.png")
