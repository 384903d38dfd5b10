"""Synthetic people as HubSpot records: contact properties, rollups, engagements and deals.

Pure functions of a ``synthetic.Person``: the store calls them lazily, so a million-contact portal costs
nothing until a contact is read. Which synthetic activity becomes what follows what HubSpot keeps:

- web activity (visit, page_view, pricing_page_view, content_view): only the analytics rollups on the contact
  (hs_analytics_num_visits, hs_analytics_num_page_views, first/last visit, last url). HubSpot keeps page views
  as rollups, not as engagements, so they must not become fake engagements.
- marketing email (email_open, email_click, email_bounce, unsubscribe): the hs_email_* rollups and
  hs_email_optout.
- conversions (form_submission, demo_request, newsletter_signup, content_download, webinar_registered):
  num_conversion_events, first/recent conversion name and date.
- sales activity becomes engagements (source: https://developers.hubspot.com/docs/api/crm/engagements):
  email_reply -> an INCOMING_EMAIL email, call -> call, meeting -> meeting, demo_request -> a follow-up task,
  chat, webinar_attended, event_attended -> a note logged by the integration that saw it.

Ids: contact id = population index + 1; engagement id = contact id * 1000 + position of the activity;
deal id = contact id. Ids decode without a lookup table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from connector.sandbox.hubspot.timefmt import iso, to_ms
from connector.sandbox.synthetic import Person, SyntheticActivity

ENGAGEMENT_ID_FACTOR = 1000

WEB_KINDS = frozenset({"visit", "page_view", "pricing_page_view", "content_view"})
CONVERSION_KINDS = frozenset(
    {"form_submission", "demo_request", "newsletter_signup", "content_download", "webinar_registered"}
)
ENGAGEMENT_TYPE_BY_KIND = {
    "email_reply": "emails",
    "call": "calls",
    "meeting": "meetings",
    "demo_request": "tasks",
    "chat": "notes",
    "webinar_attended": "notes",
    "event_attended": "notes",
}
#: HubSpot-defined association type ids, contact -> object (source: associations v4 guide, "Contact to
#: email 198, call 194, meeting 200, note 202, task 204, deal 4").
CONTACT_ASSOCIATION_TYPE = {"emails": 198, "calls": 194, "meetings": 200, "notes": 202, "tasks": 204, "deals": 4}
#: ... and back from the object to the contact.
TO_CONTACT_ASSOCIATION_TYPE = {"emails": 197, "calls": 193, "meetings": 199, "notes": 201, "tasks": 203, "deals": 3}

_SOURCE_BY_LEAD_SOURCE = {
    "Organic Search": "ORGANIC_SEARCH",
    "Paid Search": "PAID_SEARCH",
    "Social": "SOCIAL_MEDIA",
    "Referral": "REFERRALS",
    "Direct": "DIRECT_TRAFFIC",
    "Email": "EMAIL_MARKETING",
    "Events": "OFFLINE",
    "Partner": "OTHER_CAMPAIGNS",
}
_OPEN_DEAL_STAGES = ("qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent")


def contact_id(index: int) -> int:
    return index + 1


def index_of(contact: int) -> int:
    return contact - 1


def employee_range(size: int) -> str:
    """HubSpot's numemployees buckets."""
    for upper, label in (
        (5, "1-5"),
        (25, "5-25"),
        (50, "25-50"),
        (100, "50-100"),
        (500, "100-500"),
        (1000, "500-1000"),
    ):
        if size <= upper:
            return label
    return "1000+"


@dataclass(frozen=True)
class Engagement:
    """One engagement record (email, call, meeting, note or task) associated with one contact."""

    id: int
    object_type: str
    contact_id: int
    occurred_ms: int
    properties: dict[str, str]


@dataclass(frozen=True)
class Deal:
    id: int
    contact_id: int
    created_ms: int
    modified_ms: int
    properties: dict[str, str]


def base_lifecycle(p: Person) -> str:
    """The stage the portal already holds: deals decide opportunity/customer; a few are MQLs from an older
    HubSpot scoring setup; newsletter-only people are subscribers."""
    if p.outcome in ("opportunity", "customer"):
        return p.outcome
    if p.index % 11 == 0 and len(p.activities) >= 25:
        return "marketingqualifiedlead"
    if p.lead_source == "Email" and len(p.activities) < 5:
        return "subscriber"
    return "lead"


