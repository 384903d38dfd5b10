"""`leadbridge sync / rescore / runs / history` as an admin runs them: tables, exit codes, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.syncing import Export

from connector.store import Store


def leadbridge(store_url: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "connector.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={"LEADBRIDGE_DATABASE_URL": store_url, "PATH": "/usr/bin:/bin", "COLUMNS": "200"},
                          timeout=120)


def _count(report: str, label: str) -> int:
    line = next(line for line in report.splitlines() if label in line)
    return int(line.split("│")[-2].strip().replace(",", ""))


def test_two_syncs_on_unchanged_input_second_plans_nothing(store: Store, export: Export, tmp_path: Path) -> None:
    store_url = store.url.render_as_string(hide_password=False)
    args = ["sync", "--contacts", str(export.contacts), "--activities", str(export.activities)]
    first = leadbridge(store_url, *args, "--out", str(tmp_path / "u1.csv"))
    assert first.returncode == 0, first.stderr
    assert _count(first.stdout, "contacts read") == 40 and _count(first.stdout, "values planned") > 0
    assert "wrote" in first.stdout and (tmp_path / "u1.csv").exists()

    second = leadbridge(store_url, *args, "--out", str(tmp_path / "u2.csv"), "--full")
    assert second.returncode == 0, second.stderr
    assert _count(second.stdout, "contacts read") == 40
    assert _count(second.stdout, "values planned") == 0

    runs = leadbridge(store_url, "runs")
    assert runs.returncode == 0 and "sync files" in runs.stdout and runs.stdout.count(" ok ") == 2

    dry = leadbridge(store_url, "rescore", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout and _count(dry.stdout, "qualified") == 40

    contact_id = export.rows()[0]["contact_id"]
    history = leadbridge(store_url, "history", contact_id)
    assert history.returncode == 0, history.stderr
    assert f"files:contact:{contact_id}" in history.stdout and "now:" in history.stdout


def test_dry_run_shows_the_planned_changes(tmp_path: Path, export: Export) -> None:
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    dry = leadbridge(url, "sync", "--contacts", str(export.contacts), "--activities", str(export.activities),
                     "--dry-run", "--out", str(tmp_path / "u.csv"))
    assert dry.returncode == 0, dry.stderr
    assert "Planned changes" in dry.stdout and "lb_score" in dry.stdout
    assert not (tmp_path / "u.csv").exists()


def test_exit_codes(tmp_path: Path, export: Export) -> None:
    bad_store = leadbridge("postgresql://u:topsecret@127.0.0.1:1/x", "sync", "--contacts", str(export.contacts))
    assert bad_store.returncode == 3 and "topsecret" not in bad_store.stderr + bad_store.stdout
    assert "Traceback" not in bad_store.stderr
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    missing = leadbridge(url, "sync")
    assert missing.returncode == 2 and "--contacts is required" in missing.stderr
    bad_out = leadbridge(url, "sync", "--contacts", str(export.contacts), "--out", str(tmp_path / "u.txt"))
    assert bad_out.returncode == 2 and ".csv or .jsonl" in bad_out.stderr
    unknown = leadbridge(url, "history", "files:contact:nobody")
    assert unknown.returncode == 2 and "no contact" in unknown.stderr
    lookback = leadbridge(url, "sync", "--contacts", str(export.contacts), "--lookback", "soon")
    assert lookback.returncode == 2 and "--lookback" in lookback.stderr
