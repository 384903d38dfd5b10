"""The one line a sales rep reads: stage, grade, score and the strongest reasons."""

from __future__ import annotations

from operator import itemgetter

from connector.model import Reason, Stage

TOP_REASONS = 3


def summarize(stage: Stage, grade: str, score: int, reasons: list[Reason], disqualified_reason: str | None) -> str:
    """E.g. ``MQL · A1 · score 82: Senior title (+25); Visited the pricing page ×3 (+24); Asked for a demo (+20)``."""
    if disqualified_reason:
        return f"Disqualified: {disqualified_reason} ({stage.label}, {grade})"
    # One pass instead of filter-then-sort-then-min: it runs for every contact. Reasons are tuples:
    # [1] is the axis, [2] the points.
    positive: list[Reason] = []
    negative: Reason | None = None
    lowest = 0.0
    for reason in reasons:
        points = reason[2]
        if points and reason[1] in SCORED_AXES:
            if points > 0:
                positive.append(reason)
            elif negative is None or points < lowest:  # the first of the most negative
                negative, lowest = reason, points
    if len(positive) > 1:
        positive.sort(key=_points, reverse=True)  # stable: ties keep the reasons' order
    parts = [_part(r, "+") for r in positive[:TOP_REASONS]]
    if negative is not None:
        parts.append(_part(negative, ""))
    head = f"{stage.label} · {grade} · score {score}"
    return f"{head}: {'; '.join(parts)}" if parts else f"{head}: no scoring activity yet"


def _part(reason: Reason, sign: str) -> str:
    """``Visited the site ×3 (+4.5)``, remembered: labels and points (to 0.1) repeat across contacts."""
    key = (reason[0], reason[5], reason[2], sign)
    part = _PARTS.get(key)
    if part is None:
        part = f"{reason.text} ({sign}{_number(reason[2])})"
        if len(_PARTS) < 100_000:
            _PARTS[key] = part
    return part


_PARTS: dict[tuple[str, str | None, float, str], str] = {}
SCORED_AXES = frozenset(("fit", "engagement"))
_points = itemgetter(2)  # a reason's points
_NUMBERS: dict[float, str] = {}


def _number(points: float) -> str:
    """``f"{points:g}"``, remembered: points are rounded to 0.1, so the same few hundred values repeat."""
    text = _NUMBERS.get(points)
    if text is None:
        text = f"{points:g}"
        if len(_NUMBERS) < 10_000:
            _NUMBERS[points] = text
    return text
