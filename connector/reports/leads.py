"""What every report reads: each contact with its activities, the stage and score it was qualified at, and
the stage history when there is one. Built from the store or from in-memory results (the files source).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.model import Activity, Contact, Qualification, Stage


@dataclass(frozen=True, slots=True)
class StageEntry:
    """One stage change: the contact entered ``to_stage`` at ``changed_at`` (from the store's history)."""

    contact_key: str
    from_stage: Stage | None
    to_stage: Stage
    changed_at: datetime


@dataclass(frozen=True, slots=True)
class Lead:
    """One contact as the reports see it. ``stage``/``score`` are its latest qualification (None if never
    qualified); ``stage`` is never below what the CRM's facts say (deals, the CRM's own stage)."""

    contact: Contact
    activities: Sequence[Activity]
    stage: Stage
    score: int | None
    disqualified: bool = False

    @property
    def key(self) -> str:
        return self.contact.key


@dataclass(frozen=True)
class ReportData:
    """The leads and, when known, the stage history (empty for a files source scored once)."""

    leads: Sequence[Lead]
    history: Sequence[StageEntry] = field(default_factory=tuple)


def crm_stage(contact: Contact) -> Stage | None:
    """The stage the CRM's facts prove: a won deal is a customer, an open deal an opportunity."""
    facts = [s for s in (contact.crm_stage,
                         Stage.CUSTOMER if contact.has_won_deal else None,
                         Stage.OPPORTUNITY if contact.has_open_deal else None) if s is not None]
    return max(facts) if facts else None


def lead_of(contact: Contact, activities: Sequence[Activity], result: Qualification | None) -> Lead:
    """A Lead from a contact and its qualification (None: the CRM's stage, or lead)."""
    known = crm_stage(contact)
    stage = result.stage if result is not None else (known or Stage.LEAD)
    if known is not None and known > stage:
        stage = known
    return Lead(contact, activities, stage, result.score if result is not None else None,
                bool(result and result.disqualified))


def leads_from_results(contacts: Sequence[Contact], activities: Mapping[str, Sequence[Activity]],
                       results: Sequence[Qualification]) -> list[Lead]:
    """Leads from what ``leadbridge score`` (or the demo) computed in memory."""
    by_key = {q.contact_key: q for q in results}
    return [lead_of(c, activities.get(c.key, ()), by_key.get(c.key)) for c in contacts]


#: Whether a lead reached an outcome. Named outcomes are stages; any other name is a field that is true.
OutcomeTest = Callable[[Lead], bool]

OUTCOME_STAGES = {"mql": Stage.MQL, "sql": Stage.SQL, "opportunity": Stage.OPPORTUNITY, "customer": Stage.CUSTOMER}


def truthy(value: Any) -> bool:
    """A field value read as a yes/no outcome: true, 1, "yes", "won", ... are yes; empty and "no" are no."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    text = str(value).strip().casefold()
    return text not in ("", "0", "false", "no", "n", "f", "none", "null", "lost", "closed lost", "closedlost")


def outcome_test(name: str) -> OutcomeTest:
    """The test for ``--outcome``: sql, opportunity, customer (reached that stage or beyond) or a field name."""
    stage = OUTCOME_STAGES.get(name.strip().casefold())
    if stage is not None:
        return lambda lead: lead.stage >= stage
    return lambda lead: truthy(lead.contact.value(name))


def outcome_label(name: str) -> str:
    stage = OUTCOME_STAGES.get(name.strip().casefold())
    return stage.label if stage is not None else name
