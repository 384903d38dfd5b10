"""Small helpers shared by the Salesforce sandbox tests (not fixtures: those live in the sandbox plugin)."""

from __future__ import annotations

from typing import Any, cast

from simple_salesforce.exceptions import SalesforceError


def sf_errors(exc: SalesforceError) -> list[dict[str, Any]]:
    """The error list of Salesforce's answer (simple-salesforce keeps the decoded JSON body as ``content``)."""
    return cast(list[dict[str, Any]], exc.content)
