"""Load and validate a scoring model YAML into a ScoringModel. Every error names file, line and key."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from connector.mapping.shipped import shipped_mapping
from connector.mapping.yamlfile import KeyPath, YamlDoc, load_yaml
from connector.model import Stage
from connector.qualify.conditions import Scope, _number, compile_activity_filter, compile_condition
from connector.qualify.decay import NO_DECAY, Decay
from connector.qualify.rules import Axis, Group, Rule
from connector.qualify.scoring_model import Disqualifier, Grades, ScoringModel
from connector.qualify.stages import RecycleRule, StagePath

TOP_KEYS = ("name", "description", "weights", "grades", "definitions", "disqualifiers", "fit", "engagement",
            "stages", "recycle")
AXIS_KEYS = ("max_points", "groups", "decay", "rollup_factor")
GROUP_KEYS = ("name", "cap", "rules", "description")
RULE_KEYS = ("name", "label", "points", "cap", "once", "decay", "description")
STAGE_PATH_KEYS = ("name", "label", "description")
RECYCLE_KEYS = ("name", "label", "from", "to", "description")
DISQUALIFIER_KEYS = ("name", "reason", "description")
DECAY_KEYS = ("half_life_days", "linear_days", "window_days")
COMPUTABLE_STAGES = {"lead": Stage.LEAD, "mql": Stage.MQL, "sql": Stage.SQL}


def load_model(path: str | Path | None = None, text: str | None = None) -> ScoringModel:
    """Load a scoring model from ``path`` (the shipped mappings/scoring.yaml when None)."""
    source = path if path is not None else shipped_mapping("scoring.yaml")
    return build_model(load_yaml(source, text))


def model_version(data: Any) -> str:
    """A short hash of the model's normalized content: same rules, same version, whatever the comments."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def build_model(doc: YamlDoc) -> ScoringModel:
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "a scoring model must be a YAML mapping with fit, engagement and stages")
    _check_keys(doc, (), data, TOP_KEYS)
    for required in ("fit", "engagement", "stages"):
        if required not in data:
            raise doc.error((), f"missing '{required}' section")
    names: set[str] = set()
    scope = Scope(doc)
    for name, spec in _mapping(doc, ("definitions",), data.get("definitions", {})).items():
        scope.definitions[name] = compile_condition(spec, scope, ("definitions", name))
    fit_weight, engagement_weight = _weights(doc, data.get("weights", {"fit": 0.5, "engagement": 0.5}))
    grades = _grades(doc, data.get("grades", {}))
    fit = _axis(scope, "fit", data["fit"], names, time_based=False)
    engagement_decay = _decay(doc, ("engagement", "decay"), _mapping(doc, ("engagement",), data["engagement"])
                              .get("decay", "none"))
    engagement = _axis(scope, "engagement", data["engagement"], names, time_based=True,
                       default_decay=engagement_decay)
    disqualifiers = tuple(
        Disqualifier(
            _name(doc, ("disqualifiers", i), spec, names),
            str(spec.get("reason") or spec["name"]),
            compile_condition(spec, scope, ("disqualifiers", i), DISQUALIFIER_KEYS),
        )
        for i, spec in enumerate(_list(doc, ("disqualifiers",), data.get("disqualifiers", [])))
    )
    paths = _stage_paths(scope, data["stages"], names)
    recycle = _recycle(scope, data.get("recycle", []), names)
    decays = engagement_decay.changes_with_time or any(
        rule.decay is not None and rule.decay.changes_with_time
        for group in engagement.groups for rule in group.rules
    ) or _uses_windows(doc.data)
    return ScoringModel(
        name=str(data.get("name", "scoring model")),
        version=model_version(data),
        fit=fit,
        engagement=engagement,
        fit_weight=fit_weight,
        engagement_weight=engagement_weight,
        grades=grades,
        disqualifiers=disqualifiers,
        stage_paths=paths,
        recycle=recycle,
        decays=decays,
        source=doc.file,
        lead_has_paths=any(p.stage is Stage.LEAD for p in paths),
        plan=scope.plan(),
    )


def _uses_windows(data: Any) -> bool:
    """True when any condition looks back a number of days: results then change as time passes."""
    if isinstance(data, dict):
        return "within_days" in data or any(_uses_windows(v) for v in data.values())
    if isinstance(data, list):
        return any(_uses_windows(v) for v in data)
    return False


def _check_keys(doc: YamlDoc, path: KeyPath, spec: dict[str, Any], valid: tuple[str, ...]) -> None:
    for key in spec:
        if key not in valid:
            raise doc.error((*path, key), f"unknown key '{key}'", unknown=key, valid=valid)


