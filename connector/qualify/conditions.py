"""Conditions: the small language rules, disqualifiers and stage criteria are written in.

Leaves test a field (equals, in, contains, regex, ranges, present/absent), activities (kind, url and detail
filters, within the last N days, at least / at most N times), or a score (score, fit, engagement).
``all_of``, ``any_of``, ``not``, ``n_of`` (+ ``of``) combine them; ``ref`` names a shared definition.
Each YAML condition is validated and compiled once, into objects whose ``test`` is cheap.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from connector.mapping.yamlfile import KeyPath, YamlDoc
from connector.model import CONTACT_FIELDS, Activity, ActivityKind, Contact, describe_activity
from connector.qualify.decay import DAYS_PER_SECOND
from connector.qualify.facts import KIND_CODES, UNSET, ActivityPlan, Facts, email_domain

if TYPE_CHECKING:
    from connector.qualify.block import Block

Verdicts = np.ndarray  # one bool per contact of a block

FIELD_NAMES = (*CONTACT_FIELDS, "email_domain")
FIELD_OPS = ("equals", "not_equals", "in", "not_in", "contains", "regex", "gte", "gt", "lte", "lt", "between",
             "present", "absent")
NUMERIC_OPS = ("gte", "gt", "lte", "lt", "between")
ACTIVITY_KEYS = ("kind", "url_contains", "url_regex", "detail", "within_days")
COMBINATORS = ("all_of", "any_of", "not", "n_of", "of", "ref")
SCORE_AXES = ("score", "fit", "engagement")
CONDITION_KEYS = ("field", "activity", "at_least", "at_most", "disqualified", *SCORE_AXES, *COMBINATORS, *FIELD_OPS)


class Condition:
    """A compiled condition. ``test_block`` decides for every contact of a block, ``test`` for one contact
    (both the same verdicts: tests/qualify/test_block_conditions.py); ``evidence`` says why it held."""

    def test(self, facts: Facts) -> bool:
        raise NotImplementedError

    def test_block(self, block: Block) -> Verdicts:
        raise NotImplementedError

    def evidence(self, facts: Facts) -> tuple[str, ...]:
        return ()

    def fields(self) -> tuple[str, ...] | None:
        """The contact fields this condition reads, when they are all it reads (None when it also looks at
        activities, scores or the clock): its verdict and evidence are then a function of their values."""
        return None

    def cost(self) -> int:
        """Roughly how much a test costs: 1 per field or score test, more for activities, the sum for a
        combination. ``all_of`` and ``any_of`` test their cheapest parts first (conditions are pure, so the
        verdict is the same; evidence keeps the written order)."""
        return 1


def _cheapest_first(parts: tuple[Condition, ...]) -> tuple[Condition, ...]:
    return tuple(sorted(parts, key=lambda part: part.cost()))


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


Predicate = Callable[[Any], bool]
MEMO_SIZE = 100_000
_UNSEEN: Any = object()  # not in a memo


def _numeric_predicates(spec: Mapping[str, Any], doc: YamlDoc, path: KeyPath) -> list[Predicate]:
    """gte/gt/lte/lt/between on a number; contradictory bounds are an error."""
    preds: list[Predicate] = []
    low: float | None = None
    high: float | None = None
    for op in NUMERIC_OPS:
        if op not in spec:
            continue
        raw = spec[op]
        if op == "between":
            if not (isinstance(raw, list) and len(raw) == 2 and all(_number(x) is not None for x in raw)):
                raise doc.error((*path, op), "between takes two numbers, e.g. between: [50, 500]")
            lo, hi = (float(x) for x in raw)
            if lo > hi:
                raise doc.error((*path, op), f"between: lower bound {lo:g} is above upper bound {hi:g}")
            preds.append(lambda v, lo=lo, hi=hi: (n := _number(v)) is not None and lo <= n <= hi)
            low, high = lo, hi
            continue
        bound = _number(raw)
        if bound is None:
            raise doc.error((*path, op), f"{op} needs a number, got {raw!r}")
        if op == "gte":
            preds.append(lambda v, b=bound: (n := _number(v)) is not None and n >= b)
            low = bound
        elif op == "gt":
            preds.append(lambda v, b=bound: (n := _number(v)) is not None and n > b)
            low = bound
        elif op == "lte":
            preds.append(lambda v, b=bound: (n := _number(v)) is not None and n <= b)
            high = bound
        else:
            preds.append(lambda v, b=bound: (n := _number(v)) is not None and n < b)
            high = bound
    if low is not None and high is not None and low > high:
        raise doc.error(path, f"contradictory range: lower bound {low:g} is above upper bound {high:g}; "
                              "no value can match")
    return preds


def _string_list(raw: Any, doc: YamlDoc, path: KeyPath) -> tuple[Any, ...]:
    if isinstance(raw, list):
        return tuple(_fold(x) for x in raw)
    if isinstance(raw, str | int | float | bool):
        return (_fold(raw),)
    raise doc.error(path, f"expected a value or a list of values, got {type(raw).__name__}")


def _field_predicates(spec: Mapping[str, Any], doc: YamlDoc, path: KeyPath) -> list[Predicate]:
    preds: list[Predicate] = []
    if "equals" in spec:
        want = _fold(spec["equals"])
        preds.append(lambda v, w=want: v is not None and _fold(v) == w)
    if "not_equals" in spec:
        want = _fold(spec["not_equals"])
        preds.append(lambda v, w=want: v is None or _fold(v) != w)
    if "in" in spec:
        options = frozenset(_string_list(spec["in"], doc, (*path, "in")))
        preds.append(lambda v, o=options: v is not None and _fold(v) in o)
    if "not_in" in spec:
        options = frozenset(_string_list(spec["not_in"], doc, (*path, "not_in")))
        preds.append(lambda v, o=options: v is None or _fold(v) not in o)
    if "contains" in spec:
        parts = tuple(str(x) for x in _string_list(spec["contains"], doc, (*path, "contains")))
        preds.append(lambda v, p=parts: v is not None and any(x in str(v).casefold() for x in p))
    if "regex" in spec:
        try:
            pattern = re.compile(str(spec["regex"]), re.IGNORECASE)
        except re.error as exc:
            raise doc.error((*path, "regex"), f"invalid regular expression: {exc}") from None
        preds.append(lambda v, p=pattern: v is not None and p.search(str(v)) is not None)
    preds.extend(_numeric_predicates(spec, doc, path))
    for op, wanted_present in (("present", True), ("absent", False)):
        if op in spec:
            flag = spec[op]
            if not isinstance(flag, bool):
                raise doc.error((*path, op), f"{op} takes true or false")
            expect = flag if wanted_present else not flag
            preds.append(lambda v, e=expect: (not _is_empty(v)) == e)
    return preds


def field_getter(name: str) -> Callable[[Contact], Any]:
    """A fast accessor for a field name (common field, email_domain, attributes.X, signals.X)."""
    if name == "email_domain":
        return email_domain
    if name in CONTACT_FIELDS:
        return attrgetter(name)
    if name.startswith("signals."):
        key = name[8:]
        return lambda c: c.signals.get(key)
    key = name.removeprefix("attributes.")
    return lambda c: c.attributes.get(key)


@dataclass(frozen=True, eq=False)
class FieldTest(Condition):
    field: str
    predicates: tuple[Predicate, ...]
    getter: Callable[[Contact], Any]
    # Titles, countries and industries repeat across contacts: remember each value's verdict. Not for
    # present/absent alone: they are cheaper than a lookup, and what they test (emails, names) rarely repeats.
    remember: bool = True
    # For a lone present/absent test: whether the value must be present (the profile checks of SQL paths).
    presence: bool | None = None
    memo: dict[Any, bool] = field(default_factory=dict, repr=False)

    def test(self, facts: Facts) -> bool:
        value = self.getter(facts.contact)
        if not self.remember:
            if self.presence is not None:  # _decide's only predicate, inline
                return (not _is_empty(value)) == self.presence
            return self._decide(value)
        return self._remembered(value)

    def test_block(self, block: Block) -> Verdicts:
        values = block.values(self.field, self.getter)
        if not self.remember:
            want = self.presence
            if want is not None:  # not _is_empty(v) == want, inline
                return np.array([(v is not None and (not isinstance(v, str) or bool(v.strip()))) == want
                                 for v in values], dtype=bool)
            decide = self._decide
            return np.array([decide(v) for v in values], dtype=bool)
        get = self.memo.get
        try:
            verdicts = [get(v, _UNSEEN) for v in values]  # titles, countries, sizes: usually seen before
        except TypeError:  # an unhashable value (a list in attributes)
            remembered = self._remembered
            verdicts = [remembered(v) for v in values]
        if _UNSEEN in verdicts:  # decide the values not seen before (and remember them)
            remembered = self._remembered
            verdicts = [remembered(v) if verdict is _UNSEEN else verdict
                        for v, verdict in zip(values, verdicts, strict=True)]
        return np.array(verdicts, dtype=bool)

    def _remembered(self, value: Any) -> bool:
        try:
            return self.memo[value]
        except KeyError:
            pass
        except TypeError:  # unhashable (a list in attributes): decide without remembering
            return self._decide(value)
        verdict = self._decide(value)
        if len(self.memo) < MEMO_SIZE:
            self.memo[value] = verdict
        return verdict

    def _decide(self, value: Any) -> bool:
        for pred in self.predicates:
            if not pred(value):
                return False
        return True

    def evidence(self, facts: Facts) -> tuple[str, ...]:
        return (f"{self.field}={self.getter(facts.contact)!r}",)

    def fields(self) -> tuple[str, ...] | None:
        return (self.field,)


def fields_key(names: tuple[str, ...]) -> Callable[[Contact], Any]:
    """A function from a contact to a memo key for the values of ``names``: equal keys, same values."""
    getters = [field_getter(name) for name in dict.fromkeys(names)]
    if len(getters) == 1:
        get = getters[0]
        return lambda contact: memo_key(get(contact))
    return lambda contact: tuple([memo_key(get(contact)) for get in getters])


def memo_key(value: Any) -> Any:
    """``value`` as a dict key that only equal values *of the same type* share: 1, 1.0 and True are equal
    in Python but show differently in evidence (and so do 0.0 and -0.0)."""
    cls = value.__class__
    if cls is str or value is None:
        return value
    if cls is float:
        return (cls, value, math.copysign(1.0, value))
    return (cls, value)


def _fields_of(parts: Iterable[Condition]) -> tuple[str, ...] | None:
    names: list[str] = []
    for part in parts:
        found = part.fields()
        if found is None:
            return None
        names += found
    return tuple(names)


class ActivityFilter:
    """Which activities count: kinds (None = any), url and detail filters, and a recency window.

    ``matching`` finds them in a contact's Facts, on demand. A filter on one kind and nothing else (most
    scoring rules) is that kind's list as is; any other filter owns a slot in Facts where it caches what
    it found.
    """

    __slots__ = ("slot", "kinds", "kind_set", "codes", "kind_table", "url_contains", "url_regex", "detail",
                 "within_days", "simple", "only_kind", "by_url", "url_memo", "keep")

    def __init__(self, slot: int, kinds: tuple[ActivityKind, ...] | None, url_contains: tuple[str, ...],
                 url_regex: re.Pattern[str] | None, detail: tuple[tuple[str, frozenset[str]], ...],
                 within_days: float | None):
        self.slot = slot
        self.kinds = kinds
        self.kind_set = frozenset(kinds) if kinds is not None else None
        self.codes = [KIND_CODES[kind] for kind in kinds] if kinds is not None else None
        # Whether each kind (by code) passes: a block's kind mask is one lookup per activity.
        self.kind_table = np.zeros(len(KIND_CODES), dtype=bool)
        self.kind_table[self.codes if self.codes is not None else slice(None)] = True
        self.url_contains = url_contains
        self.url_regex = url_regex
        self.detail = detail
        self.within_days = within_days
        # A filter on kinds alone can also count a CRM's rollups (e.g. HubSpot's number of visits).
        self.simple = not url_contains and url_regex is None and not detail
        self.only_kind = kinds[0] if kinds is not None and len(kinds) == 1 and self.simple and \
            within_days is None else None
        self.by_url = bool(url_contains) or url_regex is not None
        # Sites have few distinct urls: each one's verdict is remembered.
        self.url_memo: dict[str, bool] = {}
        self.keep = self.keeper()

    def url_matches(self, url: str) -> bool:
        url = url.casefold()
        if self.url_contains and not any(part in url for part in self.url_contains):
            return False
        return self.url_regex is None or self.url_regex.search(url) is not None

    def url_verdict(self, url: str) -> bool:
        """``url_matches``, remembered."""
        verdict = self.url_memo.get(url)
        if verdict is None:
            verdict = self.url_matches(url)
            if len(self.url_memo) < MEMO_SIZE:
                self.url_memo[url] = verdict
        return verdict

    def keeper(self) -> Callable[[Activity], bool] | None:
        """The url and detail test for one activity (kind and window are checked apart), or None when the
        filter has neither."""
        if self.simple:
            return None
        url_test = self.url_verdict if self.by_url else None

        def keep(activity: Activity) -> bool:
            if url_test is not None:
                url = activity.detail.get("url")
                if not url or not url_test(url):
                    return False
            return self.detail_matches(activity)

        return keep

    def detail_matches(self, activity: Activity) -> bool:
        """The detail filters (form, campaign, ...) for one activity."""
        for key, allowed in self.detail:
            got = activity.detail.get(key)
            if got is None or got.casefold() not in allowed:
                return False
        return True

    def matching(self, facts: Facts) -> list[Activity] | None:
        """The contact's activities that pass the filter, in their original order; None when there are none.

        The list may be Facts' own: read it, never change it."""
        kind = self.only_kind
        if kind is not None:
            return facts.by_kind.get(kind)
        found = facts.found[self.slot]
        if found is UNSET:
            found = facts.found[self.slot] = self._select(facts)
        return found  # type: ignore[no-any-return]

    def select(self, block: Block) -> np.ndarray:
        """Indices of the block's activities that pass: kinds and window as masks over the whole block,
        then the url and detail test on what is left (url verdicts are remembered: sites have few urls)."""
        mask = self.kind_table[block.codes] if self.codes is not None else None
        if self.within_days is not None:
            recent = block.ages <= self.within_days
            mask = recent if mask is None else mask & recent
        found = mask.nonzero()[0] if mask is not None else np.arange(len(block.activities))
        if self.by_url and len(found):
            url_ids, urls = block.urls()
            passes = np.array([self.url_verdict(url) for url in urls] + [False])  # id -1: no url
            found = found[passes[url_ids[found]]]
        if self.detail and len(found):
            activities = block.activities
            found = found[np.array([self.detail_matches(activities[i]) for i in found.tolist()], dtype=bool)]
        return found

    def _select(self, facts: Facts) -> list[Activity] | None:
        candidates: Sequence[Activity]
        keep = self.keep
        if self.kinds is None:
            candidates = facts.activities
        elif len(self.kinds) == 1:
            candidates = facts.by_kind.get(self.kinds[0]) or ()
        else:
            by_kind = facts.by_kind
            present = [by_kind[k] for k in self.kinds if k in by_kind]
            if not present:
                return None
            if len(present) == 1:
                candidates = present[0]
            else:  # several kinds: keep the original order across them
                kind_set = self.kind_set
                candidates = [a for a in facts.activities if a.kind in kind_set]  # type: ignore[operator]
        within = self.within_days
        if within is not None:
            now_ts = facts.now_ts
            candidates = [a for a in candidates
                          if (now_ts - a.timestamp) * DAYS_PER_SECOND <= within]
        if keep is not None:
            candidates = [a for a in candidates if keep(a)]
        return candidates or None  # type: ignore[return-value]

    def matched(self, facts: Facts) -> list[Activity]:
        return self.matching(facts) or []

    def rollup(self, facts: Facts) -> float:
        """Count from the CRM's rollup signals for these kinds (undated, so only without a window)."""
        return self.rollup_of(facts.contact)

    def rollup_of(self, contact: Contact) -> float:
        """``rollup`` for a contact."""
        if not self.simple or self.within_days is not None or self.kinds is None:
            return 0.0
        signals = contact.signals
        if not signals:
            return 0.0
        return float(sum(signals.get(k.value, 0) or 0 for k in self.kinds))

    def count(self, facts: Facts) -> float:
        found = self.matching(facts)
        n = len(found) if found else 0
        return max(float(n), self.rollup(facts)) if self.simple else float(n)


