"""Scores against outcomes: the score distribution by stage, conversion by score decile (does a higher score
mean more wins?), lift per decile, ROC-AUC and calibration (a Platt fit of the outcome on the score)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from connector.model import Stage
from connector.reports.leads import ReportData, outcome_test
from connector.reports.metrics import CalibrationBin, Platt, calibration, platt, roc_auc
from connector.reports.stats import Lift, Rate, deciles, lift, quantile, wilson


@dataclass(frozen=True, slots=True)
class StageScores:
    stage: Stage
    n: int
    mean: float
    p10: float
    median: float
    p90: float


@dataclass(frozen=True, slots=True)
class DecileRow:
    """Decile 10 holds the highest scores."""

    decile: int
    low: int
    high: int
    rate: Rate
    lift: Lift


@dataclass(frozen=True)
class ScoresReport:
    outcome: str
    scored: int
    base: Rate
    by_stage: tuple[StageScores, ...]
    deciles: tuple[DecileRow, ...]
    roc_auc: float | None
    probability: Platt
    calibration: tuple[CalibrationBin, ...]


def scores(data: ReportData, outcome: str = "customer") -> ScoresReport:
    """The scores report for ``outcome``; contacts never qualified (no score) are left out."""
    test = outcome_test(outcome)
    scored = [lead for lead in data.leads if lead.score is not None]
    values = [float(lead.score) for lead in scored]  # type: ignore[arg-type]
    labels = [test(lead) for lead in scored]
    base = wilson(sum(labels), len(labels))
    by_stage: dict[Stage, list[float]] = defaultdict(list)
    for lead, value in zip(scored, values, strict=True):
        by_stage[lead.stage].append(value)
    stage_rows = tuple(
        StageScores(stage, len(v), sum(v) / len(v), quantile(v, 0.1) or 0.0, quantile(v, 0.5) or 0.0,
                    quantile(v, 0.9) or 0.0)
        for stage in Stage if (v := by_stage.get(stage))
    )
    groups: dict[int, list[int]] = defaultdict(list)
    for i, d in enumerate(deciles(values)):
        groups[d].append(i)
    rows = []
    for d in sorted(groups):
        members = groups[d]
        rate = wilson(sum(1 for i in members if labels[i]), len(members))
        rows.append(DecileRow(d, int(min(values[i] for i in members)), int(max(values[i] for i in members)), rate,
                              lift(rate, base.value)))
    fit = platt(values, labels)
    probabilities = [fit(v) for v in values]
    return ScoresReport(outcome, len(scored), base, stage_rows, tuple(rows), roc_auc(values, labels), fit,
                        tuple(calibration(probabilities, labels)) if scored else ())
