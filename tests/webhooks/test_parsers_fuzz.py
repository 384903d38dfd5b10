"""Hypothesis fuzzing of both parsers: any input is either parsed into valid events or refused with a 4xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.webhooks.helpers import hubspot_event
from webhooks.errors import Refused
from webhooks.hubspot_events import EchoGuard, parse_batch
from webhooks.salesforce_messages import parse_message

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=12,
)


def _check_hubspot(body: bytes) -> None:
    try:
        batch = parse_batch(body, EchoGuard(frozenset({"lb_score"}), "1"))
    except Refused as refused:
        assert 400 <= refused.status < 500 and refused.message
        return
    for event in batch.events:
        assert event.contact_key.startswith("hubspot:contact:") and len(event.dedupe_key) <= 255
        json.dumps(event.payload)


@FUZZ
@given(st.binary(max_size=400))
def test_hubspot_parser_on_random_bytes(body: bytes) -> None:
    _check_hubspot(body)


@FUZZ
@given(json_values)
def test_hubspot_parser_on_random_json(value: object) -> None:
    _check_hubspot(json.dumps(value).encode())


mutations = st.dictionaries(
    st.sampled_from(["eventId", "objectId", "portalId", "subscriptionType", "propertyName", "mergedObjectIds",
                     "newObjectId", "occurredAt", "sourceId", "subscriptionId"]),
    json_values, max_size=4,
)


@FUZZ
@given(st.lists(mutations, min_size=1, max_size=5))
def test_hubspot_parser_on_mutated_events(changes: list[dict[str, object]]) -> None:
    _check_hubspot(json.dumps([{**hubspot_event(i), **c} for i, c in enumerate(changes)]).encode())


def _check_salesforce(body: bytes) -> None:
    try:
        message = parse_message(body)
    except Refused as refused:
        assert 400 <= refused.status < 500 and refused.message
        return
    assert 1 <= len(message.events()) <= 100


@FUZZ
@given(st.binary(max_size=400))
def test_salesforce_parser_on_random_bytes(body: bytes) -> None:
    _check_salesforce(body)


text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)


@FUZZ
@given(org=text, nid=text, sobject=text, record=text, extra=text, bom=st.booleans())
def test_salesforce_parser_on_mutated_envelopes(org: str, nid: str, sobject: str, record: str, extra: str,
                                                bom: bool) -> None:
    from xml.sax.saxutils import escape, quoteattr

    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications '
        f'xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{escape(org)}</OrganizationId>'
        f"<Notification><Id>{escape(nid)}</Id><sObject xsi:type={quoteattr('sf:' + sobject)} "
        f'xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>{escape(record)}</sf:Id>{escape(extra)}</sObject>'
        "</Notification></notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()
    _check_salesforce((b"\xef\xbb\xbf" if bom else b"") + body)


@FUZZ
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2000))
def test_salesforce_parser_on_spliced_samples(noise: bytes, at: int) -> None:
    from tests.support.reference import SALESFORCE_SAMPLES

    sample = (SALESFORCE_SAMPLES / "outbound-leads.xml").read_bytes()
    at = min(at, len(sample))
    _check_salesforce(sample[:at] + noise + sample[at:])
