"""The `leadbridge` command as a user runs it: real processes, real files, exit codes and messages."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from connector.mapping.shipped import shipped_mapping

EXAMPLES = shipped_mapping("examples")
CONTACTS = EXAMPLES / "contacts.csv"
ACTIVITIES = EXAMPLES / "activities.csv"
NOW = "2026-11-20T00:00:00Z"


def leadbridge(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "connector.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=None)


def test_version() -> None:
    result = leadbridge("--version")
    assert result.returncode == 0 and result.stdout.startswith("leadbridge ")


def test_score_to_csv_gives_one_row_per_contact_with_reasons(tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = leadbridge("score", "--contacts", str(CONTACTS), "--activities", str(ACTIVITIES), "--now", NOW,
                        "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    with CONTACTS.open(encoding="utf-8-sig") as handle:
        assert len(rows) == sum(1 for _ in handle) - 1
    for row in rows:
        assert 0 <= int(row["score"]) <= 100 and row["grade"][0] in "ABC"
        assert row["stage"] in {"subscriber", "lead", "mql", "sql", "opportunity", "customer", "evangelist"}
        reasons = json.loads(row["reasons"])
        assert all({"rule", "axis", "points", "evidence"} <= set(r) for r in reasons)
    assert "Funnel" in result.stdout


def test_score_to_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "scores.jsonl"
    assert leadbridge("score", "-c", str(CONTACTS), "-a", str(ACTIVITIES), "--now", NOW, "-o", str(out)).returncode == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines and all(line["key"].startswith("files:contact:") for line in lines)


def test_score_on_an_export_no_test_saw_gives_sensible_stages(tmp_path: Path) -> None:
    contacts = tmp_path / "crm-export.csv"
    contacts.write_text(
        "\ufeffcontact_id;email;job_title;company;employees;industry;country;updated_at\n"
        "a1;cto@fintech.example;CTO;Fintech Co;201-500;Financial Services;GB;1763500000000\n"
        "a2;kid@gmail.com;Student;;;Education;BR;2026-11-01\n"
        "a3;ops@mid.example;Head of RevOps;Mid Inc;51 to 200;SaaS;US;2026-11-02T10:00:00+01:00\n",
        encoding="utf-8")
    activities = tmp_path / "activity-export.csv"
    activities.write_text(
        "contact_id;type;timestamp;url;form\n"
        "a1;demo request;2026-11-18T09:00:00Z;;demo-request\n"
        "a2;session;2026-11-18T09:00:00Z;/pricing;\n"
        "a2;session;2026-11-19T09:00:00Z;/pricing;\n"
        "a3;session;2026-11-10T09:00:00Z;/;\n"
        "a3;session;2026-11-15T09:00:00Z;/pricing;\n",
        encoding="utf-8")
    out = tmp_path / "out.csv"
    result = leadbridge("score", "-c", str(contacts), "-a", str(activities), "--now", NOW, "-o", str(out))
    assert result.returncode == 0, result.stderr
    stages = {row["key"]: (row["stage"], row["disqualified"]) for row in csv.DictReader(out.open())}
    assert stages == {"files:contact:a1": ("sql", "False"), "files:contact:a2": ("lead", "True"),
                      "files:contact:a3": ("mql", "False")}


def test_explain_prints_the_reasons(tmp_path: Path) -> None:
    first_id = next(csv.DictReader(CONTACTS.open(encoding="utf-8-sig")))["contact_id"]
    result = leadbridge("explain", "--id", first_id, "-c", str(CONTACTS), "-a", str(ACTIVITIES), "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert f"files:contact:{first_id}" in result.stdout and "evidence" in result.stdout


def test_explain_unknown_id_is_a_user_error() -> None:
    result = leadbridge("explain", "--id", "nope", "-c", str(CONTACTS))
    assert result.returncode == 2 and "no contact files:contact:nope" in result.stderr


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("fit:\n  groups:\n    - name: g\n      rules:\n        - {name: r, points: 5, field: contry, equals: US}\n"
         "engagement: {groups: []}\nstages: {mql: [{name: m, score: {gte: 50}}]}\n",
         ":5: fit.groups[0].rules[0].field: unknown field 'contry'"),
        ("fit: [\n", "invalid YAML"),
        ("grades: {fit: {A: 10, B: 50}}\nfit: {groups: []}\nengagement: {groups: []}\nstages: {mql: []}\n",
         "contradictory thresholds"),
    ],
)
def test_check_on_broken_model_exits_2_with_a_located_message(tmp_path: Path, yaml_text: str, expected: str) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(yaml_text)
    result = leadbridge("check", "--model", str(model))
    assert result.returncode == 2
    assert expected in result.stderr and str(model) in result.stderr.replace("\n", "")
    assert "Traceback" not in result.stderr


def test_check_suggests_the_nearest_name(tmp_path: Path) -> None:
    model = tmp_path / "model.yaml"
    model.write_text(shipped_mapping("scoring.yaml").read_text().replace("field: job_title\n", "field: job_titel\n", 1))
    result = leadbridge("check", "--model", str(model))
    assert result.returncode == 2 and "did you mean 'job_title'?" in result.stderr.replace("\n", "")


def test_check_valid_defaults() -> None:
    result = leadbridge("check")
    assert result.returncode == 0 and "all valid" in result.stdout


def test_missing_column_exits_2_naming_file_and_column(tmp_path: Path) -> None:
    contacts = tmp_path / "c.csv"
    contacts.write_text("contact_id,mail,updated_at\n1,a@b.c,2026-01-01\n")
    result = leadbridge("score", "-c", str(contacts))
    assert result.returncode == 2, result.stderr
    assert "c.csv" in result.stderr and "email" in result.stderr and "Traceback" not in result.stderr


def test_bad_row_stops_unless_skipped_and_is_then_reported(tmp_path: Path) -> None:
    contacts = tmp_path / "c.csv"
    contacts.write_text("contact_id,email,job_title,company,updated_at\n"
                        "1,a@b.io,CEO,B,2026-01-01\n2,c@d.io,CTO,D,not-a-date\n3,e@f.io,VP,F,2026-01-02\n")
    stopped = leadbridge("score", "-c", str(contacts))
    assert stopped.returncode == 2 and ":3" in stopped.stderr and "updated_at" in stopped.stderr
    skipped = leadbridge("score", "-c", str(contacts), "--skip-bad-rows", "-o", str(tmp_path / "o.csv"))
    assert skipped.returncode == 0
    assert "skipped 1 bad row" in skipped.stderr
    assert len(list(csv.DictReader((tmp_path / "o.csv").open()))) == 2


def test_demo_runs_and_prints_the_funnel_and_explanations(tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    result = leadbridge("demo", "--contacts", "400", "--no-crm", "--html", str(html))
    assert result.returncode == 0, result.stderr
    assert "Funnel" in result.stdout and "Most common reasons" in result.stdout and "evidence" in result.stdout
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_full_demo_round_trips_both_crms(tmp_path: Path) -> None:
    result = leadbridge("demo", "--contacts", "600", "--html", str(tmp_path / "report.html"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "HubSpot round trip done" in out and "second sync after the changes: nothing written" in out
    assert "Salesforce round trip done" in out and "One person, one verdict" in out
    assert "its stage in HubSpot is marketingqualifiedlead" in out
