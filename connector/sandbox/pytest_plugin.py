"""pytest fixtures that start the sandbox emulators on free ports.

Registered from tests/conftest.py with ``pytest_plugins = ["connector.sandbox.pytest_plugin"]``. Each
emulator adds its fixtures below its own heading; keep them cheap (small datasets) and scoped so that one
server serves a whole module unless a test needs a fresh one.
"""

from __future__ import annotations

import pytest
import trustme

# ---------------------------------------------------------------------------------------------------------
# Shared


@pytest.fixture(scope="session")
def sandbox_ca() -> trustme.CA:
    """A local certificate authority for emulators served over TLS (clients trust ``server.ca_bundle``)."""
    return trustme.CA()
