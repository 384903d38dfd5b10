"""The write-back plan: which CRM values change, per contact and property, under each field's policy. Pure.

The diff is against what the CRM holds as far as we know (the store's ``crm_value``: the last value read,
or the last value we wrote that the destination accepted). ``connector.mapping.render.should_write`` decides
one field (equal values are never written; ``if_empty``, ``forward_only``, ``never``); this module adds:

- Companion outputs (``computed_at``, ``model_version``) describe the other values rather than being news
  themselves: they are written along with a real change, never alone. Otherwise a daily decay rescore, or a
  model tweak that moves no score, would rewrite every record in the CRM just to bump a date.
- Updates are batched for the destination (``batches``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.crm.base import FieldUpdate
from connector.mapping.render import same_value, should_write
from connector.mapping.schema import WriteField

#: Outputs written only together with a change of another output.
COMPANION_OUTPUTS = frozenset({"computed_at", "model_version"})


@dataclass(slots=True)
class ContactPlan:
    """The plan for one contact: the values to write, and why the others are left alone."""

    contact_key: str
    values: dict[str, Any] = field(default_factory=dict)
    unchanged: int = 0  # the CRM already holds the value
    held: int = 0  # different, but the field's policy (if_empty, forward_only, never) keeps the CRM's

    @property
    def update(self) -> FieldUpdate | None:
        return FieldUpdate(self.contact_key, dict(self.values)) if self.values else None


def plan_contact(
    contact_key: str,
    fields: Sequence[WriteField],
    desired: Mapping[str, Any],
    current: Mapping[str, Any],
) -> ContactPlan:
    """Plan one contact. ``desired``: property -> rendered value (properties missing are not planned);
    ``current``: property -> value the CRM holds (missing = unknown, treated as empty)."""
    plan = ContactPlan(contact_key)
    companions: dict[str, Any] = {}
    for write_field in fields:
        prop = write_field.to
        if prop not in desired:
            continue
        new, held = desired[prop], current.get(prop)
        if type(new) is type(held) and new == held:  # the common case, decided without parsing
            plan.unchanged += 1
        elif should_write(write_field, new, held):
            if write_field.output in COMPANION_OUTPUTS:
                companions[prop] = new
            else:
                plan.values[prop] = new
        elif same_value(new, held):
            plan.unchanged += 1
        else:
            plan.held += 1
    if plan.values:
        plan.values.update(companions)
    else:
        plan.unchanged += len(companions)
    return plan


def batches(updates: Sequence[FieldUpdate], size: int) -> Iterator[Sequence[FieldUpdate]]:
    """Updates in destination-sized batches (HubSpot takes 100 per call, Salesforce 200)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(updates), size):
        yield updates[start : start + size]
