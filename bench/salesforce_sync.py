"""Benchmark a Salesforce full sync with write-back against the sandbox: API calls per record against the
minimum, and whether faults (UNABLE_TO_LOCK_ROW on 2% of writes, every session expiring mid-run) change the
final state of the org.

Two orgs are built from the same seed (about 20,000 leads + contacts by default), served over HTTPS with
50 ms of latency per request. The clean org gets one full sync. The faulty org gets the same full sync with
row locks injected and all sessions expired after the first page, then the next scheduled (incremental)
run, which retries what stayed locked. The LB_* values of every lead and contact are then compared.

Minimum calls = query pages of 2,000 (leads, contacts, tasks, events, campaign members) + ceil(contacts
written / 200) composite calls. Calls are what the org counted against its daily allocation.

    python bench/salesforce_sync.py [--people 40000] [--latency-ms 50] [--lock-rate 0.02] [--bulk-threshold N]

Prints one JSON object on its last line, e.g.
    {"records": 20123, "api_calls": ..., "min_calls": ..., "calls_ratio": 1.03, "faults_same_state": true, ...}
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from connector.crm.salesforce import SalesforceOptions
from connector.crm.salesforce_api import SalesforceApi, make_session
from connector.crm.salesforce_auth import Login, OAuthFlow
from connector.crm.salesforce_limits import ApiBudget
from connector.crm.salesforce_sync import run_salesforce_sync
from connector.mapping import load_mapping
from connector.qualify import load_model
from connector.sandbox.faults import Faults
from connector.sandbox.salesforce import DataSettings, SalesforceSandbox, SalesforceSettings
from connector.sandbox.synthetic import DEFAULT_NOW
from connector.store import open_store
from connector.sync import SyncOptions

FIELDS = ("LB_Score__c", "LB_Fit__c", "LB_Engagement__c", "LB_Grade__c", "LB_Stage__c", "LB_Disqualified__c",
          "LB_Disqualification_Reason__c", "LB_Summary__c", "LB_Model_Version__c", "Status")
#: Every run qualifies as of this instant, so the two orgs are compared on the same decay.
RUN_AT = DEFAULT_NOW + timedelta(hours=1)


def api_for(org: SalesforceSandbox) -> SalesforceApi:
    budget = ApiBudget(1.0)
    session = make_session(30.0, str(org.ca_bundle), budget)
    creds = org.credentials
    flow = OAuthFlow("client credentials", f"{org.url}/services/oauth2/token",
                     (("grant_type", "client_credentials"), ("client_id", creds.client_id),
                      ("client_secret", creds.client_secret)))
    return SalesforceApi(Login(flow, session), session, budget, org.settings.api_version, backoff_s=0.05)


def state(org: SalesforceSandbox) -> dict[str, tuple[Any, ...]]:
    out = {}
    for sobject in ("Lead", "Contact"):
        table = org.org.table(sobject)
        for seq in range(len(table)):
            if table.deleted[seq]:
                continue
            record = org.org.record(table, seq)
            if sobject == "Lead" and record["IsConverted"]:
                continue
            out[record["Id"]] = tuple(record.get(f) for f in FIELDS)
    return out


def count(org: SalesforceSandbox, sobject: str) -> int:
    table = org.org.table(sobject)
    return sum(1 for seq in range(len(table)) if not table.deleted[seq])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=40_000, help="synthetic people (about half are in Salesforce)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--lock-rate", type=float, default=0.02)
    parser.add_argument("--bulk-threshold", type=int, default=SalesforceOptions().bulk_threshold,
                        help="full reads above this many records use Bulk API 2.0 (a huge value: REST only)")
    args = parser.parse_args()
    options = SalesforceOptions(bulk_threshold=args.bulk_threshold)
    mapping, model = load_mapping(None, source="salesforce"), load_model(None)
    settings = SalesforceSettings(data=DataSettings(people=args.people, now=DEFAULT_NOW))
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # -- the clean run ----------------------------------------------------------------------------
        built = time.perf_counter()
        with SalesforceSandbox(settings, faults=Faults(latency_ms=args.latency_ms)) as clean:
            figures["sandbox_build_s"] = round(time.perf_counter() - built, 1)
            leads, contacts = count(clean, "Lead"), count(clean, "Contact")
            activity_counts = {name: count(clean, name) for name in ("Task", "Event", "CampaignMember")}
            api = api_for(clean)
            store = open_store(f"sqlite:///{Path(tmp) / 'clean.db'}")
            used_before = clean.api_usage[0]
            started = time.perf_counter()
            result = run_salesforce_sync(store, api, model, mapping, options=SyncOptions(full=True),
                                         source_options=options, clock=lambda: RUN_AT)
            elapsed = time.perf_counter() - started
            calls = clean.api_usage[0] - used_before
            report = result.report
            clean_state = state(clean)
            api.close()
            store.close()
        pages = math.ceil(leads / 2000) + math.ceil(contacts / 2000)
        activity_pages = sum(math.ceil(n / 2000) for n in activity_counts.values())
        writes = math.ceil(report.written_contacts / 200)
        minimum = pages + activity_pages + writes
        figures.update({
            "people": args.people, "bulk_threshold": args.bulk_threshold, "records": leads + contacts,
            "leads": leads, "contacts": contacts,
            "activities": sum(activity_counts.values()), "latency_ms": args.latency_ms,
            "contacts_written": report.written_contacts, "values_written": report.written,
            "api_calls": calls, "min_calls": minimum, "calls_ratio": round(calls / minimum, 3),
            "calls_per_record": round(calls / (leads + contacts), 4), "full_sync_s": round(elapsed, 1),
            "records_per_s": round((leads + contacts) / elapsed),
        })
        print(f"clean: {json.dumps(figures)}", file=sys.stderr)

        # -- the faulty run ---------------------------------------------------------------------------
        with SalesforceSandbox(settings, faults=Faults(latency_ms=args.latency_ms)) as faulty:
            faulty.set_lock_rate(args.lock_rate, seed=11)
            locks: list[str] = []
            decide = faulty.lock_check

            def counted(record_id: str) -> bool:
                locked = decide(record_id)
                if locked:
                    locks.append(record_id)
                return locked

            faulty.lock_check = counted
            api = api_for(faulty)
            store = open_store(f"sqlite:///{Path(tmp) / 'faulty.db'}")
            expired: list[int] = []

            def expire_mid_run(phase: str, done: int, total: int | None = None) -> None:
                if phase == "contacts" and not expired:  # after the first page: the run is under way
                    expired.append(done)
                    faulty.expire_tokens()

            first = run_salesforce_sync(store, api, model, mapping, options=SyncOptions(full=True),
                                        source_options=options, clock=lambda: RUN_AT, progress=expire_mid_run)
            locked_left = sum(first.report.retryable.values())
            faulty.set_lock_rate(0.0)
            second = run_salesforce_sync(store, api, model, mapping, source_options=options,
                                         clock=lambda: RUN_AT)
            faulty_state = state(faulty)
            figures.update({
                "faults_lock_rate": args.lock_rate, "faults_session_renewals": api.refreshes,
                "faults_locks_injected": len(locks),
                "faults_values_left_for_next_run": locked_left,
                "faults_next_run_retried": second.report.retried, "faults_next_run_written": second.report.written,
            })
            api.close()
            store.close()
        differing = [k for k in clean_state if clean_state[k] != faulty_state.get(k)]
        figures["faults_differing_records"] = len(differing)
        figures["faults_same_state"] = not differing and len(clean_state) == len(faulty_state) and bool(expired)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
