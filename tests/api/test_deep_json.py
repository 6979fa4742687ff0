"""JSON nested deeper than anything the API takes, against the real server process.

web3 (through py_ecc) raises Python's recursion limit to 100,000 when imported; at that
limit a request body of a few hundred thousand ``[`` overflows the C stack while it is
parsed and the process dies (SIGSEGV), which a TestClient in this process would not
survive either. Every JSON input of the API gets such a body here; each must be answered
with a client error, and the server must still be serving afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

import httpx

from tests.server import running_server

DEEP: Final = b"[" * 200_000
"""200 KB, under the document limit; far deeper than the 12,288 frames the limit allows."""


def test_the_recursion_limit_is_py_evm_s_not_py_ecc_s() -> None:
    from eth import EVM_RECURSION_LIMIT

    import registry.runtime  # noqa: F401  (imports web3, py_ecc and py-evm)

    assert sys.getrecursionlimit() == EVM_RECURSION_LIMIT


def test_deeply_nested_json_is_a_client_error_and_the_server_lives(tmp_path: Path) -> None:
    env = {"POLICY_REGISTRY_SEED_CORPUS": "false"}
    with running_server(tmp_path / "data", tmp_path / "server.log", env=env) as server:
        auth = server.auth()
        json_type = {"Content-Type": "application/json"}
        with httpx.Client(base_url=server.url, timeout=60) as http:
            requests = [
                http.build_request("POST", "/v1/verify", content=DEEP, headers=json_type),
                http.build_request("POST", "/v1/quotes/verify", content=DEEP, headers=json_type),
                http.build_request("POST", "/v1/quotes/verify", content=DEEP),  # no type
                http.build_request("POST", "/rpc", content=DEEP[:60_000], headers=json_type),
                http.build_request(
                    "POST",
                    f"/v1/articles/{'ab' * 32}/revoke",
                    content=DEEP,
                    headers={**json_type, **auth},
                ),
                http.build_request(
                    "POST",
                    "/v1/articles",
                    files={"file": ("a.txt", b"A document.\n", "text/plain")},
                    data={"metadata": DEEP.decode()},
                    headers=auth,
                ),
            ]
            for request in requests:
                response = http.send(request)
                assert response.status_code in (200, 400, 404, 413, 422), (
                    request.url.path,
                    response.status_code,
                    response.text[:200],
                )
                if request.url.path != "/rpc":  # JSON-RPC answers its errors with 200
                    assert 400 <= response.status_code < 500, request.url.path
                assert server.process.poll() is None, f"the server died on {request.url.path}"
                assert http.get("/livez").status_code == 200
