"""Contacts and activities survive the round trip through the store exactly; changes are detected."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.model import Activity, ActivityKind, Contact, Stage
from connector.store import Store
from connector.store import activities as stored_activities
from connector.store.codec import (
    DetailCache,
    decode_contact,
    encode_contact,
    fingerprint,
    make_contact,
    pack_activities,
    unpack_activities,
)

T0 = datetime(2026, 10, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _activity(key: str, sid: str, kind: str = "page_view", days: float = 0, **detail: str) -> Activity:
    return Activity(key, ActivityKind(kind), T0 - timedelta(days=days), sid, detail)


CONTACT = Contact(
    key="files:contact:7",
    email="ann@example.com",
    job_title="VP Sales",
    company_size=250,
    annual_revenue=5e7,
    created_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    updated_at=T0,
    crm_stage=Stage.MQL,
    sales_accepted=False,
    has_open_deal=True,
    signals={"visit": 7.0},
    attributes={"plan": "pro", "renewal": date(2027, 1, 1), "seen": T0},
    crm_values={"lb_score": "40"},
)


def test_contact_round_trip_keeps_every_field_but_crm_values() -> None:
    back = decode_contact(CONTACT.key, encode_contact(CONTACT), CONTACT.crm_values)
    assert back == CONTACT
    assert decode_contact(CONTACT.key, encode_contact(CONTACT)).crm_values == {}


@settings(max_examples=50, deadline=None)
@given(st.sets(st.sampled_from(sorted(set(CONTACT.__slots__) - {"key"}))))  # type: ignore[attr-defined]
def test_make_contact_is_the_constructor(names: set[str]) -> None:
    # Any subset of fields: the missing ones get the constructor's defaults (mappings are fresh-empty).
    values = {"key": CONTACT.key, **{name: getattr(CONTACT, name) for name in names}}
    made = make_contact(dict(values))
    assert made == Contact(**values)
    assert _fields(made) == _fields(Contact(**values))


@pytest.mark.parametrize("values", [{"email": "a@b.c"}, {"key": "k", "no_such_field": 1}])
def test_make_contact_refuses_what_the_constructor_refuses(values: dict) -> None:
    with pytest.raises(TypeError) as expected:
        Contact(**values)
    with pytest.raises(TypeError, match=re.escape(str(expected.value))):
        make_contact(dict(values))


def test_fingerprint_ignores_what_our_writes_change_and_activity_order() -> None:
    acts = [_activity(CONTACT.key, "a1"), _activity(CONTACT.key, "a2", "demo_request", 3)]
    base = fingerprint(CONTACT, acts)
    echoed = Contact(**{**_fields(CONTACT), "updated_at": T0 + timedelta(hours=1), "crm_values": {"lb_score": "55"}})
    assert fingerprint(echoed, list(reversed(acts))) == base
    assert fingerprint(CONTACT, acts[:1]) != base
    assert fingerprint(Contact(**{**_fields(CONTACT), "job_title": "Intern"}), acts) != base
    moved = [acts[0], _activity(CONTACT.key, "a2", "demo_request", 4)]
    assert fingerprint(CONTACT, moved) != base


def _fields(contact: Contact) -> dict:
    return {name: getattr(contact, name) for name in contact.__slots__}  # type: ignore[attr-defined]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([k.value for k in ActivityKind]), st.integers(0, 10**6),
                          st.dictionaries(st.sampled_from(["url", "form", "campaign"]), st.text(max_size=20),
                                          max_size=2)), max_size=8))
def test_activity_pack_round_trip(items: list[tuple[str, int, dict[str, str]]]) -> None:
    acts = [Activity("files:contact:1", ActivityKind(kind), T0 - timedelta(seconds=secs), f"a{i}", detail)
            for i, (kind, secs, detail) in enumerate(items)]
    assert unpack_activities("files:contact:1", pack_activities(acts), DetailCache()) == acts


def test_activities_upsert_reports_only_real_changes(store: Store) -> None:
    acts = [_activity("files:contact:1", "a1", url="/pricing"), _activity("files:contact:2", "a2")]
    with store.begin() as conn:
        assert stored_activities.upsert(conn, acts) == {"files:contact:1", "files:contact:2"}
        assert stored_activities.upsert(conn, acts) == set()
        changed = [_activity("files:contact:2", "a2", "call"), _activity("files:contact:3", "a3")]
        assert stored_activities.upsert(conn, acts[:1] + changed) == {"files:contact:2", "files:contact:3"}


def test_activities_read_back_aware_and_whole(store: Store) -> None:
    acts = [_activity("files:contact:1", "a1", url="/pricing", form="demo"),
            _activity("files:contact:1", "a2", days=40), _activity("files:contact:2", "b1", "email_open")]
    with store.begin() as conn:
        stored_activities.upsert(conn, acts)
    with store.begin() as conn:
        reader = stored_activities.ActivityReader(conn)
        by_key = reader.for_keys(["files:contact:1", "files:contact:2", "files:contact:9"])
        ranged = reader.for_range("files:contact:1", "files:contact:2")
    assert sorted(by_key["files:contact:1"], key=lambda a: a.source_id) == acts[:2]
    assert by_key["files:contact:2"] == acts[2:]
    assert "files:contact:9" not in by_key
    assert ranged == by_key
    assert all(a.occurred_at.tzinfo is not None and a.occurred_at.utcoffset() == timedelta(0)
               for group in by_key.values() for a in group)
