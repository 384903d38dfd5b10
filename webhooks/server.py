"""Serving the receiver with uvicorn: HTTP/1.1 with TCP_NODELAY on every accepted connection.

uvicorn's responses go out as separate writes (headers, then body). Without TCP_NODELAY, Nagle's algorithm
holds the second write until the client acknowledges the first, and the client delays that ACK (up to
40 ms on Linux): every acknowledgement would wait for it. asyncio sets TCP_NODELAY itself only on
sockets whose protocol is explicitly IPPROTO_TCP, which uvicorn's own listening socket is not.
"""

from __future__ import annotations

import socket
from asyncio import BaseTransport

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with TCP_NODELAY set as each connection is made."""

    def connection_made(self, transport: BaseTransport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # a socket that cannot take it still serves, with Nagle
                pass
        super().connection_made(transport)  # type: ignore[arg-type]
