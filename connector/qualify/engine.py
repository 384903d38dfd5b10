"""qualify(): one contact, its activities, the model and the clock in; a Qualification out. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connector.model import Activity, Contact, Qualification, Reason, Stage
from connector.qualify.explain import summarize
from connector.qualify.facts import Facts
from connector.qualify.scoring_model import ScoringModel
from connector.qualify.stages import decide_stage


def qualify(
    contact: Contact,
    activities: Sequence[Activity],
    model: ScoringModel,
    now: datetime,
    previous_stage: Stage | None = None,
) -> Qualification:
    """Score and stage one contact as of ``now`` (timezone-aware).

    ``previous_stage`` is the stage last set (from the store); when None the CRM's current stage counts.
    The stage never goes below it unless one of the model's recycle rules fires.
    """
    if now.tzinfo is None:
        raise ValueError("qualify() needs a timezone-aware 'now' (UTC)")
    return qualify_at(contact, activities, model, now, now.timestamp(), previous_stage)


def qualify_at(
    contact: Contact,
    activities: Sequence[Activity],
    model: ScoringModel,
    now: datetime,
    now_ts: float,
    previous_stage: Stage | None = None,
) -> Qualification:
    """``qualify`` with ``now`` already checked and converted to a POSIX timestamp (once per batch)."""
    facts = Facts(contact, activities, now, model.plan, now_ts)
    reasons: list[Reason] = []
    disqualified_reason = None
    for dq in model.disqualifiers:
        if dq.condition.test(facts):
            disqualified_reason = dq.reason
            reasons.append(Reason(dq.name, "disqualifier", 0.0, dq.condition.evidence(facts), None, dq.reason))
            break
    facts.disqualified = disqualified_reason is not None
    fit, fit_reasons = model.fit.score(facts)
    engagement, engagement_reasons = model.engagement.score(facts)
    reasons += fit_reasons
    reasons += engagement_reasons
    score = 0 if facts.disqualified else int(round(model.fit_weight * fit + model.engagement_weight * engagement))
    facts.fit, facts.engagement, facts.score = fit, engagement, score
    previous = previous_stage if previous_stage is not None else contact.crm_stage
    decision = decide_stage(facts, model.stage_paths, model.recycle, previous, model.lead_has_paths)
    if decision.recycle is not None:
        reasons.append(decision.recycle)
    grade = model.grades.grade(fit, engagement)
    return Qualification(
        contact_key=contact.key,
        score=score,
        fit=fit,
        engagement=engagement,
        grade=grade,
        stage=decision.stage,
        disqualified=facts.disqualified,
        disqualified_reason=disqualified_reason,
        reasons=tuple(reasons),
        summary=summarize(decision.stage, grade, score, reasons, disqualified_reason),
        model_version=model.version,
        computed_at=now,
        stage_reason=decision.reason,
        previous_stage=previous,
    )