def _mapping(doc: YamlDoc, path: KeyPath, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise doc.error(path, f"expected a mapping, got {type(value).__name__}")
    return value


def _list(doc: YamlDoc, path: KeyPath, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise doc.error(path, f"expected a list, got {type(value).__name__}")
    return value


def _name(doc: YamlDoc, path: KeyPath, spec: Any, names: set[str]) -> str:
    if not isinstance(spec, dict):
        raise doc.error(path, "expected a mapping with at least 'name'")
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise doc.error(path, "missing 'name': every rule needs a unique name (it appears in explanations)")
    if name in names:
        raise doc.error((*path, "name"), f"duplicate name '{name}': names must be unique across the model")
    names.add(name)
    return name


def _positive(doc: YamlDoc, path: KeyPath, value: Any, what: str) -> float:
    number = _number(value)
    if number is None or number <= 0:
        raise doc.error(path, f"{what} must be a positive number, got {value!r}")
    return number


def _weights(doc: YamlDoc, spec: Any) -> tuple[float, float]:
    spec = _mapping(doc, ("weights",), spec)
    _check_keys(doc, ("weights",), spec, ("fit", "engagement"))
    fit, engagement = _number(spec.get("fit", 0.5)), _number(spec.get("engagement", 0.5))
    if fit is None or engagement is None or fit < 0 or engagement < 0:
        raise doc.error(("weights",), "weights must be numbers >= 0, e.g. {fit: 0.5, engagement: 0.5}")
    if fit + engagement == 0:
        raise doc.error(("weights",), "weights cannot both be 0")
    total = fit + engagement
    return fit / total, engagement / total


def _grades(doc: YamlDoc, spec: Any) -> Grades:
    spec = _mapping(doc, ("grades",), spec)
    _check_keys(doc, ("grades",), spec, ("fit", "engagement"))
    fit = _mapping(doc, ("grades", "fit"), spec.get("fit", {"A": 70, "B": 40}))
    eng = _mapping(doc, ("grades", "engagement"), spec.get("engagement", {"1": 60, "2": 30}))
    _check_keys(doc, ("grades", "fit"), fit, ("A", "B"))
    _check_keys(doc, ("grades", "engagement"), eng, ("1", "2"))
    grades = Grades(
        fit_a=_positive(doc, ("grades", "fit", "A"), fit.get("A", 70), "grade threshold"),
        fit_b=_positive(doc, ("grades", "fit", "B"), fit.get("B", 40), "grade threshold"),
        engagement_1=_positive(doc, ("grades", "engagement", "1"), eng.get("1", 60), "grade threshold"),
        engagement_2=_positive(doc, ("grades", "engagement", "2"), eng.get("2", 30), "grade threshold"),
    )
    if grades.fit_a <= grades.fit_b:
        raise doc.error(("grades", "fit"), f"contradictory thresholds: A ({grades.fit_a:g}) must be above "
                                           f"B ({grades.fit_b:g})")
    if grades.engagement_1 <= grades.engagement_2:
        raise doc.error(("grades", "engagement"), f"contradictory thresholds: 1 ({grades.engagement_1:g}) must "
                                                  f"be above 2 ({grades.engagement_2:g})")
    return grades


def _decay(doc: YamlDoc, path: KeyPath, spec: Any) -> Decay:
    if spec in (None, "none", False):
        return NO_DECAY
    spec = _mapping(doc, path, spec)
    _check_keys(doc, path, spec, DECAY_KEYS)
    if len(spec) != 1:
        raise doc.error(path, "decay takes exactly one of half_life_days, linear_days, window_days (or none)")
    key, value = next(iter(spec.items()))
    return Decay(key.removesuffix("_days"), _positive(doc, (*path, key), value, key))


def _axis(scope: Scope, name: str, spec: Any, names: set[str], time_based: bool,
          default_decay: Decay = NO_DECAY) -> Axis:
    doc = scope.doc
    spec = _mapping(doc, (name,), spec)
    _check_keys(doc, (name,), spec, AXIS_KEYS if time_based else ("max_points", "groups"))
    max_points = _positive(doc, (name, "max_points"), spec.get("max_points", 100), "max_points")
    rollup_factor = _number(spec.get("rollup_factor", 0.5))
    if rollup_factor is None or not 0 <= rollup_factor <= 1:
        raise doc.error((name, "rollup_factor"), "rollup_factor must be between 0 and 1")
    groups = []
    group_names: set[str] = set()
    for gi, gspec in enumerate(_list(doc, (name, "groups"), spec.get("groups", []))):
        gpath: KeyPath = (name, "groups", gi)
        gname = _name(doc, gpath, gspec, group_names)
        _check_keys(doc, gpath, gspec, GROUP_KEYS)
        cap = _positive(doc, (*gpath, "cap"), gspec["cap"], "cap") if "cap" in gspec else None
        rules = tuple(
            _rule(scope, (*gpath, "rules", ri), rspec, names, time_based, default_decay, rollup_factor)
            for ri, rspec in enumerate(_list(doc, (*gpath, "rules"), gspec.get("rules", [])))
        )
        groups.append(Group(gname, rules, cap))
    return Axis(name, tuple(groups), max_points)


def _rule(scope: Scope, path: KeyPath, spec: Any, names: set[str], time_based: bool, default_decay: Decay,
          rollup_factor: float) -> Rule:
    doc = scope.doc
    name = _name(doc, path, spec, names)
    if "points" not in spec:
        raise doc.error(path, f"rule '{name}' has no 'points'")
    points = _number(spec["points"])
    if points is None:
        raise doc.error((*path, "points"), f"points must be a number, got {spec['points']!r}")
    cap = _positive(doc, (*path, "cap"), spec["cap"], "cap") if "cap" in spec else None
    once = spec.get("once", False)
    if not isinstance(once, bool):
        raise doc.error((*path, "once"), "once takes true or false")
    if "activity" in spec and not time_based:
        raise doc.error((*path, "activity"), "activity rules belong under engagement; fit is about who they are")
    if "decay" in spec and not time_based:
        raise doc.error((*path, "decay"), "decay applies to engagement rules only")
    gate_spec = {k: v for k, v in spec.items() if k not in ("activity", "at_least", *RULE_KEYS)}
    activity = None
    at_least = 1.0
    decay = None
    if "activity" in spec:
        decay = _decay(doc, (*path, "decay"), spec["decay"]) if "decay" in spec else default_decay
        activity = compile_activity_filter(spec["activity"], scope, (*path, "activity"))
        at_least = _number(spec.get("at_least", 1)) or 0.0
        if "at_least" in spec and (_number(spec["at_least"]) is None or at_least < 0):
            raise doc.error((*path, "at_least"), "at_least needs a number of times >= 0")
    elif "at_least" in spec:
        raise doc.error((*path, "at_least"), "'at_least' counts activities: add 'activity: {kind: ...}'")
    condition = compile_condition(gate_spec, scope, path, RULE_KEYS) if gate_spec else None
    if condition is None and activity is None:
        raise doc.error(path, f"rule '{name}' has no condition: give a field, an activity or another test")
    return Rule(
        name=name,
        label=str(spec["label"]) if "label" in spec else None,
        points=points,
        condition=condition,
        activity=activity,
        at_least=at_least,
        once=once,
        cap=cap,
        decay=decay,
        rollup_factor=rollup_factor,
    )


def _stage_paths(scope: Scope, spec: Any, names: set[str]) -> tuple[StagePath, ...]:
    doc = scope.doc
    spec = _mapping(doc, ("stages",), spec)
    paths: list[StagePath] = []
    for key, items in spec.items():
        if key not in COMPUTABLE_STAGES:
            if key in {s.value for s in Stage}:
                raise doc.error(("stages", key), f"'{key}' cannot be computed: opportunity, customer and "
                                                 "evangelist come only from CRM facts (deals, the CRM's stage)")
            raise doc.error(("stages", key), f"unknown stage '{key}'", unknown=key, valid=COMPUTABLE_STAGES)
        for i, pspec in enumerate(_list(doc, ("stages", key), items)):
            ppath: KeyPath = ("stages", key, i)
            name = _name(doc, ppath, pspec, names)
            condition = compile_condition(pspec, scope, ppath, STAGE_PATH_KEYS)
            paths.append(StagePath(COMPUTABLE_STAGES[key], name, str(pspec.get("label", name)), condition))
    if not any(p.stage is Stage.MQL for p in paths):
        raise doc.error(("stages",), "no way into MQL: add at least one path under stages.mql")
    paths.sort(key=lambda p: p.stage.rank, reverse=True)
    return tuple(paths)


def _recycle(scope: Scope, spec: Any, names: set[str]) -> tuple[RecycleRule, ...]:
    doc = scope.doc
    rules = []
    for i, rspec in enumerate(_list(doc, ("recycle",), spec)):
        path: KeyPath = ("recycle", i)
        name = _name(doc, path, rspec, names)
        stages = []
        raw_from = rspec.get("from")
        if raw_from is None:
            raise doc.error(path, f"recycle rule '{name}' needs 'from': the stages it moves back from")
        for j, value in enumerate(raw_from if isinstance(raw_from, list) else [raw_from]):
            stages.append(_stage(doc, (*path, "from", j), value))
        if "to" not in rspec:
            raise doc.error(path, f"recycle rule '{name}' needs 'to': the stage it moves back to")
        to = _stage(doc, (*path, "to"), rspec["to"])
        for stage in stages:
            if stage <= to:
                raise doc.error((*path, "to"), f"recycle must move back: {to.value} is not below {stage.value}")
        condition = compile_condition(rspec, scope, path, RECYCLE_KEYS)
        rules.append(RecycleRule(name, str(rspec.get("label", name)), frozenset(stages), to, condition))
    return tuple(rules)


def _stage(doc: YamlDoc, path: KeyPath, value: Any) -> Stage:
    try:
        return Stage.parse(str(value))
    except ValueError:
        raise doc.error(path, f"unknown stage '{value}'", unknown=str(value), valid=[s.value for s in Stage]) from None