@dataclass
class Scope:
    """What compiling conditions needs: the document (for located errors), named definitions, and the
    registry of activity filters (each gets a slot in the model's ActivityPlan)."""

    doc: YamlDoc
    definitions: dict[str, Condition] = field(default_factory=dict)
    filters: list[ActivityFilter] = field(default_factory=list)

    def plan(self) -> ActivityPlan:
        url_filters = [flt for flt in self.filters if flt.by_url]
        if any(flt.kind_set is None for flt in url_filters):
            return ActivityPlan(len(self.filters), None)
        return ActivityPlan(len(self.filters), frozenset(k for flt in url_filters for k in flt.kind_set or ()))


def compile_activity_filter(spec: Any, scope: Scope, path: KeyPath) -> ActivityFilter:
    """Validate an ``activity:`` filter and register it in the scope."""
    doc = scope.doc
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, dict):
        raise doc.error(path, "activity takes a mapping, e.g. {kind: page_view, url_contains: /pricing}")
    for key in spec:
        if key not in ACTIVITY_KEYS:
            raise doc.error((*path, key), f"unknown activity filter '{key}'", unknown=key, valid=ACTIVITY_KEYS)
    kinds: tuple[ActivityKind, ...] | None = None
    raw_kinds = spec.get("kind", "any")
    if raw_kinds != "any":
        names = raw_kinds if isinstance(raw_kinds, list) else [raw_kinds]
        parsed = []
        valid = [k.value for k in ActivityKind]
        for i, name in enumerate(names):
            try:
                parsed.append(ActivityKind(str(name).strip().lower()))
            except ValueError:
                where = (*path, "kind", i) if isinstance(raw_kinds, list) else (*path, "kind")
                raise doc.error(where, f"unknown activity kind '{name}'", unknown=str(name), valid=valid) from None
        kinds = tuple(dict.fromkeys(parsed))
    url_contains = tuple(str(x) for x in _string_list(spec["url_contains"], doc, (*path, "url_contains"))) \
        if "url_contains" in spec else ()
    url_regex = None
    if "url_regex" in spec:
        try:
            url_regex = re.compile(str(spec["url_regex"]), re.IGNORECASE)
        except re.error as exc:
            raise doc.error((*path, "url_regex"), f"invalid regular expression: {exc}") from None
    detail: list[tuple[str, frozenset[str]]] = []
    if "detail" in spec:
        if not isinstance(spec["detail"], dict):
            raise doc.error((*path, "detail"), "detail takes a mapping, e.g. {form: demo-request}")
        for key, want in spec["detail"].items():
            detail.append((key, frozenset(str(x) for x in _string_list(want, doc, (*path, "detail", key)))))
    within = spec.get("within_days")
    if within is not None and (_number(within) is None or float(within) <= 0):
        raise doc.error((*path, "within_days"), f"within_days needs a positive number of days, got {within!r}")
    flt = ActivityFilter(len(scope.filters), kinds, url_contains, url_regex, tuple(detail),
                         float(within) if within is not None else None)
    scope.filters.append(flt)
    return flt


