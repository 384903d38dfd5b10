"""How a synthetic person becomes Salesforce records: Lead, Contact, Account, Opportunity, activities.

Everything here is a pure function of the person and the seed, so the org can keep only compact rows
(which person, which activity) and rebuild any record's fields on demand — that is what lets the sandbox
hold a million people without materialising them.

The shapes follow how a B2B org looks after a few years of use:
- About 60% of the people in Salesforce are open Leads, 25% Contacts created directly on an Account, 15%
  Leads converted into a Contact (Object Reference, Lead: IsConverted, ConvertedDate, ConvertedAccountId,
  ConvertedContactId, ConvertedOpportunityId). People whose outcome is an opportunity or a customer are
  always Contacts (converted or not): opportunities hang off accounts and contact roles.
- Open leads carry a Lead Status from the org's values; converted ones "Closed - Converted".
- Opportunities: "Closed Won" (IsWon, IsClosed) for customers, an open stage otherwise, with an
  OpportunityContactRole naming the person.
- Activities: calls, emails and other logged engagement are Tasks (TaskSubtype Call/Email/Task, Type naming
  what happened, Subject), meetings are Events, webinars, events, content downloads and the newsletter are
  CampaignMembers ("Sent" when registered, "Responded" once they took part). Web page views and visits are
  not CRM records (they live in marketing automation), so they have no Salesforce row. Activities of a
  person who has a Contact hang off the Contact (conversion moves them there); CampaignMembers of a
  converted lead keep both LeadId and ContactId, as conversion leaves them. Salesforce archives activities
  older than 365 days (IsArchived, only queryAll returns them); synthetic activities span 180 days, so none is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connector.sandbox.salesforce.schema import LEAD_STATUSES, OPPORTUNITY_STAGES
from connector.sandbox.synthetic import Person, SyntheticActivity

#: Sales users who own records, then the API user leadbridge's writes are attributed to.
USERS: tuple[tuple[str, str], ...] = (
    ("Alex Morgan", "alex.morgan@sandbox.example.com"),
    ("Sam Rivera", "sam.rivera@sandbox.example.com"),
    ("Jordan Lee", "jordan.lee@sandbox.example.com"),
    ("Taylor Kim", "taylor.kim@sandbox.example.com"),
    ("Casey Patel", "casey.patel@sandbox.example.com"),
    ("Riley Chen", "riley.chen@sandbox.example.com"),
    ("Integration User", "integration@sandbox.example.com"),
)
SALES_USERS = len(USERS) - 1
INTEGRATION_USER = len(USERS) - 1

# kind -> (TaskSubtype, Type, subject template). Templates see the activity detail.
TASK_KINDS: dict[str, tuple[str, str, str]] = {
    "call": ("Call", "Call", "Call: {subject}"),
    "email_open": ("Email", "Email Open", "Email Opened: {subject}"),
    "email_click": ("Email", "Email Click", "Email Clicked: {subject}"),
    "email_reply": ("Email", "Email Reply", "Email: {subject}"),
    "email_bounce": ("Email", "Email Bounce", "Email Bounced: {subject}"),
    "unsubscribe": ("Task", "Unsubscribe", "Unsubscribed: {campaign}"),
    "chat": ("Task", "Chat", "Chat: {subject}"),
    "form_submission": ("Task", "Form Submission", "Form Submission: {form}"),
    "demo_request": ("Task", "Demo Request", "Demo Request: {form}"),
    "pricing_page_view": ("Task", "Web Activity", "Visited: {url}"),
}
EVENT_KINDS = frozenset({"meeting"})
# kind -> whether taking part counts as a response to the campaign.
CAMPAIGN_KINDS: dict[str, bool] = {
    "webinar_registered": False,
    "webinar_attended": True,
    "event_attended": True,
    "content_download": True,
    "newsletter_signup": True,
}
_OPEN_STAGES = tuple(s for s in OPPORTUNITY_STAGES if not s[2])


@dataclass(frozen=True, slots=True)
class Profile:
    """The Salesforce-side facts about a person that are not in ``Person``: drawn from the seed, stable."""

    form: str  # "lead", "contact" or "converted"
    owner: int  # index into USERS
    converted_at: datetime | None
    lead_status: str
    stage: str | None  # opportunity StageName, or None when there is no opportunity
    amount: float
    close_date: date | None
    last_activity: date | None  # LastActivityDate: the latest task or event


def profile(p: Person, seed: int) -> Profile:
    """The Salesforce facts of person ``p`` under ``seed`` (the same every time)."""
    rng = random.Random(seed * 2_000_029 + p.index * 97 + 11)
    r = rng.random()
    if p.outcome != "none":
        form = "converted" if r < 0.6 else "contact"
    else:
        form = "lead" if r < 0.72 else "contact" if r < 0.9 else "converted"
    owner = rng.randrange(SALES_USERS)
    converted_at = None
    if form == "converted":
        span = (p.updated_at - p.created_at).total_seconds()
        converted_at = p.created_at + timedelta(seconds=int(span * (0.2 + 0.6 * rng.random())))
    worked = any(a.kind in ("call", "email_reply", "meeting") for a in p.activities)
    if form == "converted":
        status = next(s[0] for s in LEAD_STATUSES if s[2])
    elif worked:
        status = LEAD_STATUSES[1][0]
    elif p.propensity < 0.1 and rng.random() < 0.5:
        status = LEAD_STATUSES[3][0]
    else:
        status = LEAD_STATUSES[0][0]
    stage, close_date = None, None
    if p.outcome == "customer":
        stage = "Closed Won"
        close_date = p.updated_at.date()
    elif p.outcome == "opportunity":
        stage = rng.choice(_OPEN_STAGES)[0]
        close_date = (p.updated_at + timedelta(days=rng.randrange(30, 120))).date()
    amount = float(round(min(250_000, 2_000 + p.company_size * 40 * (0.5 + rng.random())), -2))
    logged = [a.occurred_at for a in p.activities if a.kind in TASK_KINDS or a.kind in EVENT_KINDS]
    last_activity = max(logged).date() if logged else None
    return Profile(form, owner, converted_at, status, stage, amount, close_date, last_activity)


def task_fields(p: Person, activity: SyntheticActivity) -> dict[str, Any]:
    """The Task fields (other than ids and system fields) of one logged activity."""
    subtype, task_type, template = TASK_KINDS[activity.kind]
    detail = activity.detail
    subject = template.format_map(_Detail(detail))
    fields: dict[str, Any] = {
        "Subject": subject[:255],
        "ActivityDate": activity.occurred_at.date(),
        "Status": "Completed",
        "Priority": "Normal",
        "TaskSubtype": subtype,
        "Type": task_type,
        "Description": _description(detail),
        "CallType": None,
        "CallDurationInSeconds": None,
        "CompletedDateTime": activity.occurred_at,
        "IsClosed": True,
        "IsArchived": False,
        "WhatId": None,
    }
    if activity.kind == "call":
        fields["CallType"] = "Inbound" if detail.get("direction") == "inbound" else "Outbound"
        fields["CallDurationInSeconds"] = 60 + (hash_int(activity.source_id) % 1_740)
    return fields


def event_fields(p: Person, activity: SyntheticActivity) -> dict[str, Any]:
    """The Event fields of one meeting."""
    minutes = 30 if hash_int(activity.source_id) % 2 else 60
    start = activity.occurred_at
    return {
        "Subject": activity.detail.get("subject", "Meeting"),
        "StartDateTime": start,
        "EndDateTime": start + timedelta(minutes=minutes),
        "ActivityDateTime": start,
        "ActivityDate": start.date(),
        "DurationInMinutes": minutes,
        "Type": "Meeting",
        "EventSubtype": "Event",
        "Location": "Video call",
        "Description": _description(activity.detail),
        "IsArchived": False,
        "WhatId": None,
    }


def campaign_of(activity: SyntheticActivity) -> str | None:
    """The campaign an activity makes the person a member of, if any."""
    if activity.kind not in CAMPAIGN_KINDS:
        return None
    return activity.detail.get("campaign") or activity.detail.get("content_id") or activity.kind


def campaign_fields(name: str, first_seen: datetime) -> dict[str, Any]:
    """The Campaign fields for a campaign named in the synthetic activities."""
    if name.startswith("webinar-"):
        kind = "Webinar"
    elif name in ("revops-summit-2026", "saastr-europa", "dreamforce", "inbound-2026", "local-meetup"):
        kind = "Conference"
    elif name.startswith("newsletter"):
        kind = "Email"
    else:
        kind = "Content"
    return {"Name": name[:80], "Type": kind, "Status": "In Progress", "StartDate": first_seen.date(), "IsActive": True}


def member_fields(p: Person, campaign: str) -> dict[str, Any]:
    """Status, HasResponded and FirstRespondedDate of a person's membership of ``campaign``."""
    responded_at = [a.occurred_at for a in p.activities if campaign_of(a) == campaign and CAMPAIGN_KINDS[a.kind]]
    first = min(responded_at) if responded_at else None
    return {
        "Status": "Responded" if first else "Sent",
        "HasResponded": first is not None,
        "FirstRespondedDate": first.date() if first else None,
    }


def hash_int(text: str) -> int:
    """A stable small hash (Python's hash() is salted per process)."""
    value = 2_166_136_261
    for char in text.encode():
        value = ((value ^ char) * 16_777_619) & 0xFFFFFFFF
    return value


def epoch(moment: datetime) -> float:
    """Seconds since the epoch, rounded to the millisecond Salesforce keeps."""
    return round(moment.timestamp(), 3)


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class _Detail(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _description(detail: dict[str, str]) -> str | None:
    # The activity's detail as "key: value" lines: what a marketing-automation sync writes, and what a
    # mapping can pick the url, campaign or content id out of.
    if not detail:
        return None
    return "\n".join(f"{key}: {value}" for key, value in sorted(detail.items()))
