"""Benchmark the HubSpot sandbox from a cold start: how long until a client has read every contact, its
associations and its engagements through hubspot-api-client over HTTP.

The sandbox runs in its own process, as HubSpot is not inside the connector's process: the clock starts
before that process is spawned (nothing imported or generated yet) and stops when the last engagement has been
read. It prints one JSON object on its last line:

    {"hubspot_contacts": 5012, "activities": 100345, "engagements": 6321, "requests": 431, "cold_start_s": ...}

    python bench/sandbox_hubspot.py [--hubspot-contacts 5000] [--activities 20]
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

from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId

from connector.sandbox.hubspot import HubSpotSandbox, HubSpotSettings
from connector.sandbox.synthetic import people

ENGAGEMENT_TYPES = ("emails", "calls", "meetings", "notes", "tasks")
CONTACT_PROPERTIES = [
    "email", "firstname", "lastname", "jobtitle", "company", "numemployees", "industry", "country",
    "lifecyclestage", "hs_analytics_num_visits", "hs_analytics_num_page_views", "num_conversion_events",
    "recent_conversion_event_name", "hs_email_open", "hs_email_click", "lastmodifieddate",
]  # fmt: skip
# About 70% of the synthetic population are HubSpot contacts (the rest live only in Salesforce).
HUBSPOT_SHARE = 0.69


def read_everything(client: Any) -> dict[str, int]:
    """List all contacts, then read their associations and engagements in batches of 100.

    API objects are created once: each access to ``client.crm...`` builds a new urllib3 pool (a new connection).
    """
    contacts = client.crm.contacts.basic_api
    associations = client.crm.associations.v4.batch_api
    readers = {kind: getattr(client.crm.objects, kind).batch_api for kind in ENGAGEMENT_TYPES}
    ids: list[str] = []
    after = None
    requests = 0
    while True:
        page = contacts.get_page(limit=100, after=after, properties=CONTACT_PROPERTIES)
        requests += 1
        ids.extend(r.id for r in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    engagements = 0
    for start in range(0, len(ids), 100):
        chunk = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in ids[start : start + 100]])
        for kind in ENGAGEMENT_TYPES:
            links = associations.get_page("contacts", kind, chunk)
            requests += 1
            linked = [str(link.to_object_id) for r in links.results for link in r.to]
            for s in range(0, len(linked), 100):
                read = BatchReadInputSimplePublicObjectId(
                    inputs=[{"id": i} for i in linked[s : s + 100]],
                    properties=["hs_timestamp"],
                    properties_with_history=[],
                )
                engagements += len(readers[kind].read(read).results)
                requests += 1
    return {"hubspot_contacts": len(ids), "engagements": engagements, "requests": requests}


def serve(population: int, activities_mean: float, urls: Connection, stop: Event) -> None:
    """Child process: run the sandbox until told to stop (limits lifted: this measures serving, not waiting)."""
    settings = HubSpotSettings(
        contacts=population, activities_mean=activities_mean, rate_limit=1_000_000, daily_limit=10_000_000
    )
    with HubSpotSandbox(settings) as sandbox:
        urls.send((sandbox.url, sandbox.access_token))
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hubspot-contacts", type=int, default=5_000)
    parser.add_argument("--activities", type=float, default=20.0, help="mean activities per person")
    args = parser.parse_args()
    population = math.ceil(args.hubspot_contacts / HUBSPOT_SHARE)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    stop = context.Event()
    started = time.perf_counter()
    process = context.Process(target=serve, args=(population, args.activities, child, stop), daemon=True)
    process.start()
    try:
        url, token = parent.recv()
        ready_s = time.perf_counter() - started
        figures = read_everything(HubSpot(access_token=token, host=url))
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        process.join(10)
    activities = sum(
        len(p.activities)
        for p in people(population, HubSpotSettings().seed, activities_mean=args.activities)
        if p.in_hubspot
    )
    result = {**figures, "population": population, "activities": activities}
    print(json.dumps({**result, "server_ready_s": round(ready_s, 2), "cold_start_s": round(elapsed, 2)}))


if __name__ == "__main__":
    main()
