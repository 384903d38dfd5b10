"""Wait for something to become true by polling with a deadline: never a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], timeout_s: float = 5.0, interval_s: float = 0.005) -> bool:
    """Poll ``condition`` until it is truthy or ``timeout_s`` passes; return whether it became true."""
    deadline = time.monotonic() + timeout_s
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval_s)
