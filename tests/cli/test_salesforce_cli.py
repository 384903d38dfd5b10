"""`leadbridge sync/check/setup --source salesforce` as a user runs them: real processes, credentials from
LEADBRIDGE_SALESFORCE_* (OAuth client credentials against the sandbox's My Domain), exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from connector.mapping.shipped import shipped_mapping
from connector.sandbox.salesforce import DataSettings, SalesforceSandbox, SalesforceSettings
from connector.sandbox.salesforce.schema import BANT_FIELDS


def leadbridge(org: SalesforceSandbox, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADBRIDGE_")}
    env.update({
        "LEADBRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'lb.db'}",
        "LEADBRIDGE_SALESFORCE_INSTANCE_URL": org.url,
        "LEADBRIDGE_SALESFORCE_CLIENT_ID": org.credentials.client_id,
        "LEADBRIDGE_SALESFORCE_CLIENT_SECRET": org.credentials.client_secret,
        "LEADBRIDGE_SALESFORCE_CA_BUNDLE": str(org.ca_bundle),
        "COLUMNS": "200",
    })
    return subprocess.run([sys.executable, "-m", "connector.cli", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120, env=env)


def test_check_live_then_full_and_incremental_sync(salesforce_sandbox_factory: Any, tmp_path: Path) -> None:
    org = salesforce_sandbox_factory(people=200)
    checked = leadbridge(org, tmp_path, "check", "--source", "salesforce", "--live")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Closed - Not Converted" in checked.stdout and "API allocation" in checked.stdout

    full = leadbridge(org, tmp_path, "sync", "--source", "salesforce", "--full")
    assert full.returncode == 0, full.stderr
    assert "API calls this run" in full.stdout
    lead = next(i for i in org.ids("Lead") if not org.record(i)["IsConverted"])
    assert org.record(lead)["LB_Score__c"] is not None

    dry = leadbridge(org, tmp_path, "sync", "--source", "salesforce", "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stdout

    # A new model (weights moved to fit): rescore re-qualifies the store and writes the changes to the org.
    model = tmp_path / "scoring.yaml"
    text = shipped_mapping("scoring.yaml").read_text()
    model.write_text(text.replace("  fit: 0.5\n  engagement: 0.5", "  fit: 0.8\n  engagement: 0.2", 1))
    before = org.record(lead)["LB_Score__c"]
    org.log.clear()
    rescored = leadbridge(org, tmp_path, "rescore", "--source", "salesforce", "--model", str(model), "--workers", "0")
    assert rescored.returncode == 0, rescored.stderr
    assert org.log.count(method="PATCH") > 0 and org.record(lead)["LB_Score__c"] != before


def test_setup_lists_missing_fields_and_writes_a_deployable_package(
    salesforce_sandbox_factory: Any, tmp_path: Path
) -> None:
    org: SalesforceSandbox = salesforce_sandbox_factory(
        settings=SalesforceSettings(data=DataSettings(people=100, custom_fields=BANT_FIELDS)))
    checked = leadbridge(org, tmp_path, "check", "--source", "salesforce", "--live")
    assert checked.returncode == 4 and "LB_Score__c" in checked.stderr and "setup" in checked.stderr

    out = tmp_path / "pkg"
    setup = leadbridge(org, tmp_path, "setup", "--source", "salesforce", "--out", str(out))
    assert setup.returncode == 0, setup.stderr
    assert "LB_Score__c" in setup.stdout and "Number(3, 0)" in setup.stdout
    package = (out / "package.xml").read_text()
    assert "<members>Lead.LB_Score__c</members>" in package and "<members>Contact.LB_Stage__c</members>" in package
    lead_object = (out / "objects" / "Lead.object").read_text()
    assert "<fullName>LB_Stage__c</fullName>" in lead_object and "<fullName>MQL</fullName>" in lead_object
    assert "Status" not in package  # a standard field: checked, never created
    assert (out / "permissionsets" / "Leadbridge_Integration.permissionset").exists()

    refused = leadbridge(org, tmp_path, "sync", "--source", "salesforce", "--full")
    assert refused.returncode == 4 and "leadbridge setup" in refused.stderr
