"""The demo's webhook round trip: a contact acts, HubSpot sends a webhook, seconds later its stage is MQL.

Everything runs on this machine: the HubSpot sandbox (the CRM, sending signed v3 webhooks), the receiver
(verifying and storing them in the inbox of a temporary store), and a worker (re-reading the contact through
the HubSpot adapter, qualifying it with the shipped model, writing back). The contact chosen is a good fit
that is still a lead; it then looks at the pricing page and fills in a form.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console

from connector.crm.hubspot import HubSpotAdapter
from connector.crm.hubspot_budget import BudgetLimits
from connector.crm.hubspot_client import HubSpotApi, HubSpotConfig
from connector.crm.hubspot_setup import setup
from connector.mapping.load import load_mapping
from connector.mapping.schema import Mapping as SourceMapping
from connector.model import Contact, Qualification, Stage
from connector.qualify import ScoringModel, load_model, qualify
from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings, WebhookSettings
from connector.sandbox.server import SandboxServer
from connector.sandbox.waiting import wait_until
from connector.store import history, inbox, open_store
from webhooks.app import create_app
from webhooks.config import ReceiverConfig, WorkerConfig
from webhooks.crms import CrmLink
from webhooks.hubspot_events import EchoGuard
from webhooks.worker import Worker

#: HubSpot's value for our MQL stage (the shipped mapping's lifecyclestage map).
HUBSPOT_MQL = "marketingqualifiedlead"
TIMEOUT_S = 30.0
#: The synthetic population of the demo's portal (about 70% of them are HubSpot contacts).
PORTAL_PEOPLE = 400


def webhook_round_trip(console: Console) -> None:
    """Show a contact becoming an MQL within seconds of visiting the pricing page and filling in a form."""
    # The receiver warns about settings a real deployment needs (public URL, Salesforce); not here.
    quiet = logging.getLogger("leadbridge.webhooks")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        _round_trip(console)
    finally:
        quiet.setLevel(level)


def _round_trip(console: Console) -> None:
    secret = "demo-client-secret"
    mapping = load_mapping(None, source="hubspot")
    model = load_model(None)
    with tempfile.TemporaryDirectory(prefix="leadbridge-demo-webhooks-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'leadbridge.db'}")
        hooks = WebhookSettings(client_secret=secret, flush_interval_s=0.05)
        receiver_app = create_app(
            store,
            ReceiverConfig(
                hubspot_secret=SecretStr(secret), echo=EchoGuard(frozenset(mapping.write_targets), str(hooks.app_id))
            ),
        )
        stop = threading.Event()
        settings = HubSpotSettings(contacts=PORTAL_PEOPLE, webhooks=hooks)
        contact_id, before = _pick_contact(settings, mapping, model)
        with SandboxServer(receiver_app) as server, HubSpotSandbox(settings) as sandbox:
            receiver = receiver_app.state.receiver
            receiver.config = ReceiverConfig(
                public_url=server.url, hubspot_secret=SecretStr(secret), echo=receiver.config.echo
            )
            adapter = _adapter(sandbox, mapping)
            console.print(
                f"[bold]Webhook round trip[/] (HubSpot sandbox -> receiver {server.url} -> inbox -> worker -> HubSpot)"
            )
            console.print(f"  contact {contact_id}: {before}")
            hooks.target_url = server.url + "/webhooks/hubspot"
            worker = Worker(
                store, model, {"hubspot": CrmLink(adapter, mapping, adapter)}, config=WorkerConfig(idle_interval_s=0.05)
            )
            thread = threading.Thread(target=worker.run, args=(stop,), name="demo-worker", daemon=True)
            thread.start()
            try:
                started = time.monotonic()
                _act(sandbox, contact_id, datetime.now(UTC))
                console.print("  it looks at the pricing page and fills in the 'Talk to sales' form ...")

                def is_mql() -> bool:
                    view = sandbox.contact(contact_id)
                    return view is not None and view.properties.get("lifecyclestage") == HUBSPOT_MQL

                reached = wait_until(is_mql, TIMEOUT_S, 0.02)
                elapsed = time.monotonic() - started
            finally:
                stop.set()
                thread.join(10)
                adapter.close()
            view = sandbox.contact(contact_id)
            props = view.properties if view is not None else {}
            if reached:
                console.print(
                    f"  [green]{elapsed:.1f} s later[/] its stage in HubSpot is "
                    f"[bold]{props.get('lifecyclestage')}[/], score {props.get('lb_score')} "
                    f"(grade {props.get('lb_grade')})"
                )
            else:
                console.print(f"  [red]after {elapsed:.0f} s its stage is still {props.get('lifecyclestage')}[/]")
            console.print(f"  why: {props.get('lb_summary')}")
            with store.connect() as conn:
                changes = history.for_contact(conn, f"hubspot:contact:{contact_id}")
                events = inbox.listing(conn, limit=1000)
            if changes:
                last = changes[-1]
                console.print(f"  stage {last.from_stage} -> {last.to_stage}: {last.reason}")
            console.print(
                f"  ({len(events)} webhook events stored and processed; our own write-back came back "
                "as webhooks too and was ignored as an echo)"
            )
        store.close()


def _act(sandbox: HubSpotSandbox, contact_id: int, when: datetime) -> None:
    """The contact's visit to the pricing page and its form, as HubSpot records them."""
    pricing = {"url": "https://www.example.com/pricing"}
    sandbox.add_activity(contact_id, "pricing_page_view", when, pricing)
    sandbox.add_activity(contact_id, "visit", when, pricing)
    sandbox.add_activity(contact_id, "form_submission", when, {"form": "Talk to sales"})


