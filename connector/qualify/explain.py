"""The one line a sales rep reads: stage, grade, score and the strongest reasons."""

from __future__ import annotations

from operator import attrgetter

from connector.model import Reason, Stage

TOP_REASONS = 3


def summarize(stage: Stage, grade: str, score: int, reasons: list[Reason], disqualified_reason: str | None) -> str:
    """E.g. ``MQL · A1 · score 82: Senior title (+25); Visited the pricing page ×3 (+24); Asked for a demo (+20)``."""
    if disqualified_reason:
        return f"Disqualified: {disqualified_reason} ({stage.label}, {grade})"
    # One pass instead of filter-then-sort-then-min: it runs for every contact.
    positive: list[Reason] = []
    negative: Reason | None = None
    for reason in reasons:
        points = reason.points
        if points and reason.axis in SCORED_AXES:
            if points > 0:
                positive.append(reason)
            elif negative is None or points < negative.points:  # the first of the most negative
                negative = reason
    positive.sort(key=_points, reverse=True)  # stable: ties keep the reasons' order
    parts = [f"{r.text} (+{_number(r.points)})" for r in positive[:TOP_REASONS]]
    if negative is not None:
        parts.append(f"{negative.text} ({_number(negative.points)})")
    head = f"{stage.label} · {grade} · score {score}"
    return f"{head}: {'; '.join(parts)}" if parts else f"{head}: no scoring activity yet"


SCORED_AXES = frozenset(("fit", "engagement"))
_points = attrgetter("points")
_NUMBERS: dict[float, str] = {}


def _number(points: float) -> str:
    """``f"{points:g}"``, remembered: points are rounded to 0.1, so the same few hundred values repeat."""
    text = _NUMBERS.get(points)
    if text is None:
        text = f"{points:g}"
        if len(_NUMBERS) < 10_000:
            _NUMBERS[points] = text
    return text
