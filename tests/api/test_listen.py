"""The server's listening socket: connections it accepts get TCP_NODELAY from asyncio.

Without it, a response written in two parts (uvicorn writes the headers, then the body)
waits for the client's delayed ACK, ~40 ms on Linux, whatever the route costs.
"""

from __future__ import annotations

import asyncio
import socket

from api.server import _listen


def test_accepted_connections_have_nagle_off() -> None:
    listener = _listen("127.0.0.1", 0)
    assert listener.proto == socket.IPPROTO_TCP
    host, port = listener.getsockname()[:2]

    async def accept_one() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(host, port)
            nodelay = await asyncio.wait_for(seen, 10)
            writer.close()
        return nodelay

    assert asyncio.run(accept_one()) != 0
