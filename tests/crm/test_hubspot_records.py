"""Pure conversions of HubSpot JSON (no HTTP): deals, engagements, search bodies, batch errors."""

from __future__ import annotations

from typing import Any

import pytest

from connector.crm import hubspot_records as records
from tests.crm.hubspot_support import utc


@pytest.mark.parametrize(
    ("deals", "flags"),
    [
        ([], (False, False)),
        ([{"dealstage": "qualifiedtobuy"}], (True, False)),
        ([{"dealstage": "closedwon"}], (False, True)),
        ([{"dealstage": "closedlost"}], (False, False)),
        ([{"dealstage": "custom_stage_7", "hs_is_closed": "true", "hs_is_closed_won": "true"}], (False, True)),
        ([{"dealstage": "closedlost"}, {"dealstage": "contractsent"}], (True, False)),
    ],
)
def test_deal_flags(deals: list[dict[str, str]], flags: tuple[bool, bool]) -> None:
    assert records.deal_flags({"properties": d} for d in deals) == flags


def test_engagement_record_names_type_and_direction() -> None:
    record = {"id": "42", "properties": {"hs_timestamp": "2026-10-01T10:00:00.000Z",
                                         "hs_email_direction": "INCOMING_EMAIL", "hs_email_subject": "Re: pricing"}}
    found = records.engagement_record("emails", record, "7")
    assert found["engagement_type"] == "email:INCOMING_EMAIL" and found["subject"] == "Re: pricing"
    assert found["contact_id"] == "7" and found["hs_object_id"] == "42"
    note = records.engagement_record("notes", {"id": "1", "properties": {"hs_note_body": "x" * 500}}, "7")
    assert note["engagement_type"] == "note" and len(note["subject"]) == 200


def test_changed_search_pages_by_id_inside_the_window() -> None:
    body = records.changed_search(utc(2026, 11, 1), utc(2026, 11, 2), 1234, ["email"], 200)
    filters = {(f["propertyName"], f["operator"]): f["value"] for f in body["filterGroups"][0]["filters"]}
    assert filters == {("lastmodifieddate", "GTE"): "1793491200000", ("lastmodifieddate", "LT"): "1793577600000",
                       ("hs_object_id", "GT"): "1234"}
    assert body["sorts"] == [{"propertyName": "hs_object_id", "direction": "ASCENDING"}] and "after" not in body


def test_contact_values_fill_deal_columns_and_merges_are_listed() -> None:
    record: dict[str, Any] = {"id": "9", "properties": {"email": "a@b.co", "hs_merged_object_ids": "3;5",
                                                        "num_associated_deals": "2"}}
    values = records.contact_values(record, ["hs_object_id", "email", "deals.has_open", "deals.has_won"], (True, False))
    assert values == ["9", "a@b.co", True, False]
    assert records.merged_ids(record) == ["3", "5"] and records.deal_count(record) == 2
    assert "deals.has_open" not in records.contact_properties(["email", "deals.has_open"])


def test_batch_errors_name_properties_and_missing_ids() -> None:
    body = {"errors": [{"code": "INVALID_OPTION", "message": "hot was not one of the allowed options",
                        "context": {"propertyName": ["lifecyclestage"]}}]}
    assert records.property_problems(body) == [("lifecyclestage", "INVALID_OPTION",
                                                "hot was not one of the allowed options")]
    missing = {"errors": [{"category": "OBJECT_NOT_FOUND", "context": {"ids": ["4", "8"]}}]}
    assert records.missing_ids(missing) == {"4", "8"}
    assert records.write_value(True) == "true" and records.write_value(None) == "" and records.write_value(7) == "7"
