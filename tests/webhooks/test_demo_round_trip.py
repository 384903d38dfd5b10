"""The demo's webhook round trip ends with the contact an MQL in the sandbox, and says why."""

from __future__ import annotations

from rich.console import Console

from connector.commands.demo_webhooks import webhook_round_trip


def test_round_trip_reaches_mql() -> None:
    console = Console(record=True, width=200)
    webhook_round_trip(console)
    text = console.export_text()
    assert "its stage in HubSpot is marketingqualifiedlead" in text, text
    assert "stage lead -> mql:" in text
