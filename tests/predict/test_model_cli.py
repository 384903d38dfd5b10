"""`leadbridge model fit|evaluate` on a files export, as an admin runs them before connecting a CRM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.syncing import CliResult, run_cli

from connector.sandbox.files_export import write_people
from connector.sandbox.synthetic import DEFAULT_NOW, people


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_people(people(500, seed=9, now=DEFAULT_NOW), tmp_path_factory.mktemp("export"))


@pytest.fixture
def leadbridge(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):  # type: ignore[no-untyped-def]
    """``leadbridge ARGS`` in this process, as the console script runs it (errors become exit codes)."""
    def run(*args: str) -> CliResult:
        return run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'unused.db'}", *args)

    return run


def test_evaluate_the_hand_written_model(export: tuple[Path, Path], leadbridge) -> None:  # type: ignore[no-untyped-def]
    contacts, activities = export
    result = leadbridge("model", "evaluate", "--contacts", str(contacts), "--activities", str(activities),
                        "--outcome", "opportunity", "--json")
    assert result.code == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["model"] == "default-b2b"
    assert 0.5 < figures["roc_auc"] <= 1.0 and figures["lift_top10"] > 1.0
    assert "Calibration" in result.stdout


def test_fit_refuses_with_too_few_positives(export: tuple[Path, Path], tmp_path: Path,
                                           leadbridge) -> None:  # type: ignore[no-untyped-def]
    contacts, activities = export
    result = leadbridge("model", "fit", "--contacts", str(contacts), "--activities", str(activities),
                        "--outcome", "customer", "--out", str(tmp_path / "m.yaml"))
    assert result.code == 2
    assert "at least 100" in " ".join(result.stderr.split()) and not (tmp_path / "m.yaml").exists()


def test_fit_exports_a_model_the_rest_of_leadbridge_reads(export: tuple[Path, Path], tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from typer.testing import CliRunner

    from connector.cli import app

    contacts, activities = export
    out = tmp_path / "fitted.yaml"
    # In process: a second interpreter would pay scikit-learn's import again.
    runner = CliRunner()
    result = runner.invoke(app, ["model", "fit", "--contacts", str(contacts), "--activities", str(activities),
                                 "--outcome", "opportunity", "--min-positives", "20", "--exclude", "industry",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ROC-AUC" in result.output and "wrote" in result.output
    assert "p_industry" not in out.read_text(encoding="utf-8")
    check = runner.invoke(app, ["check", "--model", str(out)])
    assert check.exit_code == 0, check.output
