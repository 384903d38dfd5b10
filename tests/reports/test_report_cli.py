"""`leadbridge report ...` on a files export: tables in the terminal and an HTML file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector.sandbox.files_export import write_people
from connector.sandbox.synthetic import DEFAULT_NOW, people


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_people(people(400, seed=5, now=DEFAULT_NOW), tmp_path_factory.mktemp("export"))


def leadbridge(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "connector.cli", *args], capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize(("report", "expect"), [
    ("funnel", "conversion from previous"),
    ("content", "Content by lift"),
    ("scores", "by score decile"),
])
def test_report_prints_tables_and_writes_html(export: tuple[Path, Path], tmp_path: Path, report: str,
                                              expect: str) -> None:
    contacts, activities = export
    html = tmp_path / f"{report}.html"
    result = leadbridge("report", report, "--contacts", str(contacts), "--activities", str(activities),
                        "--now", "2026-11-01T00:00:00Z", "--html", str(html))
    assert result.returncode == 0, result.stderr
    assert expect in result.stdout
    assert html.exists() and "<svg" in html.read_text(encoding="utf-8")


def test_activities_without_contacts_is_a_clear_error() -> None:
    result = leadbridge("report", "funnel", "--activities", "x.csv")
    assert result.returncode == 2
    assert "--activities needs --contacts" in result.stderr
