"""The fitted points as a scoring model YAML that ``load_model`` reads unchanged.

Field buckets go under ``fit`` (who they are), activity buckets under ``engagement`` (what they did); each
family is a group. Each axis's ``max_points`` is the most its groups can give together, and the weights are
in the same proportion, so that ``score`` = 100 x total points / most possible points: the fitted order,
on the usual 0-100 scale. Definitions, stages, recycle rules and grades come from the hand-written model, so
the exported file is a drop-in replacement for it. Disqualifiers are not copied: a disqualified contact scores
0, which would overrule what the fit learned (unsubscribed people do buy); add them back by hand where they
are business rules rather than predictions.
"""

from __future__ import annotations

from typing import Any

import yaml

from connector.qualify.predict.fit import FittedPoints

KEPT_SECTIONS = ("grades", "definitions", "stages", "recycle")


def scorecard_document(fitted: FittedPoints, base: dict[str, Any], name: str, description: str) -> dict[str, Any]:
    axes: dict[str, list[dict[str, Any]]] = {"fit": [], "engagement": []}
    most: dict[str, int] = {"fit": 0, "engagement": 0}
    for family in fitted.families:
        rules = [{"name": b.name, "label": b.label, "points": fitted.points[b.name], **b.condition}
                 for b in family.buckets if fitted.points[b.name] > 0]
        if not rules:
            continue
        axes[family.axis].append({"name": family.name, "rules": rules})
        most[family.axis] += max(r["points"] for r in rules)
    doc: dict[str, Any] = {"name": name, "description": description,
                           "weights": {"fit": most["fit"], "engagement": most["engagement"]}}
    if "grades" in base:
        doc["grades"] = base["grades"]
    if "definitions" in base:
        doc["definitions"] = base["definitions"]
    doc["fit"] = {"max_points": most["fit"] or 100, "groups": axes["fit"]}
    doc["engagement"] = {"max_points": most["engagement"] or 100, "decay": "none", "groups": axes["engagement"]}
    doc["stages"] = base.get("stages") or {"mql": [{"name": "score_threshold", "label": "Score 50+",
                                                      "score": {"gte": 50}}]}
    if "recycle" in base:
        doc["recycle"] = base["recycle"]
    return doc


HEADER = """\
# Scoring model fitted by `leadbridge model fit` on this CRM's own outcomes. Same format as a hand-written
# model: read it, edit it, version it; `leadbridge check --model` and `leadbridge score --model` take it as is.
#
# {summary}
#
# Each group is one field or activity rule; exactly one of its rules holds for a contact, worth the points
# the fit gave it (the lowest bucket gives 0 and is left out). Score = 100 x points / most possible points.
# Stages and definitions are copied from the hand-written model: the score thresholds in `stages` now read
# this score, so check them against the evaluation (`leadbridge model evaluate`). Disqualifiers are not
# copied (a disqualified contact scores 0, overruling the fit): add back the ones that are business rules.
"""


def scorecard_yaml(doc: dict[str, Any], summary: str) -> str:
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    lines = "\n# ".join(summary.splitlines())
    return HEADER.format(summary=lines) + "\n" + body
