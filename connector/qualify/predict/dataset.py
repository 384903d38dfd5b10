"""Examples to learn from (contact, activities, outcome, when) and the held-out split.

The outcome comes from the CRM's facts only (its stage, open and won deals) or a named field, never from
a stage leadbridge computed: a model fitted to reproduce our own stage rules would learn nothing new.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connector.errors import UserError
from connector.model import Activity, Contact
from connector.reports.leads import OUTCOME_STAGES, crm_stage, truthy


@dataclass(frozen=True, slots=True)
class Example:
    contact: Contact
    activities: Sequence[Activity]
    label: bool
    #: When the contact came in (created_at): what a time-ordered split sorts by.
    when: datetime | None


def label_of(contact: Contact, outcome: str) -> bool:
    """Did the contact reach ``outcome`` (sql, opportunity, customer per the CRM's facts, or a true field)?"""
    stage = OUTCOME_STAGES.get(outcome.strip().casefold())
    if stage is not None:
        known = crm_stage(contact)
        return known is not None and known >= stage
    return truthy(contact.value(outcome))


def make_examples(pairs: Iterable[tuple[Contact, Sequence[Activity]]], outcome: str) -> list[Example]:
    return [Example(c, a, label_of(c, outcome), c.created_at) for c, a in pairs]


@dataclass(frozen=True)
class Split:
    """Indices of the training and held-out examples, and how they were chosen."""

    train: tuple[int, ...]
    test: tuple[int, ...]
    kind: str
    note: str

    def describe(self) -> str:
        return f"{self.kind} split: {len(self.train):,} to fit, {len(self.test):,} held out ({self.note})"


def split_examples(examples: Sequence[Example], kind: str = "time", test_fraction: float = 0.3,
                   seed: int = 7) -> Split:
    """Hold out the newest ``test_fraction`` (time) or a random one. A time split never cuts through contacts
    created at the same instant; without creation dates it falls back to random, and says so."""
    n = len(examples)
    if n < 10:
        raise UserError(f"only {n} contacts: too few to fit and evaluate a model")
    dated = [i for i, e in enumerate(examples) if e.when is not None]
    if kind == "time" and len(dated) >= 0.9 * n:
        order = sorted(dated, key=lambda i: examples[i].when)  # type: ignore[arg-type, return-value]
        cutoff = examples[order[min(n - 1, int(n * (1 - test_fraction)))]].when
        assert cutoff is not None
        train = tuple(i for i in order if examples[i].when < cutoff)  # type: ignore[operator]
        test = tuple(i for i in order if examples[i].when >= cutoff)  # type: ignore[operator]
        if not train:  # everyone at one instant
            raise UserError("every contact has the same creation date: use --split random")
        undated = n - len(dated)
        note = (f"fitted on contacts created before {cutoff:%Y-%m-%d}, evaluated on the newer ones"
                + (f"; {undated:,} without a creation date left out" if undated else ""))
        return Split(train, test, "time", note)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    cut = int(n * (1 - test_fraction))
    note = "random" if kind == "random" else "no creation dates to order by, so random instead of time"
    return Split(tuple(sorted(order[:cut])), tuple(sorted(order[cut:])), "random", note)
