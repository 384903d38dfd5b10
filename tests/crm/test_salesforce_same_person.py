"""One person, one verdict: a person read from Salesforce is qualified exactly as the same person read from
any other source, because one core decides. The reference is the synthetic person the sandbox built the org
from, reduced to what Salesforce records about them (no web page views; one campaign membership per
campaign; no lifecycle stage field)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from connector.crm.salesforce import SalesforceSource
from connector.model import Activity, ActivityKind, Contact
from connector.qualify import qualify
from connector.sandbox.salesforce.dataset import CAMPAIGN_KINDS, EVENT_KINDS, TASK_KINDS, campaign_fields, campaign_of
from connector.sandbox.salesforce.ids import make_id
from connector.sandbox.synthetic import Person, person, to_common
from tests.crm.salesforce_support import api_for, mapping, model

# What mappings/salesforce.yaml makes of a campaign membership: (Campaign.Type, responded) -> kind.
MEMBERSHIP = {("Webinar", False): ActivityKind.WEBINAR_REGISTERED, ("Webinar", True): ActivityKind.WEBINAR_ATTENDED,
              ("Conference", True): ActivityKind.EVENT_ATTENDED, ("Content", True): ActivityKind.CONTENT_DOWNLOAD,
              ("Email", True): ActivityKind.NEWSLETTER_SIGNUP}


def as_salesforce_records_them(p: Person, key: str) -> tuple[Contact, list[Activity]]:
    contact, activities = to_common(p, "salesforce", "contact")
    contact = replace(contact, key=key, company_domain=None, annual_revenue=None, crm_stage=None,
                      created_at=None, updated_at=None)
    logged = TASK_KINDS.keys() | EVENT_KINDS
    kept = [replace(a, contact_key=key) for a in activities if a.kind.value in logged]
    campaigns: dict[str, list[Any]] = {}
    for a in p.activities:
        name = campaign_of(a)
        if name is not None:
            campaigns.setdefault(name, []).append(a)
    for name, members in campaigns.items():
        responded = any(CAMPAIGN_KINDS[a.kind] for a in members)
        kind = MEMBERSHIP.get((campaign_fields(name, members[0].occurred_at)["Type"], responded), ActivityKind.OTHER)
        kept.append(Activity(key, kind, min(a.occurred_at for a in members), f"cm-{name}"))
    return contact, kept


def test_a_person_in_both_crms_gets_the_same_qualification(salesforce_sandbox: Any) -> None:
    org = salesforce_sandbox.org
    source = SalesforceSource(api_for(salesforce_sandbox), mapping())
    now: datetime = org.data_now
    compared = 0
    for index in range(600):
        p = person(index, org.settings.seed, now, org.settings.activities_mean)
        if not (p.in_hubspot and p.in_salesforce) or org.contact_of[index] < 0:
            continue
        key = f"salesforce:contact:{make_id('003', org.contact_of[index])}"
        [read] = source.reread([key])
        activities = source.read_activities([key])[key]
        expected_contact, expected_activities = as_salesforce_records_them(p, key)
        got = qualify(read, activities, model(), now, None)
        want = qualify(expected_contact, expected_activities, model(), now, None)
        assert (got.score, got.fit, got.engagement, got.grade, got.stage, got.disqualified) == (
            want.score, want.fit, want.engagement, want.grade, want.stage, want.disqualified), p.email
        assert [r.rule for r in got.reasons] == [r.rule for r in want.reasons]
        compared += 1
    assert compared >= 20
    source.api.close()
