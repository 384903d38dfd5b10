"""The HubSpot step of `leadbridge demo` on a small portal: the round trip runs and its last sync writes
nothing."""

from __future__ import annotations

from rich.console import Console

from connector.commands.demo_hubspot import hubspot_round_trip


def test_the_round_trip_ends_with_a_sync_that_writes_nothing() -> None:
    console = Console(record=True, width=160)
    hubspot_round_trip(console, contacts=300, seed=7)
    text = console.export_text()
    assert "1. Full sync with write-back" in text and "values written" in text
    assert "What the changes did in HubSpot" in text
    assert "second sync after the changes: nothing written" in text
    assert "rate limited" not in text
