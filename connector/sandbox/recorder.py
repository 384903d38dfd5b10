"""A local HTTP endpoint that records what it receives: the target for sandbox webhooks and outbound
messages in tests and in `leadbridge sandbox --webhook-target` experiments.

    recorder = WebhookRecorder()
    with SandboxServer(recorder.app) as server:
        ...  # point the emulator at server.url + "/hooks/hubspot"
        assert wait_until(lambda: recorder.count() >= 1)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    status: int


#: Decides the answer to a request: (status, body, content type).
Responder = Callable[[RecordedRequest], tuple[int, bytes, str]]


def _ok(_: RecordedRequest) -> tuple[int, bytes, str]:
    return 204, b"", "text/plain"


class WebhookRecorder:
    """Records every request on any path; ``fail_next(n)`` answers the next n with an error status."""

    def __init__(self, responder: Responder = _ok) -> None:
        self.responder = responder
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._failures_left = 0
        self._failure_status = 503
        self.app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST", "PUT", "GET"])])

    def fail_next(self, count: int, status: int = 503) -> None:
        with self._lock:
            self._failures_left, self._failure_status = count, status

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            failing = self._failures_left > 0
            if failing:
                self._failures_left -= 1
            status = self._failure_status if failing else 0
        recorded = RecordedRequest(
            request.method, str(request.url), request.url.path, dict(request.headers), body, time.time(), status
        )
        if not failing:
            status, payload, content_type = self.responder(recorded)
        else:
            payload, content_type = b"failing on purpose", "text/plain"
        with self._lock:
            self._requests.append(RecordedRequest(**{**recorded.__dict__, "status": status}))
        return Response(payload, status_code=status, media_type=content_type)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def count(self, *, ok_only: bool = False) -> int:
        with self._lock:
            return sum(1 for r in self._requests if not ok_only or 200 <= r.status < 300)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
