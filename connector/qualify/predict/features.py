"""Candidate features, as conditions of the scoring language, and their values computed by the core itself.

Every feature is a *bucket*: one value of a text field, one range of a number field, or one range of
"how many times did the contact match this activity rule" (the activity rules of the hand-written model).
Buckets of one field or rule form a *family*; exactly one bucket of a family holds for a contact (or none,
for values the condition language cannot read, which then count zero everywhere).

Feature values are not computed by a second implementation: each bucket is compiled as a one-point rule
and run through ``qualify``, so the exported scorecard, which uses the very same conditions, scores exactly
what the fit saw.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from connector.model import CONTACT_FIELDS
from connector.qualify import load_model, qualify_batch
from connector.qualify.predict.config import PredictConfig
from connector.qualify.predict.dataset import Example

_PROBE_MQL = {"mql": [{"name": "probe_never_mql", "score": {"gte": 101}}]}
HUGE = 1e12


@dataclass(frozen=True, slots=True)
class Bucket:
    name: str
    label: str
    condition: dict[str, Any]


@dataclass(frozen=True)
class Family:
    """The buckets of one field or activity rule. ``axis`` is where its points go: fit (who they are) or
    engagement (what they did)."""

    name: str
    axis: str
    source: str
    buckets: tuple[Bucket, ...]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:40] or "x"


def _text(value: float) -> str:
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def candidate_fields(examples: Sequence[Example], config: PredictConfig) -> list[str]:
    """Common fields, mapped custom fields (attributes.X) and rollup signals (signals.X) not excluded."""
    names = [f for f in CONTACT_FIELDS if f not in ("created_at", "updated_at")]
    attributes: dict[str, None] = {}
    signals: dict[str, None] = {}
    for e in examples:
        attributes.update(dict.fromkeys(e.contact.attributes))
        signals.update(dict.fromkeys(e.contact.signals))
    names += [f"attributes.{a}" for a in attributes] + [f"signals.{s}" for s in signals]
    return [n for n in names if not config.excluded(n)]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cuts(ordered: Sequence[float], candidates: Sequence[float], min_bucket: int) -> list[float]:
    """The candidate cut points that leave at least ``min_bucket`` sorted values in every bucket."""
    cuts: list[float] = []
    for cut in candidates:
        lower = cuts[-1] if cuts else -math.inf
        if cut <= ordered[0] or cut <= lower:
            continue
        between = bisect_left(ordered, cut) - bisect_left(ordered, lower)
        above = len(ordered) - bisect_left(ordered, cut)
        if between >= min_bucket and above >= min_bucket:
            cuts.append(cut)
    return cuts


def field_family(name: str, values: Sequence[Any], config: PredictConfig) -> Family | None:
    """Buckets for a field from its training values; None when it has nothing to learn from."""
    present = [v for v in values if not _empty(v)]
    if len(present) < config.min_bucket:
        return None
    group = f"p_{slug(name)}"
    missing = Bucket(f"{group}_unknown", f"{name} unknown", {"field": name, "absent": True})
    with_missing = len(present) < len(values)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    if numeric:
        numbers = sorted(float(v) for v in present)
        candidates = [numbers[len(numbers) * k // config.numeric_bins] for k in range(1, config.numeric_bins)]
        cuts = _cuts(numbers, candidates, config.min_bucket)
        if not cuts:
            return None
        buckets = [Bucket(f"{group}_lt_{slug(_text(cuts[0]))}", f"{name} under {_text(cuts[0])}",
                          {"field": name, "lt": cuts[0]})]
        for lo, hi in zip(cuts, cuts[1:], strict=False):
            buckets.append(Bucket(f"{group}_{slug(_text(lo))}_{slug(_text(hi))}",
                                  f"{name} {_text(lo)} to under {_text(hi)}", {"field": name, "gte": lo, "lt": hi}))
        buckets.append(Bucket(f"{group}_ge_{slug(_text(cuts[-1]))}", f"{name} {_text(cuts[-1])} or more",
                              {"field": name, "gte": cuts[-1]}))
        if with_missing:
            buckets.append(missing)
        return Family(group, "fit", name, _unique(buckets))
    folded = Counter(v.casefold() if isinstance(v, str) else v for v in present)
    levels = [v for v, n in folded.most_common(config.max_levels) if n >= config.min_bucket]
    if not levels or (len(levels) == 1 and len(folded) == 1 and not with_missing):
        return None
    buckets = [Bucket(f"{group}_{slug(str(level))}", f"{name} is {level}", {"field": name, "equals": level})
               for level in levels]
    if len(folded) > len(levels):
        buckets.append(Bucket(f"{group}_other", f"{name}: another value",
                              {"all_of": [{"field": name, "present": True}, {"field": name, "not_in": levels}]}))
    if with_missing:
        buckets.append(missing)
    return Family(group, "fit", name, _unique(buckets))


def _unique(buckets: Sequence[Bucket]) -> tuple[Bucket, ...]:
    """Buckets with distinct rule names: values that differ only in punctuation, or a value "unknown" next to
    the bucket for missing values, would otherwise share one."""
    used: set[str] = set()
    out = []
    for bucket in buckets:
        name = bucket.name
        n = 1
        while name in used:
            n += 1
            name = f"{bucket.name}_{n}"
        used.add(name)
        out.append(Bucket(name, bucket.label, bucket.condition))
    return tuple(out)


def activity_rules(base: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(name, label, activity filter) of each activity rule of a scoring model's engagement axis, deduplicated."""
    found: list[tuple[str, str, Any]] = []
    seen: set[str] = set()
    for group in (base.get("engagement") or {}).get("groups") or []:
        for rule in group.get("rules") or []:
            if "activity" not in rule:
                continue
            spec = rule["activity"]
            key = yaml.safe_dump(spec, sort_keys=True)
            if key in seen:
                continue
            seen.add(key)
            found.append((str(rule["name"]), str(rule.get("label") or rule["name"]), spec))
    return found


