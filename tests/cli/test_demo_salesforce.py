"""The Salesforce demo step: a round trip on a small org, every person in both CRMs with one verdict."""

from __future__ import annotations

import io

from rich.console import Console

from connector.commands.demo_salesforce import salesforce_round_trip


def test_round_trip_shows_runs_and_one_verdict_per_person() -> None:
    out = io.StringIO()
    salesforce_round_trip(Console(file=out, width=200), contacts=400, seed=7)
    text = out.getvalue()
    assert "full sync + write-back" in text and "incremental sync after a rep's edit" in text
    rows = [line for line in text.splitlines() if "@" in line]
    assert rows and all(line.rstrip(" │").endswith("yes") for line in rows)
