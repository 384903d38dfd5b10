"""Value conversions: each type's accepted spellings, and the refusals that must name the bad value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connector.mapping.transforms import (
    PASS,
    column_reader,
    parse_bool,
    parse_datetime,
    parse_float,
    parse_int,
    parse_range,
    parse_stage,
    parse_str,
)
from connector.model import Stage


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), ("0", False),
        ("x", True), ("X", True), ("y", True), ("n", False), ("on", True), ("off", False),
        (True, True), (False, False), (1, True), (0, False),
    ],
)
def test_bool(raw, expected):
    assert parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", 2, "yes please", 0.5])
def test_bool_refuses(raw):
    with pytest.raises(ValueError, match="not a yes/no value"):
        parse_bool(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("42", 42), ("-7", -7), ("1,000", 1000), ("1,234,567", 1234567), ("42.0", 42), (42, 42), (42.0, 42)],
)
def test_int(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["42.5", "forty", "1,5", True, "nan", "inf", [1]])
def test_int_refuses(raw):
    with pytest.raises(ValueError, match="not a"):
        parse_int(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.5", 12.5), ("1,250.75", 1250.75), ("$1,000", 1000.0), ("€ 2,500", 2500.0), (3, 3.0), ("-0.5", -0.5)],
)
def test_float(raw, expected):
    assert parse_float(raw) == expected


@pytest.mark.parametrize("raw", ["1,5", "12abc", "NaN", "-inf", False])
def test_float_refuses(raw):
    with pytest.raises(ValueError):
        parse_float(raw)


def test_str_from_json_values():
    assert [parse_str(v) for v in ("a", 5, 2.5, True)] == ["a", "5", "2.5", "true"]
    with pytest.raises(ValueError, match="expected a text value"):
        parse_str({"a": 1})


UTC_NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T12:00:00Z", UTC_NOON),
        ("2024-05-01T12:00:00", UTC_NOON),  # no zone: UTC
        ("2024-05-01 12:00:00", UTC_NOON),
        ("2024-05-01T14:00:00+02:00", UTC_NOON),
        ("2024-05-01T07:00:00-05:00", UTC_NOON),
        ("2024-05-01T12:00:00.000Z", UTC_NOON),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("20240501", datetime(2024, 5, 1, tzinfo=UTC)),
        ("1714564800000", UTC_NOON),  # epoch milliseconds
        (1714564800000, UTC_NOON),
        ("1714564800", UTC_NOON),  # epoch seconds
        (1714564800.0, UTC_NOON),
        ("1714564800000.0", UTC_NOON),
        (datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))), UTC_NOON),
    ],
)
def test_datetime(raw, expected):
    result = parse_datetime(raw)
    assert result == expected
    assert result.tzinfo is UTC


def test_datetime_with_format():
    assert parse_datetime("01/05/2024", "%d/%m/%Y") == datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="format '%d/%m/%Y'"):
        parse_datetime("2024-05-01", "%d/%m/%Y")


@pytest.mark.parametrize(
    "raw", ["2024-13-01", "yesterday", "01/05/2024", "2024-05-01T25:00", True, "99999999999999999999"]
)
def test_datetime_refuses(raw):
    with pytest.raises(ValueError) as info:
        parse_datetime(raw)
    assert repr(raw) in str(info.value) or str(raw) in str(info.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("25-50", 37), ("1,000-5,000", 3000), ("10000+", 10000), ("10,001+", 10001), ("51 to 200", 125),
        ("51 - 200", 125), ("51–200", 125), ("201-500 employees", 350), ("1k-5k", 3000), ("10M+", 10_000_000),
        ("250", 250), (250, 250), ("1,000", 1000), ("over 500", 500), ("more than 1000", 1000),
        ("under 10", 5), ("<10", 5), ("1", 1), ("500 or more", 500),
    ],
)
def test_range(raw, expected):
    assert parse_range(raw) == expected


@pytest.mark.parametrize("raw", ["lots", "10-", "a-b", "25-50-75", "1,5"])
def test_range_refuses(raw):
    with pytest.raises(ValueError, match="not a number or range"):
        parse_range(raw)


def test_stage():
    assert parse_stage("MQL") is Stage.MQL
    assert parse_stage(Stage.SQL) is Stage.SQL
    with pytest.raises(ValueError, match="add the value to the column's map"):
        parse_stage("marketingqualifiedlead")


def test_reader_empty_values_give_the_default():
    read = column_reader("int", default=0)
    assert [read(v) for v in (None, "", "   ", " 7 ")] == [0, 0, 0, 7]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("marketingqualifiedlead", Stage.MQL),
        ("  MarketingQualifiedLead ", Stage.MQL),  # case and blanks ignored
        ("sql", Stage.SQL),  # not in the map: parsed as a stage name
        ("", None),
    ],
)
def test_reader_stage_map(raw, expected):
    read = column_reader("stage", value_map={"marketingqualifiedlead": Stage.MQL})
    assert read(raw) is expected


def test_reader_map_fallback_and_default():
    read = column_reader("str", value_map={"computer software": "software"}, fallback="other", default="unknown")
    assert read("Computer Software") == "software"
    assert read("Mining") == "other"
    assert read("") == "unknown"


def test_reader_map_without_fallback_refuses_unmapped_invalid_values():
    read = column_reader("stage", value_map={"x": Stage.LEAD}, fallback=PASS)
    with pytest.raises(ValueError, match="unknown stage 'weird'"):
        read("weird")


def test_reader_map_matches_json_booleans():
    read = column_reader("str", value_map={"true": "accepted"})
    assert read(True) == "accepted"
