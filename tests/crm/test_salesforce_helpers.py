"""Pure helpers of the Salesforce adapter: SOQL literals and windows, the Sforce-Limit-Info budget, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest, SalesforceRefusedRequest

from connector.crm.salesforce_api import crm_error
from connector.crm.salesforce_limits import ApiBudget, ApiBudgetExhausted, Usage, parse_limit_info
from connector.crm.salesforce_soql import changed_window, in_list, literal, quote, select
from connector.errors import FatalCrmError, RetriableCrmError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ('say "hi"', r"'say \"hi\"'"),
        ("line\nbreak\ttab", r"'line\nbreak\ttab'"),
        ("' OR Id != null OR Name = '", r"'\' OR Id != null OR Name = \''"),
    ],
)
def test_string_literals_are_escaped(text: str, expected: str) -> None:
    assert quote(text) == expected


def test_literals_and_lists() -> None:
    moment = datetime(2026, 11, 1, 9, 30, 5, 123_456, tzinfo=UTC)
    assert literal(moment) == "2026-11-01T09:30:05.123Z"
    assert (literal(True), literal(None), literal(3)) == ("true", "null", "3")
    assert in_list("Id", ["00Q1", "00Q'2"]) == r"Id IN ('00Q1','00Q\'2')"
    with pytest.raises(ValueError):
        in_list("Id", [])
    with pytest.raises(ValueError):
        literal(datetime(2026, 1, 1))  # no zone: ambiguous


def test_window_is_half_open_and_rounds_the_end_up() -> None:
    since = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    until = datetime(2026, 11, 1, 10, 0, 0, 163_400, tzinfo=UTC)
    assert changed_window("SystemModstamp", since, until) == (
        "SystemModstamp >= 2026-11-01T09:00:00.000Z AND SystemModstamp < 2026-11-01T10:00:00.165Z")
    assert changed_window("SystemModstamp", None, until).startswith("SystemModstamp < ")
    assert select(["Id", "Email", "Id"], "Lead", ["A = 1", "B = 2 OR C = 3"], ["SystemModstamp", "Id"], 5) == (
        "SELECT Id, Email FROM Lead WHERE A = 1 AND (B = 2 OR C = 3) ORDER BY SystemModstamp, Id LIMIT 5")


def response(status: int, header: str | None, body: bytes = b"") -> SimpleNamespace:
    return SimpleNamespace(status_code=status, headers={"Sforce-Limit-Info": header} if header else {}, content=body)


def test_budget_reads_every_response_and_stops_at_its_share() -> None:
    assert parse_limit_info("api-usage=18/5000;per-app-api-usage=17/250(appName=x)") == Usage(18, 5000)
    assert parse_limit_info("nonsense") is None
    budget = ApiBudget(stop_share=0.5)
    budget.require()  # nothing known yet: go
    budget.observe(response(200, "api-usage=48/100"))
    budget.require()
    budget.observe(response(400, "api-usage=50/100"))  # error answers count too
    with pytest.raises(ApiBudgetExhausted, match="50 of 100"):
        budget.require()
    refused = ApiBudget()
    body = b'[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]'
    refused.observe(response(403, None, body))
    assert refused.spent()


def sf_error(cls: type, status: int, code: str, message: str = "m") -> Exception:
    return cls("https://x/services/data", status, "query", [{"errorCode": code, "message": message}])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (sf_error(SalesforceGeneralError, 503, "SERVER_UNAVAILABLE"), RetriableCrmError),
        (sf_error(SalesforceGeneralError, 500, "UNKNOWN_EXCEPTION"), RetriableCrmError),
        (sf_error(SalesforceGeneralError, 429, "REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests"), RetriableCrmError),
        (sf_error(SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
         ApiBudgetExhausted),
        (sf_error(SalesforceRefusedRequest, 403, "INSUFFICIENT_ACCESS"), FatalCrmError),
        (sf_error(SalesforceMalformedRequest, 400, "INVALID_FIELD"), FatalCrmError),
        (requests.ConnectionError("reset"), RetriableCrmError),
        (requests.ReadTimeout("slow"), RetriableCrmError),
    ],
)
def test_one_place_decides_what_an_error_means(error: Exception, kind: type) -> None:
    decided = crm_error(error, "query")
    assert type(decided) is kind
