"""Record readers are source-neutral: a CRM's property dict reads the same way as a CSV row."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest

from connector.mapping import ActivityReader, ContactReader, RecordError, parse_mapping
from connector.mapping.yamlfile import load_yaml
from connector.model import ActivityKind, Stage

HUBSPOT = """\
source: hubspot
contacts:
  id: hs_object_id
  updated_at: lastmodifieddate
  fields:
    email: email
    company_size: {from: numberofemployees, type: int}
    crm_stage: {from: lifecyclestage, type: stage, map: {marketingqualifiedlead: mql}}
    signals.visit: hs_analytics_num_visits
    attributes.persona: {from: hs_persona, map: {persona_1: buyer}, fallback: other}
activities:
  contact_id: contact_id
  id: hs_object_id
  kind: {from: hs_engagement_type, map: {MEETING: meeting, EMAIL: email_reply}, fallback: other}
  occurred_at: hs_timestamp
write:
  - {output: score, to: lb_score}
"""


@pytest.fixture(scope="module")
def mapping():
    return parse_mapping(load_yaml("hubspot.yaml", textwrap.dedent(HUBSPOT)), "hubspot")


def test_contact_from_crm_properties(mapping):
    reader = ContactReader(mapping)
    record = {
        "hs_object_id": "501", "email": "a@b.com", "numberofemployees": 120, "lifecyclestage": "marketingqualifiedlead",
        "hs_analytics_num_visits": "4", "hs_persona": "persona_9", "lastmodifieddate": "2026-11-01T10:00:00.000Z",
        "lb_score": 61,
    }
    contact = reader.contact([record.get(column) for column in reader.columns])
    assert contact.key == "hubspot:contact:501"
    assert (contact.company_size, contact.crm_stage) == (120, Stage.MQL)
    assert contact.signals == {"visit": 4.0}
    assert contact.attributes == {"persona": "other"}
    assert contact.updated_at == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert contact.crm_values == {"lb_score": 61}
    assert "lb_score" in reader.write_only and "email" in reader.required


def test_record_errors_name_the_column(mapping):
    reader = ContactReader(mapping)
    record = {"hs_object_id": "1", "numberofemployees": "many"}
    with pytest.raises(RecordError) as info:
        reader.contact([record.get(column) for column in reader.columns])
    assert info.value.column == "numberofemployees" and "not a" in info.value.message
    with pytest.raises(RecordError, match="the contact id is empty"):
        reader.object_id([None] * len(reader.columns))


def test_activity_from_crm_properties(mapping):
    reader = ActivityReader(mapping)
    record = {"contact_id": "501", "hs_object_id": 9001, "hs_engagement_type": "MEETING", "hs_timestamp": 1762000000000}
    activity = reader.activity([record.get(column) for column in reader.columns])
    assert activity.contact_key == "hubspot:contact:501"
    assert (activity.kind, activity.source_id) == (ActivityKind.MEETING, "9001")
    record["hs_engagement_type"] = "TASK_SOMETHING"
    assert reader.activity([record.get(column) for column in reader.columns]).kind is ActivityKind.OTHER
