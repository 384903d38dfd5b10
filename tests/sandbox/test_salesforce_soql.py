"""The sandbox's SOQL subset, parsed and evaluated without a server: what it accepts, what it refuses and
with which Salesforce error code, and how comparisons, date literals and ORDER BY behave."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from connector.sandbox.salesforce.schema import Schema
from connector.sandbox.salesforce.soql import SoqlError, date_range, parse
from connector.sandbox.salesforce.soql_eval import run

SCHEMA = Schema()
NOW = datetime(2026, 11, 4, 15, 30, tzinfo=UTC)  # a Wednesday

ROWS: list[dict[str, Any]] = [
    {
        "Id": "00Q5g0000000001EAA",
        "Email": "Ann@Example.com",
        "LastName": "Smith",
        "NumberOfEmployees": 40,
        "IsConverted": False,
        "CreatedDate": datetime(2026, 11, 4, 9, tzinfo=UTC),
        "Title": "VP Sales",
        "ConvertedDate": None,
    },
    {
        "Id": "00Q5g0000000002EAA",
        "Email": "bob@example.org",
        "LastName": "jones",
        "NumberOfEmployees": 400,
        "IsConverted": True,
        "CreatedDate": datetime(2026, 11, 3, 23, tzinfo=UTC),
        "Title": None,
        "ConvertedDate": date(2026, 10, 1),
    },
    {
        "Id": "00Q5g0000000003EAA",
        "Email": None,
        "LastName": "Adams",
        "NumberOfEmployees": None,
        "IsConverted": False,
        "CreatedDate": datetime(2026, 9, 1, tzinfo=UTC),
        "Title": "Analyst_1",
        "ConvertedDate": None,
    },
]


def select(text: str) -> list[str]:
    query = parse(text, SCHEMA)
    return [row["Id"][-4:-3] for row in run(query, ROWS, lambda row, path: row.get(path[0]), NOW)]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Email = 'ann@example.com'", ["1"]),  # text equality ignores case
        ("Email != 'ann@example.com'", ["2", "3"]),  # != keeps nulls
        ("Email = null", ["3"]),
        ("Email = ''", ["3"]),  # an empty text value is null in Salesforce
        ("Email != null", ["1", "2"]),
        ("Email LIKE '%@EXAMPLE.%'", ["1", "2"]),
        ("Title LIKE 'Analyst\\_%'", ["3"]),  # \_ is a literal underscore
        ("Title LIKE 'Analyst_1'", ["3"]),
        ("NumberOfEmployees > 40", ["2"]),
        ("NumberOfEmployees >= 40", ["1", "2"]),  # nulls never match an ordering comparison
        ("NumberOfEmployees < 1000", ["1", "2"]),
        ("LastName IN ('SMITH', 'Adams')", ["1", "3"]),
        ("LastName NOT IN ('smith')", ["2", "3"]),
        ("IsConverted = true", ["2"]),
        ("NOT IsConverted = true", ["1", "3"]),
        ("(IsConverted = true OR LastName = 'adams') AND NumberOfEmployees = null", ["3"]),
        ("CreatedDate >= 2026-11-03T23:00:00Z", ["1", "2"]),
        ("CreatedDate > 2026-11-04T10:00:00+02:00", ["1"]),  # offsets are honoured
        ("CreatedDate = TODAY", ["1"]),
        ("CreatedDate = YESTERDAY", ["2"]),
        ("CreatedDate < TODAY", ["2", "3"]),
        ("CreatedDate = LAST_N_DAYS:1", ["1", "2"]),  # LAST_N_DAYS includes today
        ("CreatedDate = THIS_MONTH", ["1", "2"]),
        ("ConvertedDate = 2026-10-01", ["2"]),
        ("ConvertedDate = LAST_MONTH", ["2"]),
        ("Id = '00Q5g0000000002'", ["2"]),  # a 15-character id names the same record
        ("Id IN ('00Q5g0000000001EAA', '00Q5g0000000003EAA')", ["1", "3"]),
    ],
)
def test_where_clauses_select_what_salesforce_would(where: str, expected: list[str]) -> None:
    assert select(f"SELECT Id FROM Lead WHERE {where} ORDER BY Id") == expected


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("LastName", ["3", "2", "1"]),  # case-insensitive: Adams, jones, Smith
        ("LastName DESC", ["1", "2", "3"]),
        ("Email", ["3", "1", "2"]),  # nulls first by default
        ("Email NULLS LAST", ["1", "2", "3"]),
        ("Email DESC", ["2", "1", "3"]),  # descending puts nulls last
        ("Email DESC NULLS FIRST", ["3", "2", "1"]),
        ("IsConverted DESC, LastName", ["2", "3", "1"]),
    ],
)
def test_order_by(order: str, expected: list[str]) -> None:
    assert select(f"SELECT Id FROM Lead ORDER BY {order}") == expected


def test_limit_and_offset() -> None:
    assert select("SELECT Id FROM Lead ORDER BY Id LIMIT 2") == ["1", "2"]
    assert select("SELECT Id FROM Lead ORDER BY Id LIMIT 1 OFFSET 1") == ["2"]


def test_keywords_field_and_object_names_are_case_insensitive() -> None:
    query = parse("select id, email, account.name from CONTACT where EMAIL != null order by ID", SCHEMA)
    assert query.sobject == "Contact"
    assert [c.label for c in query.columns] == ["Id", "Email", "Account.Name"]


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        (
            "SELECT Id FROM Lead WHERE IsConverted = true AND Email = null OR Title = null",
            "MALFORMED_QUERY",
            "unexpected token: 'OR'",
        ),
        ("SELECT Id FROM Lead GROUP BY Id", "MALFORMED_QUERY", "unexpected token: 'GROUP'"),
        ("SELECT Id, (SELECT Id FROM Tasks) FROM Contact", "MALFORMED_QUERY", "subqueries"),
        ("SELECT Id FROM Lead WHERE Id IN (SELECT WhoId FROM Task)", "MALFORMED_QUERY", "semi-joins"),
        ("SELECT FIELDS(ALL) FROM Lead LIMIT 200", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM Lead WHERE Email = :email", "MALFORMED_QUERY", "bind variables"),
        ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY", "<EOF>"),
        ("SELECT Id FROM Lead LIMIT -1", "MALFORMED_QUERY", "unexpected token"),
        ("SELECT Id FROM Lead WHERE Email = 'unterminated", "MALFORMED_QUERY", "unterminated"),
        ("SELECT Id, Id FROM Lead", "MALFORMED_QUERY", "duplicate field selected: Id"),
        ("SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset"),
        ("SELECT Shoe_Size__c FROM Lead", "INVALID_FIELD", "No such column 'Shoe_Size__c' on entity 'Lead'"),
        ("SELECT Manager.Name FROM Lead", "INVALID_FIELD", "Didn't understand relationship 'Manager'"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01", "INVALID_FIELD", "must be of type dateTime"),
        (
            "SELECT Id FROM Lead WHERE CreatedDate > '2026-01-01T00:00:00Z'",
            "INVALID_FIELD",
            "should not be enclosed in quotes",
        ),
        ("SELECT Id FROM Lead WHERE Email = 42", "INVALID_FIELD", "should be enclosed in quotes"),
        ("SELECT Id FROM Lead WHERE IsConverted > false", "INVALID_FIELD", "invalid operator on boolean"),
        ("SELECT Id FROM Lead WHERE NumberOfEmployees LIKE '4%'", "INVALID_FIELD", "invalid operator"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE", "sObject type 'Widget__c' is not supported"),
    ],
)
def test_refused_queries_name_the_salesforce_error(text: str, code: str, fragment: str) -> None:
    with pytest.raises(SoqlError) as raised:
        parse(text, SCHEMA)
    assert raised.value.error_code == code
    assert fragment in raised.value.message
    assert "ERROR at Row:1:Column:" in raised.value.message


def test_error_message_points_at_the_offending_token() -> None:
    with pytest.raises(SoqlError) as raised:
        parse("SELECT Id, Nope FROM Lead", SCHEMA)
    lines = raised.value.message.split("\n")
    assert lines[1] == "SELECT Id, Nope FROM Lead"
    assert lines[2] == "           ^"
    assert lines[3] == "ERROR at Row:1:Column:12"


def test_count_forms() -> None:
    assert parse("SELECT COUNT() FROM Lead WHERE IsConverted = false", SCHEMA).count is not None
    counted = parse("SELECT COUNT(Email) total FROM Lead", SCHEMA).count
    assert counted is not None and counted.alias == "total"
    with pytest.raises(SoqlError):
        parse("SELECT COUNT(), Id FROM Lead", SCHEMA)


def test_date_literal_ranges_start_at_midnight_utc_and_weeks_on_sunday() -> None:
    from connector.sandbox.salesforce.soql import DateLiteral

    assert date_range(DateLiteral("THIS_WEEK"), NOW)[0] == datetime(2026, 11, 1, tzinfo=UTC)
    assert date_range(DateLiteral("NEXT_N_DAYS", 2), NOW) == (
        datetime(2026, 11, 5, tzinfo=UTC),
        datetime(2026, 11, 7, tzinfo=UTC),
    )
    assert date_range(DateLiteral("LAST_MONTH"), NOW) == (
        datetime(2026, 10, 1, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
    )
