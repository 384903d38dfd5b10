"""Run an emulator (a Starlette/ASGI app) under uvicorn in a background thread, on a free port, optionally
over TLS with a local CA.

    with SandboxServer(app) as server:
        client = HubSpot(access_token="...", host=server.url)

simple-salesforce builds ``https://`` URLs itself, so the Salesforce emulator runs with ``tls=trustme.CA()``
and the client trusts ``server.ca_bundle`` through its ``requests.Session`` (no URL rewriting).
"""

from __future__ import annotations

import socket
import tempfile
import threading
from pathlib import Path
from types import TracebackType

import trustme
import uvicorn
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from connector.errors import UserError
from connector.sandbox.faults import ErrorRenderer, FaultMiddleware, Faults, default_error_body
from connector.sandbox.requestlog import RequestLog, RequestLogMiddleware
from connector.sandbox.waiting import wait_until


class SandboxError(UserError):
    """The sandbox could not start (port taken, TLS files unwritable): change the options and run again."""


class SandboxServer:
    """One ASGI app served by uvicorn in a daemon thread.

    ``port=0`` picks a free port: the socket is bound here and handed to uvicorn, so there is no window in
    which another process could take the port. ``start()`` returns once the server accepts connections.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: trustme.CA | None = None,
        startup_timeout_s: float = 10.0,
    ) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        self.tls = tls
        self.startup_timeout_s = startup_timeout_s
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._error: BaseException | None = None
        self.port = 0
        self.ca_bundle: Path | None = None

    @property
    def url(self) -> str:
        """Base URL without a trailing slash. TLS certificates name ``localhost``, so TLS URLs use it."""
        if not self.port:
            raise SandboxError("the sandbox server is not started: call start() or use it as a context manager")
        if self.tls is not None:
            return f"https://localhost:{self.port}"
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SandboxServer:
        """Bind, serve in a thread, and wait (polling, with a deadline) until it accepts connections."""
        if self.running:
            return self
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the protocol is
        # explicit, and without it every response pays Nagle + delayed ACK (about 40 ms on Linux).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.requested_port))
        except OSError as exc:
            sock.close()
            raise SandboxError(
                f"cannot listen on {self.host}:{self.requested_port}: {exc.strerror}; "
                "choose another port or pass 0 for a free one"
            ) from exc
        sock.listen(2048)
        sock.set_inheritable(True)
        self._socket = sock
        self.port = sock.getsockname()[1]

        ssl_options: dict[str, str] = {}
        if self.tls is not None:
            ssl_options = self._write_tls_files(self.tls)
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            # Clients reuse connections; a short keep-alive would add resets nobody asked for.
            timeout_keep_alive=30,
            **ssl_options,  # type: ignore[arg-type]
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()
        self._wait_started()
        return self

    def _run(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # reported by start() or stop()
            self._error = exc

    def _wait_started(self) -> None:
        def started() -> bool:
            assert self._server is not None and self._thread is not None
            return self._server.started or not self._thread.is_alive()

        if not wait_until(started, self.startup_timeout_s):
            self.stop()
            raise SandboxError(
                f"the sandbox server on port {self.port} did not start within {self.startup_timeout_s} s"
            )
        if self._thread is None or not self._thread.is_alive():
            raise SandboxError(f"the sandbox server on port {self.port} exited at startup: {self._error!r}")

    def _write_tls_files(self, ca: trustme.CA) -> dict[str, str]:
        self._tmpdir = tempfile.TemporaryDirectory(prefix="leadbridge-sandbox-tls-")
        folder = Path(self._tmpdir.name)
        cert = ca.issue_cert("localhost", "127.0.0.1")
        cert_file, key_file, ca_file = folder / "server.pem", folder / "server.key", folder / "ca.pem"
        cert.cert_chain_pems[0].write_to_path(str(cert_file))
        for extra in cert.cert_chain_pems[1:]:
            extra.write_to_path(str(cert_file), append=True)
        cert.private_key_pem.write_to_path(str(key_file))
        ca.cert_pem.write_to_path(str(ca_file))
        self.ca_bundle = ca_file
        return {"ssl_certfile": str(cert_file), "ssl_keyfile": str(key_file)}

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask uvicorn to exit and wait for the thread; idempotent."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout_s)
        if self._socket is not None:
            self._socket.close()
        self._thread = None
        self._server = None
        self._socket = None

    def close(self) -> None:
        """Stop and remove the TLS files."""
        self.stop()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None
            self.ca_bundle = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def emulator_middleware(
    log: RequestLog, faults: Faults, render: ErrorRenderer = default_error_body, *, retry_after: bool = True
) -> list[Middleware]:
    """The middleware every emulator installs, outermost first: the request log sees injected faults too."""
    return [
        Middleware(RequestLogMiddleware, log=log),
        Middleware(FaultMiddleware, faults=faults, render=render, retry_after=retry_after),
    ]
