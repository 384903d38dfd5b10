"""The one line a sales rep reads: stage, grade, score and the strongest reasons."""

from __future__ import annotations

from connector.model import Reason, Stage

TOP_REASONS = 3


def summarize(stage: Stage, grade: str, score: int, reasons: list[Reason], disqualified_reason: str | None) -> str:
    """E.g. ``MQL · A1 · score 82: Senior title (+25); Visited the pricing page ×3 (+24); Asked for a demo (+20)``."""
    if disqualified_reason:
        return f"Disqualified: {disqualified_reason} ({stage.label}, {grade})"
    scored = [r for r in reasons if r.axis in ("fit", "engagement") and r.points != 0]
    positive = sorted((r for r in scored if r.points > 0), key=lambda r: -r.points)[:TOP_REASONS]
    parts = [f"{r.text} (+{r.points:g})" for r in positive]
    negative = min((r for r in scored if r.points < 0), key=lambda r: r.points, default=None)
    if negative is not None:
        parts.append(f"{negative.text} ({negative.points:g})")
    head = f"{stage.label} · {grade} · score {score}"
    return f"{head}: {'; '.join(parts)}" if parts else f"{head}: no scoring activity yet"
