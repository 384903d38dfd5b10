"""Benchmark the Salesforce sandbox from a cold start: how long until simple-salesforce, over HTTPS, has read
every lead and contact and every task, event and campaign membership.

The sandbox runs in its own process, as Salesforce is not inside the connector's process: the clock starts
before that process is spawned (nothing imported or generated yet) and stops when the last activity has been
read. Reads are what the adapter does on a full load: leads and contacts ordered by SystemModstamp, Id, and
the activity objects through queryAll, each paged with nextRecordsUrl. It prints one JSON object on its last
line:

    {"salesforce_people": 5012, "leads": ..., "contacts": ..., "activities": 100345, "tasks": ...,
     "requests": ..., "server_ready_s": ..., "cold_start_s": ...}

    python bench/sandbox_salesforce.py [--salesforce-people 5000] [--activities 20]
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

import requests
from simple_salesforce import Salesforce

from connector.sandbox.salesforce import DataSettings, SalesforceSandbox, SalesforceSettings
from connector.sandbox.synthetic import people

# About half of the synthetic population is in Salesforce (30% only there, 20% in both CRMs).
SALESFORCE_SHARE = 0.5
READS = {
    "leads": "SELECT Id, Email, FirstName, LastName, Title, Company, Status, IsConverted, ConvertedContactId, "
    "LeadSource, Industry, NumberOfEmployees, Country, SystemModstamp FROM Lead "
    "ORDER BY SystemModstamp, Id",
    "contacts": "SELECT Id, Email, FirstName, LastName, Title, AccountId, Account.Name, Account.Industry, "
    "Account.NumberOfEmployees, MailingCountry, LeadSource, SystemModstamp FROM Contact "
    "ORDER BY SystemModstamp, Id",
    "tasks": "SELECT Id, WhoId, Subject, Type, TaskSubtype, ActivityDate, SystemModstamp FROM Task",
    "events": "SELECT Id, WhoId, Subject, StartDateTime, SystemModstamp FROM Event",
    "campaign_members": "SELECT Id, LeadId, ContactId, Campaign.Name, Status, HasResponded, SystemModstamp "
    "FROM CampaignMember",
}


def read_everything(client: Any) -> dict[str, int]:
    """Every lead, contact and activity row, page by page (2,000 records a page)."""
    figures = {"requests": 0}
    for name, soql in READS.items():
        page = client.query(soql, include_deleted=name not in ("leads", "contacts"))
        figures["requests"] += 1
        count = len(page["records"])
        while not page["done"]:
            page = client.query_more(page["nextRecordsUrl"], identifier_is_url=True)
            figures["requests"] += 1
            count += len(page["records"])
        figures[name] = count
    return figures


def serve(population: int, activities_mean: float, urls: Connection, stop: Event) -> None:
    """Child process: run the sandbox until told to stop."""
    settings = SalesforceSettings(
        data=DataSettings(people=population, activities_mean=activities_mean), daily_api_limit=10_000_000
    )
    with SalesforceSandbox(settings) as sandbox:
        urls.send((sandbox.url, sandbox.session_id, str(sandbox.ca_bundle)))
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--salesforce-people", type=int, default=5_000)
    parser.add_argument("--activities", type=float, default=20.0, help="mean activities per person")
    args = parser.parse_args()
    population = math.ceil(args.salesforce_people / SALESFORCE_SHARE)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    stop = context.Event()
    started = time.perf_counter()
    process = context.Process(target=serve, args=(population, args.activities, child, stop), daemon=True)
    process.start()
    try:
        url, session_id, ca_bundle = parent.recv()
        ready_s = time.perf_counter() - started
        session = requests.Session()
        session.verify = ca_bundle
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override session.verify (psf/requests#3829)
        figures = read_everything(Salesforce(instance_url=url, session_id=session_id, session=session))
        elapsed = time.perf_counter() - started
        session.close()
    finally:
        stop.set()
        process.join(10)
    everyone = people(population, DataSettings().seed, activities_mean=args.activities)
    in_salesforce = [p for p in everyone if p.in_salesforce]
    result = {
        "salesforce_people": len(in_salesforce),
        "activities": sum(len(p.activities) for p in in_salesforce),
        **figures,
        "population": population,
    }
    print(json.dumps({**result, "server_ready_s": round(ready_s, 2), "cold_start_s": round(elapsed, 2)}))


if __name__ == "__main__":
    main()
