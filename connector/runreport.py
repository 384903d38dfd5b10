"""The run report: what a sync or rescore read, decided and wrote. Stored with the run, shown as a table.

Counts are of contacts unless named otherwise; ``planned``, ``written``, ``values_unchanged``, ``held`` and
``rejected`` count property values (one contact with three changed properties is three planned values).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

#: How many planned changes a report keeps as examples (dry runs show them).
SAMPLE_SIZE = 20


@dataclass
class RunReport:
    read: int = 0  # contacts read from the source
    new: int = 0  # not in the store before
    changed: int = 0  # scoring inputs changed
    unchanged: int = 0  # scoring inputs unchanged
    qualified: int = 0  # passed through the core
    stage_changes: Counter[str] = field(default_factory=Counter)  # "lead->mql": n
    planned: int = 0  # property values planned for writing
    planned_contacts: int = 0
    written: int = 0  # property values the destination accepted
    written_contacts: int = 0
    values_unchanged: int = 0  # the CRM already holds the value
    held: int = 0  # different, but the field's policy keeps the CRM's value
    rejected: Counter[str] = field(default_factory=Counter)  # reason: property values refused
    retryable: Counter[str] = field(default_factory=Counter)  # reason: values to retry (transient)
    not_written: int = 0  # planned but no destination to write to (or a dry run)
    retried: int = 0  # contacts revisited because an earlier write failed
    deleted: int = 0  # reported deleted or merged by the source
    activities: int = 0  # activities read
    activities_changed: int = 0  # contacts whose activities were new or changed
    bad_rows: int = 0  # input rows skipped with --skip-bad-rows
    sample: list[dict[str, Any]] = field(default_factory=list)  # first planned changes

    def stage_change(self, before: str | None, after: str) -> None:
        self.stage_changes[f"{before or 'none'}->{after}"] += 1

    def keep_sample(self, contact_key: str, values: dict[str, Any], current: dict[str, Any]) -> None:
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.append({"key": contact_key, "changes": {
                prop: {"from": current.get(prop), "to": value} for prop, value in values.items()}})

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values()) + sum(self.retryable.values())

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = dict(value) if isinstance(value, Counter) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        report = cls()
        for f in fields(cls):
            if f.name in data:
                value = data[f.name]
                setattr(report, f.name, Counter(value) if isinstance(getattr(report, f.name), Counter) else value)
        return report
