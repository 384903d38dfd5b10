"""Mappings for CRMs that keep people in several objects (Salesforce Lead and Contact) and activities in
several (Task, Event, CampaignMember): lists of sections, each naming its object."""

from __future__ import annotations

import textwrap

import pytest

from connector.errors import ConfigError
from connector.mapping import ActivityReader, ContactReader, load_mapping, parse_mapping
from connector.mapping.yamlfile import load_yaml
from connector.model import ActivityKind

TWO_OBJECTS = """\
source: salesforce
contacts:
  - object: lead
    id: Id
    fields: {email: Email, company: Company}
  - object: contact
    id: Id
    fields: {email: Email, company: Account.Name}
activities:
  - object: Task
    contact_id: WhoId
    kind: {from: Type, map: {Call: call}}
    occurred_at: CompletedDateTime
  - object: Event
    contact_id: WhoId
    kind: {from: Type, fallback: meeting}
    occurred_at: StartDateTime
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_mapping(load_yaml("sf.yaml", textwrap.dedent(text)), "salesforce")


def test_each_object_reads_its_own_fields_and_keys() -> None:
    mapping = parse(TWO_OBJECTS)
    lead_map, contact_map = mapping.contact_maps
    assert mapping.contacts is lead_map
    leads, contacts = ContactReader(mapping, lead_map), ContactReader(mapping, contact_map)
    lead = leads.contact([{"Id": "00Q1", "Email": "a@x.com", "Company": "X"}[c] for c in leads.columns])
    contact = contacts.contact(["0031", "b@y.com", "Y"])
    assert (lead.key, lead.company) == ("salesforce:lead:00Q1", "X")
    assert (contact.key, contact.company) == ("salesforce:contact:0031", "Y")
    assert contacts.columns == ("Id", "Email", "Account.Name")


def test_each_activity_object_has_its_section() -> None:
    mapping = parse(TWO_OBJECTS)
    assert [m.object for m in mapping.activity_maps] == ["Task", "Event"]
    events = ActivityReader(mapping, mapping.activity_maps[1])
    activity = events.activity(["003A", "Meeting", "2026-10-01T10:00:00Z"])
    assert activity.kind is ActivityKind.MEETING


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - object: contact\n    id: Id", "  - id: Id", "names its object"),
        ("object: contact", "object: lead", "'lead' is listed twice"),
        ("  - object: Event\n", "  - object: Task\n", "'Task' is listed twice"),
        ("  - object: Event\n    contact_id", "  - contact_id", "missing key 'object'"),
    ],
)
def test_list_mistakes_are_located(old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        parse(TWO_OBJECTS.replace(old, new, 1))
    assert raised.value.location is not None and raised.value.location.line is not None


def test_shipped_salesforce_mapping_loads() -> None:
    mapping = load_mapping(None, source="salesforce")
    assert [m.object for m in mapping.contact_maps] == ["lead", "contact"]
    assert [m.object for m in mapping.activity_maps] == ["Task", "Event", "CampaignMember"]
    assert "LB_Score__c" in mapping.write_targets and "Status" in mapping.write_targets