@dataclass(frozen=True, eq=False)
class ActivityTest(Condition):
    filter: ActivityFilter
    at_least: float
    at_most: float | None

    def test(self, facts: Facts) -> bool:
        flt = self.filter
        found = flt.matching(facts)
        n: float = len(found) if found else 0
        if flt.simple and facts.contact.signals:  # as count(), without its calls when there are no rollups
            n = max(float(n), flt.rollup(facts))
        return n >= self.at_least and (self.at_most is None or n <= self.at_most)

    def test_block(self, block: Block) -> Verdicts:
        flt = self.filter
        n = block.counts(flt)
        if flt.simple:
            rollups = block.rollups(flt)
            if rollups is not None:
                n = np.maximum(n, rollups)
        verdicts = n >= self.at_least
        if self.at_most is not None:
            verdicts &= n <= self.at_most
        return verdicts

    def cost(self) -> int:
        # A window or several kinds mean a pass over the activities; one kind alone is a lookup.
        return 3 if self.filter.only_kind is not None else 10

    def evidence(self, facts: Facts) -> tuple[str, ...]:
        found = sorted(self.filter.matched(facts), key=lambda a: a.timestamp, reverse=True)
        shown = tuple(describe_activity(a) for a in found[:3])
        if len(found) > 3:
            shown += (f"and {len(found) - 3} more",)
        return shown or (f"{self.filter.count(facts):g} matching activities",)


