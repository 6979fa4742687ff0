"""``POST /rpc``: the registry's chain, read-only, over JSON-RPC 2.0, for anyone's verifier.

The framing lives here: the body (at most :data:`registry.read_rpc.MAX_BODY_BYTES`,
read as it arrives), JSON parsing, single requests and batches of at most
:data:`registry.read_rpc.MAX_BATCH`, ids echoed, notifications left unanswered. Each
call goes to :func:`registry.read_rpc.answer` (which methods, which parameters) and the
chain adapter. As a node does, every JSON-RPC error is answered with HTTP 200; only a
body over the limit is refused at the HTTP level (413, the API's error body).

Any origin may call it (see :class:`api.middleware.PublicReadCORSMiddleware`): it is
read-only and takes no credentials.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Final

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import ServiceDep
from api.errors import error_response, error_responses
from registry.ports import ChainPort
from registry.read_rpc import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    MAX_BATCH,
    MAX_BODY_BYTES,
    PARSE_ERROR,
    RpcFault,
    answer,
)

logger = logging.getLogger("api")

PATH: Final = "/rpc"
_MAX_ID_CHARS: Final = 256
_MAX_ID_NUMBER: Final = 2**63

_ID_SCHEMA: Final = {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}
_CALL_SCHEMA: Final = {
    "type": "object",
    "properties": {
        "jsonrpc": {"type": "string", "enum": ["2.0"]},
        "id": _ID_SCHEMA,
        "method": {"type": "string", "examples": ["eth_blockNumber"]},
        "params": {"type": "array"},
    },
    "required": ["jsonrpc", "method"],
}
_REQUEST_SCHEMA: Final = {
    "description": f"A JSON-RPC 2.0 request, or a batch (array) of at most {MAX_BATCH}.",
    "anyOf": [_CALL_SCHEMA, {"type": "array", "items": _CALL_SCHEMA}],
}
_REPLY_SCHEMA: Final = {
    "type": "object",
    "properties": {
        "jsonrpc": {"type": "string", "enum": ["2.0"]},
        "id": _ID_SCHEMA,
        "result": {},
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "data": {"type": "string"},
            },
            "required": ["code", "message"],
        },
    },
    "required": ["jsonrpc", "id"],
}
_RESPONSE_SCHEMA: Final = {
    "anyOf": [_REPLY_SCHEMA, {"type": "array", "items": _REPLY_SCHEMA}],
}

router = APIRouter(tags=["chain"])


@router.post(
    PATH,
    summary="Read the registry's chain over JSON-RPC 2.0",
    response_class=JSONResponse,
    responses={
        200: {
            "description": "A JSON-RPC response object, or an array of them for a batch; "
            "a JSON-RPC error is answered with 200 too, as nodes do.",
            "content": {"application/json": {"schema": _RESPONSE_SCHEMA}},
        },
        204: {"description": "Only notifications (requests without an id): nothing to answer."},
        **error_responses(413, 503),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _REQUEST_SCHEMA}},
        }
    },
)
async def rpc(request: Request, service: ServiceDep) -> Response:
    """Read-only Ethereum JSON-RPC on the chain this registry anchors on.

    Methods: eth_chainId, eth_blockNumber, eth_call, eth_getCode, eth_getLogs,
    eth_getBlockByNumber, eth_getBlockByHash, eth_getTransactionByHash,
    eth_getTransactionReceipt, eth_getTransactionCount, net_version, web3_clientVersion;
    anything else answers the error -32601. Batches hold at most 20 calls; a log query
    covers at most 10,000 blocks; an eth_call gets at most 25,000,000 gas. Point
    `cast --rpc-url`, ethers or `policy-registry verify-receipt --rpc-url` here.
    """
    body = await _bounded_body(request)
    if body is None:
        limit = f"a JSON-RPC request body holds at most {MAX_BODY_BYTES} bytes"
        return error_response(413, "request_too_large", limit)
    try:
        message = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        # ValueError covers invalid UTF-8 and JSON, NaN and Infinity, and oversized integers.
        return _json(_failure(None, RpcFault(PARSE_ERROR, "parse error: the body is not JSON")))
    chain = service.chain
    if isinstance(message, list):
        if not message:
            return _json(_failure(None, RpcFault(INVALID_REQUEST, "an empty batch")))
        if len(message) > MAX_BATCH:
            fault = RpcFault(INVALID_REQUEST, f"a batch holds at most {MAX_BATCH} requests")
            return _json(_failure(None, fault))
        answers = await to_thread.run_sync(_answer_batch, chain, message)
        replies = [reply for reply in answers if reply is not None]
        return _json(replies) if replies else Response(status_code=204)
    reply = await to_thread.run_sync(_answer_one, chain, message)
    return _json(reply) if reply is not None else Response(status_code=204)


def _answer_batch(chain: ChainPort, calls: list[Any]) -> list[dict[str, Any] | None]:
    return [_answer_one(chain, call) for call in calls]


def _answer_one(chain: ChainPort, call: object) -> dict[str, Any] | None:
    """The response object for one request; None for a valid notification (no id)."""
    if not isinstance(call, dict):
        return _failure(None, RpcFault(INVALID_REQUEST, "a request is a JSON object"))
    has_id = "id" in call
    request_id = call.get("id")
    if not _valid_id(request_id):
        return _failure(None, RpcFault(INVALID_REQUEST, "id is a string, an integer or null"))
    if call.get("jsonrpc") != "2.0":
        return _failure(request_id, RpcFault(INVALID_REQUEST, 'jsonrpc must be "2.0"'))
    if "method" not in call:
        return _failure(request_id, RpcFault(INVALID_REQUEST, "a request names a method"))
    if not has_id:
        return None  # a notification: nothing to answer, and a read has no effect to make
    try:
        result = answer(chain, call["method"], call.get("params"))
    except RpcFault as fault:
        return _failure(request_id, fault)
    except Exception:
        logger.exception("/rpc: %s failed", _method_name(call["method"]))
        return _failure(request_id, RpcFault(INTERNAL_ERROR, "internal error"))
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


def _failure(request_id: object, fault: RpcFault) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": fault.as_error()}


def _valid_id(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return len(value) <= _MAX_ID_CHARS
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < _MAX_ID_NUMBER


def _method_name(method: object) -> str:
    return method[:64] if isinstance(method, str) else type(method).__name__


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


async def _bounded_body(request: Request) -> bytes | None:
    """The body, or None as soon as it passes :data:`MAX_BODY_BYTES` (the rest is not read)."""
    declared = request.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _json(content: Any) -> JSONResponse:
    return JSONResponse(content)
