"""Why the receiver refuses a request: one exception carrying the HTTP status and the metrics reason.

Refused                       (4xx: the request changes nothing; the message says what was wrong)
"""

from __future__ import annotations


class Refused(Exception):
    """A request the receiver will not accept. ``reason`` is the ``rejected_total`` label; the message is
    safe to send back (it never contains a secret or the body)."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
