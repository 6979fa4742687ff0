"""The revert decoder itself: every other test relies on it telling errors apart."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_tester.exceptions import TransactionFailed
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3.contract import Contract

from tests.contracts.reverts import CustomError, ErrorDecoder, revert_data, reverts_with

ROOT = keccak(text="root")


@pytest.fixture(scope="module")
def decoder(registry: Contract) -> ErrorDecoder:
    return ErrorDecoder(registry.abi)


def test_the_decoder_knows_every_error_of_the_abi(
    registry: Contract, decoder: ErrorDecoder
) -> None:
    abi_errors = {entry["name"] for entry in registry.abi if entry["type"] == "error"}
    assert "AccessControlUnauthorizedAccount" in abi_errors
    assert decoder.error_names == abi_errors | {"Error", "Panic"}


def test_decode_selector_and_arguments(decoder: ErrorDecoder) -> None:
    data = keccak(text="LabelTooLong(uint256,uint256)")[:4] + encode(
        ["uint256", "uint256"], [257, 256]
    )
    assert decoder.decode(data) == CustomError("LabelTooLong", (257, 256))


def test_decode_checksums_addresses(decoder: ErrorDecoder, outsider: ChecksumAddress) -> None:
    data = keccak(text="AccessControlUnauthorizedAccount(address,bytes32)")[:4] + encode(
        ["address", "bytes32"], [outsider, ROOT]
    )
    assert decoder.decode(data) == CustomError("AccessControlUnauthorizedAccount", (outsider, ROOT))


def test_decode_a_revert_string(decoder: ErrorDecoder) -> None:
    data = bytes.fromhex("08c379a0") + encode(["string"], ["no"])
    assert decoder.decode(data) == CustomError("Error", ("no",))


def test_decode_refuses_an_unknown_selector(decoder: ErrorDecoder) -> None:
    with pytest.raises(pytest.fail.Exception, match="unknown error selector 0xdeadbeef"):
        decoder.decode(bytes.fromhex("deadbeef"))


def test_revert_data_reads_the_bytes_literal_of_eth_tester() -> None:
    failure = TransactionFailed("execution reverted: b'PEp\\xe3'")
    assert revert_data(failure) == bytes.fromhex("504570e3")


def test_revert_data_refuses_a_failure_without_data() -> None:
    with pytest.raises(pytest.fail.Exception, match="not a revert with data"):
        revert_data(TransactionFailed("out of gas"))


def test_a_real_revert_is_decoded(registry: Contract, registrar: ChecksumAddress) -> None:
    with pytest.raises(TransactionFailed) as failure:
        registry.functions.anchorBatch(ROOT, 0, "").call({"from": registrar})
    assert ErrorDecoder(registry.abi).decode(revert_data(failure.value)) == CustomError(
        "EmptyBatch", ()
    )


def test_reverts_with_fails_on_another_error(
    registry: Contract, registrar: ChecksumAddress
) -> None:
    with pytest.raises(AssertionError, match="EmptyBatch"), reverts_with(registry, "InvalidRoot"):
        registry.functions.anchorBatch(ROOT, 0, "").transact({"from": registrar})


def test_reverts_with_fails_on_other_arguments(
    registry: Contract, registrar: ChecksumAddress
) -> None:
    with (
        pytest.raises(AssertionError, match="LabelTooLong"),
        reverts_with(registry, "LabelTooLong", 258, 256),
    ):
        registry.functions.anchorBatch(ROOT, 1, "a" * 257).transact({"from": registrar})


def test_reverts_with_fails_when_nothing_reverts(
    registry: Contract, registrar: ChecksumAddress
) -> None:
    with (
        pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"),
        reverts_with(registry, "InvalidRoot"),
    ):
        registry.functions.anchorBatch(ROOT, 1, "").transact({"from": registrar})


def test_reverts_with_refuses_a_name_outside_the_abi(registry: Contract) -> None:
    with (
        pytest.raises(pytest.fail.Exception, match="NoSuchError is not an error"),
        reverts_with(registry, "NoSuchError"),
    ):
        pass