@dataclass(frozen=True, eq=False)
class ScoreTest(Condition):
    axis: str
    predicates: tuple[Predicate, ...]

    # Scores are whole numbers from 0 to 100: remember each one's verdict.
    memo: dict[Any, bool] = field(default_factory=dict, repr=False)

    def test(self, facts: Facts) -> bool:
        return self._verdict(getattr(facts, self.axis))

    def test_block(self, block: Block) -> Verdicts:
        verdict = self._verdict
        return np.array([verdict(v) for v in getattr(block, self.axis).tolist()], dtype=bool)

    def _verdict(self, value: Any) -> bool:
        try:
            return self.memo[value]
        except KeyError:
            verdict = self.memo[value] = all(pred(value) for pred in self.predicates)
            return verdict

    def evidence(self, facts: Facts) -> tuple[str, ...]:
        return (f"{self.axis}={getattr(facts, self.axis)}",)


@dataclass(frozen=True, eq=False)
class DisqualifiedTest(Condition):
    expected: bool

    def test(self, facts: Facts) -> bool:
        return facts.disqualified == self.expected

    def test_block(self, block: Block) -> Verdicts:
        return block.disqualified == self.expected


@dataclass(frozen=True, eq=False)
class AllOf(Condition):
    parts: tuple[Condition, ...]
    in_test_order: tuple[Condition, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "in_test_order", _cheapest_first(self.parts))

    def test(self, facts: Facts) -> bool:
        for part in self.in_test_order:
            if not part.test(facts):
                return False
        return True

    def test_block(self, block: Block) -> Verdicts:
        return np.logical_and.reduce([part.test_block(block) for part in self.parts])

    def cost(self) -> int:
        return sum(part.cost() for part in self.parts)

    def evidence(self, facts: Facts) -> tuple[str, ...]:
        return tuple(e for p in self.parts for e in p.evidence(facts))

    def fields(self) -> tuple[str, ...] | None:
        return _fields_of(self.parts)


