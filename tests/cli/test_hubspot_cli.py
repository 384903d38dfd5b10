"""`leadbridge setup|check --live|sync --source hubspot` as a user runs them: real processes against the
HubSpot sandbox (served by this test process), exit codes and messages."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from connector.sandbox.hubspot import HubSpotSandbox


def leadbridge(sandbox: HubSpotSandbox, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEADBRIDGE_HUBSPOT_ACCESS_TOKEN": sandbox.access_token,
           "LEADBRIDGE_HUBSPOT_BASE_URL": sandbox.url, "LEADBRIDGE_DATABASE_URL": f"sqlite:///{cwd / 'lb.db'}",
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "connector.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=env)


def test_setup_check_and_sync_against_a_portal(hubspot_sandbox_factory: Callable[..., HubSpotSandbox],
                                               tmp_path: Path) -> None:
    sandbox = hubspot_sandbox_factory(contacts=200)

    planned = leadbridge(sandbox, tmp_path, "setup", "--source", "hubspot", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "would create" in planned.stdout and "lb_score" in planned.stdout
    assert sandbox.store.contact_properties.get("lb_score") is None

    created = leadbridge(sandbox, tmp_path, "setup", "--source", "hubspot")
    assert created.returncode == 0, created.stderr
    assert "created" in created.stdout and "already existed" not in created.stdout

    ready = leadbridge(sandbox, tmp_path, "check", "--live", "--source", "hubspot")
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert "rate budget" in ready.stdout and sandbox.access_token not in ready.stdout + ready.stderr

    dry = leadbridge(sandbox, tmp_path, "sync", "--source", "hubspot", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout and "0 batch updates" in dry.stdout

    full = leadbridge(sandbox, tmp_path, "sync", "--source", "hubspot", "--full")
    assert full.returncode == 0, full.stderr
    assert "values written" in full.stdout and "0 batch updates" not in full.stdout
    view = sandbox.contact(sandbox.contact_ids()[0])
    assert view is not None and view.properties.get("lb_score") is not None