def contact_properties(p: Person) -> dict[str, str | None]:
    """Every stored property of the contact for person ``p``, rollups included (values as HubSpot strings)."""
    cid = contact_id(p.index)
    created = to_ms(p.created_at)
    modified = max(created, to_ms(p.updated_at))
    props: dict[str, str | None] = {
        "hs_object_id": str(cid),
        "createdate": iso(created),
        "lastmodifieddate": iso(modified),
        "email": p.email,
        "firstname": p.first_name,
        "lastname": p.last_name,
        "jobtitle": p.job_title,
        "seniority": p.seniority,
        "department": p.department,
        "company": p.company,
        "website": p.company_domain,
        "phone": p.phone,
        "country": p.country,
        "industry": p.industry,
        "numemployees": employee_range(p.company_size),
        "lifecyclestage": base_lifecycle(p),
        "hs_lead_status": "OPEN_DEAL" if p.outcome == "opportunity" else None,
        "hs_analytics_source": _SOURCE_BY_LEAD_SOURCE.get(p.lead_source, "OTHER_CAMPAIGNS"),
        "budget": p.budget,
        "authority": p.authority,
        "need": p.need,
        "timeline": p.timeline,
        "pain_points": p.pain_points,
        "num_associated_deals": "1" if p.outcome in ("opportunity", "customer") else "0",
    }
    props.update(rollups(p.activities, do_not_contact=p.do_not_contact))
    return props


def rollups(activities: Iterable[SyntheticActivity], do_not_contact: bool = False) -> dict[str, str | None]:
    """The calculated contact properties HubSpot derives from activity it keeps only in aggregate."""
    visits = page_views = opens = clicks = bounces = conversions = 0
    first_visit = last_visit = last_open = last_click = last_reply = last_contacted = None
    last_url: str | None = None
    first_conv: tuple[int, str] | None = None
    recent_conv: tuple[int, str] | None = None
    forms: set[str] = set()
    optout = do_not_contact
    for a in activities:
        at = to_ms(a.occurred_at)
        kind = a.kind
        if kind in WEB_KINDS:
            page_views += 1
            if kind == "visit":
                visits += 1
            first_visit = at if first_visit is None else min(first_visit, at)
            if last_visit is None or at >= last_visit:
                last_visit, last_url = at, a.detail.get("url", last_url)
        elif kind == "email_open":
            opens += 1
            last_open = max(last_open or at, at)
        elif kind == "email_click":
            clicks += 1
            last_click = max(last_click or at, at)
        elif kind == "email_bounce":
            bounces += 1
        elif kind == "unsubscribe":
            optout = True
        if kind in CONVERSION_KINDS:
            conversions += 1
            name = a.detail.get("form") or a.detail.get("content_id") or a.detail.get("campaign") or kind
            forms.add(name)
            if first_conv is None or at < first_conv[0]:
                first_conv = (at, name)
            if recent_conv is None or at >= recent_conv[0]:
                recent_conv = (at, name)
        if kind == "email_reply":
            last_reply = max(last_reply or at, at)
        if kind in ("email_reply", "call", "meeting"):
            last_contacted = max(last_contacted or at, at)
    # HubSpot counts at least one session for anyone with page views.
    visits = max(visits, 1) if page_views else 0
    return {
        "hs_analytics_num_visits": str(visits),
        "hs_analytics_num_page_views": str(page_views),
        "hs_analytics_first_visit_timestamp": _iso_or_none(first_visit),
        "hs_analytics_last_visit_timestamp": _iso_or_none(last_visit),
        "hs_analytics_last_url": last_url,
        "num_conversion_events": str(conversions),
        "num_unique_conversion_events": str(len(forms)),
        "first_conversion_event_name": first_conv[1] if first_conv else None,
        "first_conversion_date": iso(first_conv[0]) if first_conv else None,
        "recent_conversion_event_name": recent_conv[1] if recent_conv else None,
        "recent_conversion_date": iso(recent_conv[0]) if recent_conv else None,
        "hs_email_open": str(opens),
        "hs_email_click": str(clicks),
        "hs_email_bounce": str(bounces),
        "hs_email_last_open_date": _iso_or_none(last_open),
        "hs_email_last_click_date": _iso_or_none(last_click),
        "hs_email_optout": "true" if optout else "false",
        "hs_sales_email_last_replied": _iso_or_none(last_reply),
        "notes_last_contacted": _iso_or_none(last_contacted),
    }