def _pick_contact(settings: HubSpotSettings, mapping: SourceMapping, model: ScoringModel) -> tuple[int, str]:
    """A good-fit lead that this visit and form make an MQL. Found on a scratch copy of the portal (same
    seed, same people), so the demo's portal sees the actions only once, live."""
    from dataclasses import replace

    from connector.sandbox.hubspot import WebhookSettings

    scratch_settings = replace(settings, webhooks=WebhookSettings())
    with HubSpotSandbox(scratch_settings) as scratch:
        adapter = _adapter(scratch, mapping)
        try:
            before = _qualified(adapter, model, scratch.contact_ids())
            leads = {
                k: q
                for k, (c, q) in before.items()
                if q.stage is Stage.LEAD
                and not q.disqualified
                and q.fit >= 40
                and (c.crm_stage is None or c.crm_stage <= Stage.LEAD)
            }
            now = datetime.now(UTC)
            for key in leads:
                _act(scratch, int(key.rsplit(":", 1)[1]), now)
            after = _qualified(adapter, model, [int(k.rsplit(":", 1)[1]) for k in leads])
        finally:
            adapter.close()
    moved = sorted((q.score, k) for k, (_, q) in after.items() if q.stage is Stage.MQL)
    if not moved:
        raise RuntimeError("no contact of the sandbox portal becomes an MQL from a pricing visit and a form")
    key = moved[0][1]
    contact, q = before[key]
    return int(key.rsplit(":", 1)[1]), (
        f"{contact.job_title or 'no title'} at {contact.company or 'a company'}: "
        f"stage {q.stage.value}, score {q.score} (fit {q.fit}, engagement "
        f"{q.engagement})"
    )


def _adapter(sandbox: HubSpotSandbox, mapping: SourceMapping) -> HubSpotAdapter:
    api = HubSpotApi(
        HubSpotConfig(
            SecretStr(sandbox.access_token), sandbox.url, BudgetLimits(per_window=sandbox.settings.rate_limit)
        )
    )
    setup(api, mapping)
    return HubSpotAdapter(api, mapping)


def _qualified(
    adapter: HubSpotAdapter, model: ScoringModel, ids: list[int]
) -> dict[str, tuple[Contact, Qualification]]:
    contacts = adapter.reread([f"hubspot:contact:{i}" for i in ids])
    activities = adapter.read_activities([c.key for c in contacts])
    now = datetime.now(UTC)
    return {c.key: (c, qualify(c, activities.get(c.key, []), model, now, c.crm_stage)) for c in contacts}
