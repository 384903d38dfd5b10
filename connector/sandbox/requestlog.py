"""A thread-safe log of the requests an emulator answered, so tests and benchmarks can count calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Status recorded when the fault injector reset the connection instead of answering.
STATUS_RESET = 0

#: Paths of the sandboxes' own control endpoints: not CRM calls, so never logged, faulted or rate limited.
CONTROL_PREFIX = "/_sandbox"


class LoggedRequest(NamedTuple):
    """One answered request. ``status`` is ``STATUS_RESET`` (0) for a connection reset by fault injection."""

    method: str
    path: str
    status: int
    duration_ms: float
    timestamp: float


class RequestLog:
    """Append-only, thread-safe list of ``LoggedRequest``; the server thread writes, tests read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def add(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[LoggedRequest]:
        """A snapshot copy (safe to iterate while the server keeps logging)."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def count(self, method: str | None = None, path_prefix: str | None = None, status: int | None = None) -> int:
        """How many logged requests match all the given criteria (None matches anything)."""
        return len(self.matching(method, path_prefix, status))

    def matching(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> list[LoggedRequest]:
        """The logged requests that match all the given criteria, oldest first."""
        method = method.upper() if method else None
        return [
            e
            for e in self.entries
            if (method is None or e.method == method)
            and (path_prefix is None or e.path.startswith(path_prefix))
            and (status is None or e.status == status)
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RequestLogMiddleware:
    """ASGI middleware recording method, path, final status and duration of every HTTP request.

    Put it outside ``FaultMiddleware`` so injected faults (including resets) are logged too.
    """

    def __init__(self, app: ASGIApp, log: RequestLog, clock: Callable[[], float] = time.perf_counter) -> None:
        self.app = app
        self.log = log
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        started = self.clock()
        status = STATUS_RESET
        logged = False

        def record() -> None:
            nonlocal logged
            logged = True
            duration_ms = (self.clock() - started) * 1000.0
            self.log.add(LoggedRequest(scope["method"], scope["path"], status, duration_ms, time.time()))

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False) and not logged:
                # Logged before the last byte leaves: once a client has its answer, the log shows it.
                record()
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except Exception:
            # Starlette's outermost error middleware turns this into a 500 after we have seen it.
            if status == STATUS_RESET:
                status = 500
            raise
        finally:
            if not logged:
                record()
