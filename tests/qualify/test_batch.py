"""qualify_batch gives exactly what qualify gives, contact by contact, on synthetic CRM data."""

from __future__ import annotations

import dataclasses
import gc
import random
import weakref
from datetime import timedelta

import pytest
from support.core import default_model

from connector.model import Activity, ActivityKind, Contact, Stage
from connector.qualify import load_model, qualify, qualify_batch
from connector.qualify.batch import BLOCK_SIZE, LONG_LIVED_BATCH
from connector.sandbox.synthetic import DEFAULT_NOW, people, to_common


def synthetic(n: int) -> list[tuple[Contact, list[Activity]]]:
    """n synthetic contacts; every fifth also has rollup counts (as HubSpot gives), every eleventh no CRM stage."""
    rng = random.Random(3)
    kinds = [k.value for k in ActivityKind]
    data = []
    for i, (contact, activities) in enumerate(to_common(p) for p in people(n, seed=11)):
        if i % 5 == 0:
            contact = dataclasses.replace(contact, signals={rng.choice(kinds): rng.randint(0, 30) for _ in range(3)})
        if i % 11 == 0:
            contact = dataclasses.replace(contact, crm_stage=None, has_open_deal=False, has_won_deal=False)
        data.append((contact, activities))
    return data


@pytest.mark.parametrize("days_later", [0, 120])  # 120 days on, quiet MQLs are recycled
def test_batch_agrees_with_qualify_one_by_one(days_later: int) -> None:
    data = synthetic(3000)
    now = DEFAULT_NOW + timedelta(days=days_later)
    rng = random.Random(5)
    previous = {c.key: s for c, _ in data if (s := rng.choice([None, *Stage])) is not None}
    # A freshly loaded model one by one: what the batch's model remembers from earlier tests must not matter.
    fresh = load_model()
    one_by_one = [qualify(c, a, fresh, now, previous.get(c.key)) for c, a in data]
    batch = qualify_batch(data, default_model(), now, previous)
    assert len(batch) == len(one_by_one)
    for got, want in zip(batch, one_by_one, strict=True):
        assert got == want
        assert [r.evidence for r in got.reasons] == [r.evidence for r in want.reasons]
    assert any(q.stage_reason.startswith("recycled") for q in batch)
    assert any(r.count > len(r.activities) for q in batch for r in q.reasons)  # rollups counted


def test_batch_needs_an_aware_now_unless_empty() -> None:
    contact, activities = synthetic(1)[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        qualify_batch([(contact, activities)], default_model(), DEFAULT_NOW.replace(tzinfo=None))
    assert qualify_batch([], default_model(), DEFAULT_NOW.replace(tzinfo=None)) == []


@pytest.fixture(scope="module")
def large() -> list[tuple[Contact, list[Activity]]]:
    """Enough contacts for qualify_batch to file its results under the oldest generation."""
    return synthetic(LONG_LIVED_BATCH)


@pytest.mark.parametrize("size", ["small", "large"])
def test_batch_restores_the_collector_and_leaves_garbage_collectable(size: str, large) -> None:
    # An earlier version filed a batch's results under the oldest generation (gc.freeze + unfreeze) without
    # collecting the young generations first: cyclic garbage made between batches went there too, and a
    # streaming sync grew to 1.5x its memory.
    class Cycle:
        pass

    collected = []
    cycle = Cycle()
    cycle.self = cycle  # type: ignore[attr-defined]
    weakref.finalize(cycle, collected.append, True)
    del cycle
    qualify_batch(synthetic(20) if size == "small" else large, default_model(), DEFAULT_NOW)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.collect(1)  # the young generations: the cycle was not moved out of their reach
    assert collected == [True]


def test_a_batch_makes_no_cyclic_garbage(large) -> None:
    # Contacts that are disqualified or recycled get Facts for their evidence, which point at their block.
    later = DEFAULT_NOW + timedelta(days=120)
    previous = {c.key: Stage.MQL for c, _ in large[::3]}
    gc.collect()
    gc.disable()
    try:
        results = qualify_batch(large[:BLOCK_SIZE], default_model(), later, previous)
        assert any(q.disqualified for q in results) and any(q.stage_reason.startswith("recycled") for q in results)
        del results
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_large_batch_files_its_results_under_the_oldest_generation(large) -> None:
    results = qualify_batch(large, default_model(), DEFAULT_NOW)
    kept = {id(q) for q in results} | {id(r) for q in results for r in q.reasons}
    young = gc.get_objects(0) + gc.get_objects(1)
    assert not any(id(o) in kept for o in young)
    assert any(id(o) in kept for o in gc.get_objects(2))


def test_a_host_s_frozen_objects_stay_frozen(large) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        qualify_batch(large, default_model(), DEFAULT_NOW)
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
