"""Latency and fault injection shared by both emulators: one ``Faults`` setting, one ASGI middleware.

The behaviours are the ones integrations meet in production and a naive mock does not have: slow answers,
5xx errors, bursts of 429s, connections reset mid-request. Decisions come from a seeded random generator so
a run is reproducible; the settings may be changed while the server runs (tests flip them on and off).
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from starlette.types import ASGIApp, Receive, Scope, Send

from connector.sandbox.requestlog import CONTROL_PREFIX

FaultKind = Literal["error", "429", "reset"]

#: Renders an injected error response: (status, kind) -> (body bytes, extra headers). Each emulator answers in
#: its own CRM's error shape.
ErrorRenderer = Callable[[int, FaultKind], tuple[bytes, dict[str, str]]]


@dataclass
class Faults:
    """What to inject, per request. Rates are probabilities in [0, 1]; times are milliseconds.

    ``burst_429_rate`` is the chance that a request starts a burst of ``burst_429_length`` consecutive 429s
    (rate limits bite in runs, not in isolated requests). ``path_prefixes`` limits injection to those paths
    (empty: every path), e.g. to keep a login endpoint healthy.
    """

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 503
    burst_429_rate: float = 0.0
    burst_429_length: int = 5
    retry_after_s: int = 1
    reset_rate: float = 0.0
    slow_rate: float = 0.0
    slow_ms: float = 2000.0
    seed: int = 0
    path_prefixes: tuple[str, ...] = ()
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _burst_left: int = field(init=False, default=0, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        return (
            any(
                (
                    self.latency_ms,
                    self.jitter_ms,
                    self.error_rate,
                    self.burst_429_rate,
                    self.reset_rate,
                    self.slow_rate,
                )
            )
            or self._burst_left > 0
        )

    def decide(self, path: str) -> FaultDecision:
        """Draw what happens to one request to ``path``: a delay, and maybe a fault instead of an answer."""
        if path.startswith(CONTROL_PREFIX) or (self.path_prefixes and not path.startswith(self.path_prefixes)):
            return FaultDecision()
        with self._lock:
            rng = self._rng
            delay = self.latency_ms + (rng.uniform(0, self.jitter_ms) if self.jitter_ms else 0.0)
            if self.slow_rate and rng.random() < self.slow_rate:
                delay += self.slow_ms
            kind: FaultKind | None = None
            if self._burst_left > 0:
                self._burst_left -= 1
                kind = "429"
            elif self.burst_429_rate and rng.random() < self.burst_429_rate:
                self._burst_left = max(0, self.burst_429_length - 1)
                kind = "429"
            elif self.reset_rate and rng.random() < self.reset_rate:
                kind = "reset"
            elif self.error_rate and rng.random() < self.error_rate:
                kind = "error"
            return FaultDecision(delay_ms=delay, kind=kind)


@dataclass(frozen=True)
class FaultDecision:
    """The outcome drawn for one request: wait ``delay_ms``, then fail with ``kind`` or answer normally."""

    delay_ms: float = 0.0
    kind: FaultKind | None = None


def default_error_body(status: int, kind: FaultKind) -> tuple[bytes, dict[str, str]]:
    """A generic JSON error body; emulators pass their CRM's own shape instead."""
    message = "Too many requests (injected)" if kind == "429" else "Service unavailable (injected)"
    return json.dumps({"status": "error", "message": message}).encode(), {}


class FaultMiddleware:
    """ASGI middleware applying ``Faults`` before the emulator sees the request.

    ``retry_after``: whether injected 429s carry Retry-After (Salesforce-style APIs do; HubSpot answers its
    own 429s without it, and urllib3 would otherwise sleep and retry them silently).
    """

    def __init__(
        self, app: ASGIApp, faults: Faults, render: ErrorRenderer = default_error_body, retry_after: bool = True
    ) -> None:
        self.app = app
        self.faults = faults
        self.render = render
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.faults.active:
            await self.app(scope, receive, send)
            return
        decision = self.faults.decide(scope["path"])
        if decision.delay_ms > 0:
            await asyncio.sleep(decision.delay_ms / 1000.0)
        if decision.kind is None:
            await self.app(scope, receive, send)
        elif decision.kind == "reset":
            await _reset_connection(receive)
        else:
            status = 429 if decision.kind == "429" else self.faults.error_status
            body, extra = self.render(status, decision.kind)
            headers = [
                (b"content-type", b"application/json;charset=utf-8"),
                (b"content-length", b"%d" % len(body)),
            ]
            if decision.kind == "429" and self.retry_after:
                headers.append((b"retry-after", str(self.faults.retry_after_s).encode()))
            headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})


async def _reset_connection(receive: Receive) -> None:
    """Close the TCP connection with a RST, as a crashed proxy or load balancer does.

    ASGI has no way to say "drop the connection", so reach uvicorn's transport through the protocol cycle
    that owns ``receive`` (uvicorn's h11 and httptools implementations both keep it as ``.transport``).
    SO_LINGER with a zero timeout turns the close into a reset instead of an orderly FIN.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionResetError("injected connection reset (transport not reachable)")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    transport.abort()
    # Let uvicorn see the disconnect before we return, so it does not try to answer on a dead connection.
    for _ in range(100):
        message = await receive()
        if message["type"] == "http.disconnect":
            return
