"""`leadbridge report ...` as an admin runs it: on a files export or on the store, tables and an HTML file."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.syncing import make_export, run_cli, sync

from connector.mapping.load import load_mapping
from connector.qualify import load_model
from connector.sandbox.files_export import write_people
from connector.sandbox.synthetic import DEFAULT_NOW, people
from connector.store import open_store


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_people(people(400, seed=5, now=DEFAULT_NOW), tmp_path_factory.mktemp("export"))


@pytest.mark.parametrize(("report", "expect"), [
    ("funnel", "Funnel (400 contacts)"),
    ("content", "Content by lift"),
    ("scores", "by score decile"),
])
def test_report_on_a_files_export(export: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str], report: str, expect: str) -> None:
    contacts, activities = export
    html = tmp_path / f"{report}.html"
    result = run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'unused.db'}", "report", report,
                     "--contacts", str(contacts), "--activities", str(activities),
                     "--now", "2026-11-01T00:00:00Z", "--html", str(html))
    assert result.code == 0, result.stderr
    assert expect in result.stdout
    assert html.exists() and "<svg" in html.read_text(encoding="utf-8")
    assert not (tmp_path / "unused.db").exists()  # a files report never touches the store


def test_report_on_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    store = open_store(url)
    try:
        sync(store, make_export(tmp_path / "export", 50, seed=6), load_mapping(None, "files"), load_model(),
             full=True)
    finally:
        store.close()
    result = run_cli(monkeypatch, capsys, url, "report", "funnel", "--by", "lead_source")
    assert result.code == 0, result.stderr
    assert "Funnel (50 contacts)" in result.stdout and "Funnel by lead_source" in result.stdout
    assert "Stage changes by month" in result.stdout


def test_empty_store_and_bad_options_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    empty = run_cli(monkeypatch, capsys, url, "report", "scores")
    message = " ".join(empty.stderr.split())
    assert empty.code == 2 and "holds no contacts" in message and "leadbridge sync" in message
    alone = run_cli(monkeypatch, capsys, url, "report", "funnel", "--activities", "x.csv")
    assert alone.code == 2 and "--activities needs --contacts" in alone.stderr
