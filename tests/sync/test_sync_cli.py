"""`leadbridge sync / rescore / runs / history` as an admin runs them: tables, exit codes, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support.syncing import CliResult, Export, run_cli

from connector.store import Store


@pytest.fixture
def leadbridge(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def run(store_url: str, *args: str) -> CliResult:
        return run_cli(monkeypatch, capsys, store_url, *args)

    return run


def _count(report: str, label: str) -> int:
    line = next(line for line in report.splitlines() if label in line)
    return int(line.split("│")[-2].strip().replace(",", ""))


def test_two_syncs_on_unchanged_input_second_plans_nothing(store: Store, export: Export, tmp_path: Path,
                                                          leadbridge: Callable[..., CliResult]) -> None:
    store_url = store.url.render_as_string(hide_password=False)
    args = ["sync", "--contacts", str(export.contacts), "--activities", str(export.activities)]
    first = leadbridge(store_url, *args, "--out", str(tmp_path / "u1.csv"))
    assert first.code == 0, first.stderr
    assert _count(first.stdout, "contacts read") == 40 and _count(first.stdout, "values planned") > 0
    assert "wrote" in first.stdout and (tmp_path / "u1.csv").exists()

    second = leadbridge(store_url, *args, "--out", str(tmp_path / "u2.csv"), "--full")
    assert second.code == 0, second.stderr
    assert _count(second.stdout, "contacts read") == 40
    assert _count(second.stdout, "values planned") == 0

    runs = leadbridge(store_url, "runs")
    assert runs.code == 0 and "sync" in runs.stdout and len(re.findall(r"\bok\b", runs.stdout)) == 2

    dry = leadbridge(store_url, "rescore", "--dry-run")
    assert dry.code == 0, dry.stderr
    assert "dry run" in dry.stdout and _count(dry.stdout, "qualified") == 40

    contact_id = export.rows()[0]["contact_id"]
    history = leadbridge(store_url, "history", contact_id)
    assert history.code == 0, history.stderr
    assert f"files:contact:{contact_id}" in history.stdout and "now:" in history.stdout


def test_dry_run_shows_the_planned_changes(tmp_path: Path, export: Export,
                                           leadbridge: Callable[..., CliResult]) -> None:
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    dry = leadbridge(url, "sync", "--contacts", str(export.contacts), "--activities", str(export.activities),
                     "--dry-run", "--out", str(tmp_path / "u.csv"))
    assert dry.code == 0, dry.stderr
    assert "Planned changes" in dry.stdout and "lb_score" in dry.stdout
    assert not (tmp_path / "u.csv").exists()


def test_a_store_error_exits_3_without_traceback_or_password(export: Export) -> None:
    bad_store = subprocess.run(
        [sys.executable, "-m", "connector.cli", "sync", "--contacts", str(export.contacts)],
        capture_output=True, text=True, timeout=120,
        env={"LEADBRIDGE_DATABASE_URL": "postgresql://u:topsecret@127.0.0.1:1/x", "PATH": "/usr/bin:/bin"},
    )
    assert bad_store.returncode == 3 and "topsecret" not in bad_store.stderr + bad_store.stdout
    assert "cannot open PostgreSQL store" in bad_store.stderr and "Traceback" not in bad_store.stderr


def test_user_errors_exit_2(tmp_path: Path, export: Export, leadbridge: Callable[..., CliResult]) -> None:
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    missing = leadbridge(url, "sync")
    assert missing.code == 2 and "--contacts is required" in missing.stderr
    bad_out = leadbridge(url, "sync", "--contacts", str(export.contacts), "--out", str(tmp_path / "u.txt"))
    assert bad_out.code == 2 and ".csv or .jsonl" in bad_out.stderr
    unknown = leadbridge(url, "history", "files:contact:nobody")
    assert unknown.code == 2 and "no contact" in unknown.stderr
    lookback = leadbridge(url, "sync", "--contacts", str(export.contacts), "--lookback", "soon")
    assert lookback.code == 2 and "--lookback" in lookback.stderr