def _iso_or_none(ms: int | None) -> str | None:
    return None if ms is None else iso(ms)


def engagement_for(activity: SyntheticActivity, cid: int, position: int) -> Engagement | None:
    """The engagement an activity becomes, or None when HubSpot keeps it only as a rollup."""
    object_type = ENGAGEMENT_TYPE_BY_KIND.get(activity.kind)
    if object_type is None:
        return None
    at = to_ms(activity.occurred_at)
    eid = cid * ENGAGEMENT_ID_FACTOR + position
    d = activity.detail
    common = {
        "hs_object_id": str(eid),
        "hs_timestamp": iso(at),
        "hs_createdate": iso(at),
        "hs_lastmodifieddate": iso(at),
    }
    subject = d.get("subject", "")
    if activity.kind == "email_reply":
        own = {
            "hs_email_direction": "INCOMING_EMAIL",
            "hs_email_subject": f"Re: {subject}" if subject else "Re: your email",
            "hs_email_text": "Thanks for reaching out, happy to talk next week.",
            "hs_email_status": "SENT",
        }
    elif activity.kind == "call":
        own = {
            "hs_call_title": subject or "Call",
            "hs_call_direction": "INBOUND" if d.get("direction") == "inbound" else "OUTBOUND",
            "hs_call_status": "COMPLETED",
            "hs_call_duration": str(60_000 * (5 + position % 25)),
            "hs_call_body": subject,
        }
    elif activity.kind == "meeting":
        own = {
            "hs_meeting_title": subject or "Meeting",
            "hs_meeting_start_time": iso(at),
            "hs_meeting_end_time": iso(at + 30 * 60_000),
            "hs_meeting_outcome": "COMPLETED",
            "hs_meeting_body": subject,
        }
    elif activity.kind == "demo_request":
        own = {
            "hs_task_subject": "Follow up on demo request",
            "hs_task_status": "NOT_STARTED",
            "hs_task_type": "CALL",
            "hs_task_priority": "HIGH",
            "hs_task_body": f"Demo requested from {d.get('url', 'the website')}",
        }
    else:
        label = {"chat": "Chat", "webinar_attended": "Attended webinar", "event_attended": "Attended event"}[
            activity.kind
        ]
        what = d.get("campaign") or subject or d.get("url") or ""
        own = {"hs_note_body": f"{label}: {what}".rstrip(": ")}
    return Engagement(eid, object_type, cid, at, {**common, **own})


def engagements(activities: Sequence[SyntheticActivity], cid: int) -> list[Engagement]:
    """The engagements of one contact, in activity order."""
    found = []
    for position, activity in enumerate(activities):
        engagement = engagement_for(activity, cid, position)
        if engagement is not None:
            found.append(engagement)
    return found


def deal_for(p: Person) -> Deal | None:
    """The deal behind an opportunity (open stage) or a customer (closedwon); None for everyone else."""
    if p.outcome not in ("opportunity", "customer"):
        return None
    cid = contact_id(p.index)
    created = max(to_ms(p.created_at), to_ms(p.updated_at) - 45 * 86_400_000)
    won = p.outcome == "customer"
    stage = "closedwon" if won else _OPEN_DEAL_STAGES[p.index % len(_OPEN_DEAL_STAGES)]
    close = to_ms(p.updated_at) if won else to_ms(p.updated_at) + 30 * 86_400_000
    seats = 5 + p.company_size % 95
    props = {
        "hs_object_id": str(cid),
        "createdate": iso(created),
        "hs_lastmodifieddate": iso(to_ms(p.updated_at)),
        "dealname": f"{p.company} - {seats} seats",
        "dealstage": stage,
        "pipeline": "default",
        "amount": str(seats * 1200),
        "closedate": iso(close),
        "hs_is_closed_won": "true" if won else "false",
    }
    return Deal(cid, cid, created, to_ms(p.updated_at), props)
