"""The Salesforce step of `leadbridge demo`: a local org over HTTPS, a full sync with write-back, a user edit
picked up by an incremental sync, the run reports, and one person, one verdict across sources.

    salesforce_round_trip(console, contacts=2000, seed=7)

Everything runs in this process against the sandbox (connector.sandbox.salesforce): simple-salesforce over
TLS with the sandbox's CA, OAuth client credentials, the shipped mappings/salesforce.yaml and scoring model.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.table import Table

from connector.commands.inputs import mapping_for, scoring_model
from connector.commands.run_views import report_table
from connector.commands.score import score_files
from connector.crm.salesforce_api import SalesforceApi, make_session
from connector.crm.salesforce_auth import Login, OAuthFlow
from connector.crm.salesforce_limits import ApiBudget
from connector.crm.salesforce_sync import run_salesforce_sync
from connector.model import Qualification
from connector.qualify import qualify
from connector.sandbox.files_export import write_people
from connector.sandbox.salesforce import DataSettings, SalesforceSandbox, SalesforceSettings
from connector.sandbox.salesforce.dataset import CAMPAIGN_KINDS, EVENT_KINDS, TASK_KINDS, campaign_fields, campaign_of
from connector.sandbox.salesforce.ids import make_id
from connector.sandbox.synthetic import DEFAULT_NOW, Person, SyntheticActivity, person
from connector.store import open_store
from connector.sync import SyncOptions

#: (Campaign.Type, responded) -> activity kind, as mappings/salesforce.yaml reads a campaign membership.
_MEMBERSHIP = {("Webinar", False): "webinar_registered", ("Webinar", True): "webinar_attended",
               ("Conference", True): "event_attended", ("Content", True): "content_download",
               ("Email", True): "newsletter_signup"}


def as_salesforce_records(p: Person) -> Person:
    """The person with only the activities Salesforce holds: logged tasks and meetings, and one campaign
    membership per campaign (web page views live in marketing automation, not in the CRM)."""
    kept = [a for a in p.activities if a.kind in TASK_KINDS or a.kind in EVENT_KINDS]
    campaigns: dict[str, list[SyntheticActivity]] = {}
    for a in p.activities:
        name = campaign_of(a)
        if name is not None:
            campaigns.setdefault(name, []).append(a)
    for name, members in campaigns.items():
        responded = any(CAMPAIGN_KINDS[a.kind] for a in members)
        kind = _MEMBERSHIP.get((campaign_fields(name, members[0].occurred_at)["Type"], responded), "other")
        kept.append(SyntheticActivity(kind, min(a.occurred_at for a in members), f"cm-{name}", {"campaign": name}))
    return replace(p, activities=tuple(sorted(kept, key=lambda a: a.occurred_at)))


def _api(org: SalesforceSandbox) -> SalesforceApi:
    budget = ApiBudget()
    session = make_session(30.0, str(org.ca_bundle), budget)
    creds = org.credentials
    flow = OAuthFlow("client credentials", f"{org.url}/services/oauth2/token",
                     (("grant_type", "client_credentials"), ("client_id", creds.client_id),
                      ("client_secret", creds.client_secret)))
    return SalesforceApi(Login(flow, session), session, budget, org.settings.api_version)


def salesforce_round_trip(console: Console, contacts: int = 2000, seed: int = 7) -> None:
    """Sync a local Salesforce org end to end and show that one core gives one verdict per person."""
    started = time.perf_counter()
    settings = SalesforceSettings(data=DataSettings(people=contacts, seed=seed, now=DEFAULT_NOW))
    mapping, model = mapping_for(None, "salesforce"), scoring_model(None)
    with SalesforceSandbox(settings) as org, tempfile.TemporaryDirectory(prefix="leadbridge-sf-") as tmp:
        leads, people_contacts = len(org.ids("Lead")), len(org.ids("Contact"))
        console.print(f"[bold]Salesforce[/]: a local org over HTTPS at {org.url} with {leads:,} leads and "
                      f"{people_contacts:,} contacts (from {contacts:,} synthetic people, seed {seed}); "
                      "OAuth client credentials, simple-salesforce, the shipped mappings/salesforce.yaml")
        api = _api(org)
        store = open_store(f"sqlite:///{Path(tmp) / 'salesforce.db'}")
        try:
            # The org's clock runs from the synthetic "now": the runs qualify as of the same instant.
            full = run_salesforce_sync(store, api, model, mapping, options=SyncOptions(full=True), clock=org.clock)
            console.print(report_table(full.report, f"full sync + write-back (run {full.run_id}): "
                                                    f"{api.budget.calls:,} API calls"))
            lead = next(i for i in org.ids("Lead") if not org.record(i)["IsConverted"]
                        and not org.record(i)["LB_Disqualified__c"])
            before = org.record(lead)
            org.touch(lead, {"Title": "VP Revenue Operations", "Budget__c": "Approved", "Timeline__c": "This quarter"})
            calls = api.budget.calls
            incremental = run_salesforce_sync(store, api, model, mapping, clock=org.clock)
            after = org.record(lead)
            spent = api.budget.calls - calls
            title = f"incremental sync after a rep's edit (run {incremental.run_id}): {spent} API calls"
            console.print(report_table(incremental.report, title))
            console.print(
                f"lead {lead}: {before['Title']} -> {after['Title']}; score {before['LB_Score__c']:.0f} -> "
                f"{after['LB_Score__c']:.0f}, grade {before['LB_Grade__c']} -> {after['LB_Grade__c']}, "
                f"stage {before['LB_Stage__c']} -> {after['LB_Stage__c']}")
            console.print(_same_person_table(org, api, Path(tmp), seed))
        finally:
            store.close()
            api.close()
    console.print(f"Salesforce round trip done in {time.perf_counter() - started:.1f} s")


def _same_person_table(org: SalesforceSandbox, api: SalesforceApi, folder: Path, seed: int, shown: int = 8) -> Table:
    """People in both CRMs (same email): the Salesforce verdict next to the files path's on the same facts."""
    from connector.crm.salesforce import SalesforceSource

    mapping, model = mapping_for(None, "salesforce"), scoring_model(None)
    source = SalesforceSource(api, mapping)
    now = org.org.data_now
    both: list[tuple[Person, str]] = []
    for index in range(org.settings.data.people):
        if org.org.contact_of[index] < 0:
            continue
        p = person(index, seed, now, org.settings.data.activities_mean)
        if p.in_hubspot and p.in_salesforce:
            both.append((p, f"salesforce:contact:{make_id('003', org.org.contact_of[index])}"))
        if len(both) >= shown:
            break
    contacts_csv, activities_csv = write_people((as_salesforce_records(p) for p, _ in both), folder / "files")
    files = {q.contact_key: q for q in score_files(contacts_csv, activities_csv, mapping_for(None), model, now,
                                                   show_progress=False).results}
    read = {c.key: c for c in source.reread([key for _, key in both])}
    activities = source.read_activities(list(read))
    table = Table(title="One person, one verdict: people in both CRMs, read from Salesforce and from a files "
                        "export of the same facts", title_justify="left")
    for column in ("email", "Salesforce", "files export", "same"):
        table.add_column(column)
    for p, key in both:
        if key not in read:
            continue
        from_salesforce = qualify(read[key], activities[key], model, now, None)
        from_files = files[f"files:contact:{p.index}"]
        table.add_row(p.email, _verdict(from_salesforce), _verdict(from_files),
                      "yes" if _verdict(from_salesforce) == _verdict(from_files) else "[red]no[/]")
    return table


def _verdict(q: Qualification) -> str:
    return f"{q.score} {q.grade} {q.stage.label}" + (" DQ" if q.disqualified else "")
