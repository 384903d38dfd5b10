"""Reading a request body within limits: content type first (415), then at most N bytes (413).

The size is checked twice: against Content-Length before reading, and while streaming, since a client
may send no length (chunked) or a false one. Reading stops at the limit, so an oversized body never sits
in memory.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import Request

from webhooks.errors import Refused


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def check_content_type(request: Request, allowed: Collection[str]) -> None:
    given = media_type(request)
    if given not in allowed:
        raise Refused(
            415,
            "unsupported_media_type",
            f"Content-Type {given or '(none)'!r} is not accepted here; send {' or '.join(sorted(allowed))}",
        )


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise Refused(400, "bad_content_length", "Content-Length is not a number")
        if int(declared) > limit:
            raise Refused(413, "too_large", f"the body is {int(declared)} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, "too_large", f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