@dataclass(frozen=True, eq=False)
class AnyOf(Condition):
    parts: tuple[Condition, ...]
    in_test_order: tuple[Condition, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "in_test_order", _cheapest_first(self.parts))

    def test(self, facts: Facts) -> bool:
        for part in self.in_test_order:
            if part.test(facts):
                return True
        return False

    def test_block(self, block: Block) -> Verdicts:
        return np.logical_or.reduce([part.test_block(block) for part in self.parts])

    def cost(self) -> int:
        return sum(part.cost() for part in self.parts)

    def evidence(self, facts: Facts) -> tuple[str, ...]:
        for part in self.parts:
            if part.test(facts):
                return part.evidence(facts)
        return ()

    def fields(self) -> tuple[str, ...] | None:
        return _fields_of(self.parts)


@dataclass(frozen=True, eq=False)
class NOf(Condition):
    n: int
    parts: tuple[Condition, ...]

    def test(self, facts: Facts) -> bool:
        # Stops as soon as the answer is known: n held, or too few parts left to reach n.
        needed, left = self.n, len(self.parts)
        for part in self.parts:
            if part.test(facts):
                needed -= 1
                if needed == 0:
                    return True
            left -= 1
            if left < needed:
                return False
        return False

    def test_block(self, block: Block) -> Verdicts:
        held = np.sum([part.test_block(block) for part in self.parts], axis=0)
        return np.asarray(held >= self.n, dtype=bool)

    def cost(self) -> int:
        return sum(part.cost() for part in self.parts)

    def evidence(self, facts: Facts) -> tuple[str, ...]:
        return tuple(e for p in self.parts if p.test(facts) for e in p.evidence(facts))

    def fields(self) -> tuple[str, ...] | None:
        return _fields_of(self.parts)