def _probe(examples: Sequence[Example], fit_groups: list[dict[str, Any]], engagement_groups: list[dict[str, Any]],
           now: datetime) -> Iterator[dict[str, float]]:
    """Run one-point rules through the core; yields, per example, {rule name: count (or 1)} of those that fired."""
    doc = {"name": "leadbridge-feature-probe",
           "fit": {"max_points": HUGE, "groups": fit_groups},
           "engagement": {"max_points": HUGE, "decay": "none", "rollup_factor": 1, "groups": engagement_groups},
           "stages": _PROBE_MQL}
    model = load_model("<feature probe>", text=yaml.safe_dump(doc, sort_keys=False))
    for q in qualify_batch(((e.contact, e.activities) for e in examples), model, now):
        yield {r.rule: (r.count or 1.0) for r in q.reasons if r.axis in ("fit", "engagement")}


def activity_counts(examples: Sequence[Example], rules: list[tuple[str, str, Any]], now: datetime) -> list[list[float]]:
    """How many activities (or CRM rollup counts) of each example match each activity rule's filter."""
    groups = [{"name": f"g{i}", "rules": [{"name": f"count_{i}", "points": 1, "activity": spec}]}
              for i, (_, _, spec) in enumerate(rules)]
    return [[fired.get(f"count_{i}", 0.0) for i in range(len(rules))] for fired in _probe(examples, [], groups, now)]


def activity_family(name: str, label: str, spec: Any, counts: Sequence[float], config: PredictConfig) -> Family | None:
    """Buckets "never", "a to b times", "c or more times" for an activity rule from its training counts."""
    ordered = sorted(counts)
    cuts = [int(c) for c in _cuts(ordered, [float(c) for c in config.activity_cuts], config.min_bucket)]
    if not cuts:
        return None
    group = f"p_{slug(name)}"
    buckets = [Bucket(f"{group}_never", f"{label}: never", {"all_of": [{"activity": spec, "at_most": 0}]})]
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        times = f"{lo} time" + ("s" if lo > 1 else "") if hi - 1 == lo else f"{lo}-{hi - 1} times"
        buckets.append(Bucket(f"{group}_{lo}_{hi - 1}", f"{label}: {times}",
                              {"all_of": [{"activity": spec, "at_least": lo}, {"activity": spec, "at_most": hi - 1}]}))
    buckets.append(Bucket(f"{group}_{cuts[-1]}_plus", f"{label}: {cuts[-1]}+ times" if cuts[-1] > 1 else
                          f"{label}: at least once", {"all_of": [{"activity": spec, "at_least": cuts[-1]}]}))
    return Family(group, "engagement", name, tuple(buckets))


def build_families(examples: Sequence[Example], train: Sequence[int], config: PredictConfig,
                   base: dict[str, Any], now: datetime) -> list[Family]:
    """The families, with buckets chosen on the training examples only."""
    fitting = [examples[i] for i in train]
    families = []
    for name in candidate_fields(fitting, config):
        family = field_family(name, [e.contact.value(name) for e in fitting], config)
        if family is not None:
            families.append(family)
    rules = activity_rules(base)
    if rules:
        counts = activity_counts(fitting, rules, now)
        for i, (name, label, spec) in enumerate(rules):
            family = activity_family(name, label, spec, [row[i] for row in counts], config)
            if family is not None:
                families.append(family)
    return families


def design(examples: Sequence[Example], families: Sequence[Family], now: datetime) -> tuple[list[str], list[set[int]]]:
    """Bucket names (columns) and, per example, the set of columns that hold — computed by the core."""
    columns = [b.name for f in families for b in f.buckets]
    index = {name: i for i, name in enumerate(columns)}
    groups = [{"name": f.name, "rules": [{"name": b.name, "points": 1, **b.condition} for b in f.buckets]}
              for f in families]
    rows = [{index[name] for name in fired if name in index} for fired in _probe(examples, groups, [], now)]
    return columns, rows


def univariate_auc(rows: Sequence[set[int]], labels: Sequence[bool], columns: Sequence[int]) -> float | None:
    """How well one family ranks the outcome alone: each bucket scored by its own conversion rate."""
    from connector.reports.metrics import roc_auc

    hits: Counter[int] = Counter()
    totals: Counter[int] = Counter()
    wanted = set(columns)
    keys = []
    for row, label in zip(rows, labels, strict=True):
        key = next(iter(row & wanted), -1)
        keys.append(key)
        totals[key] += 1
        hits[key] += 1 if label else 0
    scores = [hits[k] / totals[k] for k in keys]
    auc = roc_auc(scores, labels)
    return None if auc is None or math.isnan(auc) else auc
