"""The verifier's decoding of ``getDocument``: answers ABI-encoded by eth_abi (an independent
encoder) decode to the record, and a node's malformed or oversized answer is refused.

The decoder runs in Node on the same module the page loads, with a stand-in for the node
that answers ``eth_call`` with the given bytes.
"""

from __future__ import annotations

import json

import pytest
from eth_abi import abi

from tests.verifier.node import VERIFIER, run_node

RECORD_TYPE = "(uint8,string,bytes32,bytes32)"
DIGEST = "0x" + "ab" * 32
OLDER = b"\x01" * 32
NEWER = b"\x02" * 32
ZERO = bytes(32)


def decode(answer: bytes) -> dict[str, object]:
    """``getDocument`` as the verifier decodes ``answer``; ``{"error": message}`` if it refuses."""
    script = f"""
    import {{ getDocument }} from {json.dumps((VERIFIER / "rpc.js").as_uri())};
    const answer = Uint8Array.from(Buffer.from({json.dumps(answer.hex())}, "hex"));
    const rpc = {{ ethCall: async () => answer }};
    const contract = "0x" + "11".repeat(20);
    try {{
      console.log(JSON.stringify(await getDocument(rpc, contract, {json.dumps(DIGEST)})));
    }} catch (error) {{
      console.log(JSON.stringify({{ error: error.message }}));
    }}
    """
    result = run_node("--input-type=module", "-e", script)
    assert result.returncode == 0, result.stderr
    decoded: dict[str, object] = json.loads(result.stdout)
    return decoded


def encoded(status: int, reason: str, superseded_by: bytes, supersedes: bytes) -> bytes:
    return abi.encode([RECORD_TYPE], [(status, reason, superseded_by, supersedes)])


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            (0, "", ZERO, ZERO),
            {"status": "active", "revocationReason": "", "supersededBy": None, "supersedes": None},
        ),
        (
            (1, "撤回: withdrawn", ZERO, OLDER),
            {
                "status": "revoked",
                "revocationReason": "撤回: withdrawn",
                "supersededBy": None,
                "supersedes": "0x" + OLDER.hex(),
            },
        ),
        (
            (2, "", NEWER, ZERO),
            {
                "status": "superseded",
                "revocationReason": "",
                "supersededBy": "0x" + NEWER.hex(),
                "supersedes": None,
            },
        ),
        (
            (1, "r" * 1024, ZERO, ZERO),
            {
                "status": "revoked",
                "revocationReason": "r" * 1024,
                "supersededBy": None,
                "supersedes": None,
            },
        ),
    ],
    ids=["active", "revoked-chinese-reason", "superseded", "reason-of-1024-bytes"],
)
def test_an_encoded_record_decodes(
    record: tuple[int, str, bytes, bytes], expected: dict[str, object]
) -> None:
    assert decode(encoded(*record)) == expected


def test_malformed_answers_are_refused() -> None:
    good = encoded(1, "withdrawn", ZERO, ZERO)
    too_long = encoded(1, "r" * 1025, ZERO, ZERO)
    huge_offset = (2**255).to_bytes(32, "big") + good[32:]
    lying_length = good[:160] + (10**6).to_bytes(32, "big") + good[192:]
    for answer, message in [
        (b"", "too short"),
        (good[:100], "malformed"),  # the reason's offset points past the end
        (good[:160], "too short"),  # the reason's length word is missing
        (good[:192], "malformed"),  # its length, but not its bytes
        (too_long, "malformed"),
        (huge_offset, "malformed"),
        (lying_length, "malformed"),
    ]:
        assert message in str(decode(answer).get("error")), answer.hex()