@dataclass(frozen=True, eq=False)
class Not(Condition):
    part: Condition

    def test(self, facts: Facts) -> bool:
        return not self.part.test(facts)

    def test_block(self, block: Block) -> Verdicts:
        return ~self.part.test_block(block)

    def cost(self) -> int:
        return self.part.cost()

    def fields(self) -> tuple[str, ...] | None:
        return self.part.fields()


def compile_condition(spec: Any, scope: Scope, path: KeyPath, extra_keys: Iterable[str] = ()) -> Condition:
    """Validate one YAML condition and compile it. ``extra_keys`` belong to the enclosing rule."""
    doc, definitions = scope.doc, scope.definitions
    if not isinstance(spec, dict):
        raise doc.error(path, "a condition must be a mapping, e.g. {field: job_title, contains: director}")
    extra = set(extra_keys)
    keys = [k for k in spec if k not in extra]
    for key in keys:
        if key not in CONDITION_KEYS:
            raise doc.error((*path, key), f"unknown key '{key}'", unknown=key, valid=[*CONDITION_KEYS, *extra])
    parts: list[Condition] = []
    if "field" in spec:
        field = spec["field"]
        if not isinstance(field, str) or not (
            field in FIELD_NAMES or field.startswith(("attributes.", "signals."))
        ):
            raise doc.error((*path, "field"), f"unknown field '{field}' (custom fields: attributes.NAME)",
                            unknown=str(field), valid=FIELD_NAMES)
        preds = _field_predicates(spec, doc, path)
        if not preds:
            raise doc.error(path, f"field '{field}' needs a test: one of {', '.join(FIELD_OPS)}")
        ops = [op for op in FIELD_OPS if op in spec]
        presence_only = all(op in ("present", "absent") for op in ops)
        presence = None
        if len(ops) == 1 and presence_only:
            presence = spec[ops[0]] if ops[0] == "present" else not spec[ops[0]]
        parts.append(FieldTest(field, tuple(preds), field_getter(field), remember=not presence_only,
                               presence=presence))
    else:
        stray = [op for op in FIELD_OPS if op in spec]
        if stray:
            raise doc.error((*path, stray[0]), f"'{stray[0]}' tests a field: add 'field: NAME' beside it")
    if "activity" in spec:
        flt = compile_activity_filter(spec["activity"], scope, (*path, "activity"))
        # "at_most: 0" alone means "none": the default lower bound is then 0, not 1.
        at_least = _number(spec.get("at_least", 0 if "at_most" in spec else 1))
        at_most = _number(spec["at_most"]) if "at_most" in spec else None
        if at_least is None or at_least < 0:
            raise doc.error((*path, "at_least"), "at_least needs a number of times >= 0")
        if "at_most" in spec and at_most is None:
            raise doc.error((*path, "at_most"), "at_most needs a number of times")
        if at_most is not None and at_most < at_least:
            raise doc.error(path, f"at_least {at_least:g} is above at_most {at_most:g}; no contact can match")
        parts.append(ActivityTest(flt, at_least, at_most))
    elif "at_least" in spec or "at_most" in spec:
        key = "at_least" if "at_least" in spec else "at_most"
        raise doc.error((*path, key), f"'{key}' counts activities: add 'activity: {{kind: ...}}' beside it")
    for axis in SCORE_AXES:
        if axis in spec:
            sub = spec[axis]
            if not isinstance(sub, dict) or not sub:
                raise doc.error((*path, axis), f"{axis} takes a range, e.g. {axis}: {{gte: 60}}")
            for op in sub:
                if op not in NUMERIC_OPS:
                    raise doc.error((*path, axis, op), f"unknown comparison '{op}'", unknown=op, valid=NUMERIC_OPS)
            parts.append(ScoreTest(axis, tuple(_numeric_predicates(sub, doc, (*path, axis)))))
    if "disqualified" in spec:
        if not isinstance(spec["disqualified"], bool):
            raise doc.error((*path, "disqualified"), "disqualified takes true or false")
        parts.append(DisqualifiedTest(spec["disqualified"]))
    for key, cls in (("all_of", AllOf), ("any_of", AnyOf)):
        if key in spec:
            items = spec[key]
            if not isinstance(items, list) or not items:
                raise doc.error((*path, key), f"{key} takes a non-empty list of conditions")
            parts.append(cls(tuple(compile_condition(c, scope, (*path, key, i))
                                   for i, c in enumerate(items))))
    if "n_of" in spec or "of" in spec:
        n, items = spec.get("n_of"), spec.get("of")
        if not isinstance(items, list) or not items:
            raise doc.error(path, "n_of needs 'of': a list of conditions, e.g. n_of: 3, of: [...]")
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= len(items):
            raise doc.error((*path, "n_of"), f"n_of must be a whole number from 1 to {len(items)}, got {n!r}")
        parts.append(NOf(n, tuple(compile_condition(c, scope, (*path, "of", i))
                                  for i, c in enumerate(items))))
    if "not" in spec:
        parts.append(Not(compile_condition(spec["not"], scope, (*path, "not"))))
    if "ref" in spec:
        name = spec["ref"]
        if name not in definitions:
            raise doc.error((*path, "ref"), f"no definition named '{name}'", unknown=str(name), valid=definitions)
        parts.append(definitions[name])
    if not parts:
        raise doc.error(path, "empty condition: give a field, activity, score, all_of, any_of, n_of, not or ref")
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))
