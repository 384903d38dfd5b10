"""Reasons' points are rounded to 0.1 exactly as ``round(x, 1)`` would, one at a time or as arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from connector.qualify.columns import _round_tenth
from connector.qualify.rules import round_tenth

points = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
# Decimal halves (x.x5) and their neighbours are where a shortcut would go wrong.
halves = st.builds(lambda k, nudge: k / 20 + nudge, st.integers(-20_000, 20_000),
                   st.sampled_from([0.0, 1e-15, -1e-15, 5e-17, -5e-17]))


@given(st.one_of(points, halves))
def test_round_tenth_is_round(x: float) -> None:
    assert repr(round_tenth(x)) == repr(round(x, 1))


@given(st.lists(st.one_of(points, halves), min_size=1, max_size=60), st.integers(1, 4))
def test_round_tenth_over_arrays_is_round(values: list[float], rows: int) -> None:
    values = values * rows  # several rows, as a group's rules x contacts
    grid = np.array(values).reshape(rows, -1)
    assert [repr(x) for x in _round_tenth(grid).reshape(-1).tolist()] == [repr(round(x, 1)) for x in values]


def test_zero_keeps_its_sign() -> None:
    assert repr(round_tenth(-0.04)) == repr(round(-0.04, 1)) == "-0.0"
    assert [repr(x) for x in _round_tenth(np.array([-0.04, 0.04])).tolist()] == ["-0.0", "0.0"]
