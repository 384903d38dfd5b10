"""Rich renderings of runs: the run report, recent runs, a contact's stage history, and live progress."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from connector.runreport import RunReport
from connector.store.history import StageChange
from connector.store.runs import PARTIAL, RunRow


def report_table(report: RunReport, title: str) -> Group:
    """The run report: counts, stage changes, rejections, and (for dry runs) examples of planned changes."""
    counts = Table(title=title, title_justify="left", show_header=False)
    counts.add_column("what")
    counts.add_column("count", justify="right")
    always = {"contacts read", "qualified", "stage changes", "values planned", "values written", "values rejected"}
    rows = [
        ("contacts read", report.read),
        ("  new", report.new),
        ("  changed", report.changed),
        ("  unchanged", report.unchanged),
        ("activities read", report.activities),
        ("  contacts with new activities", report.activities_changed),
        ("qualified", report.qualified),
        ("stage changes", sum(report.stage_changes.values())),
        ("values planned", report.planned),
        ("  contacts", report.planned_contacts),
        ("values written", report.written),
        ("values not written (dry run / no --out)", report.not_written),
        ("values already right in the CRM", report.values_unchanged),
        ("values kept by write policy", report.held),
        ("values rejected", report.rejected_total),
        ("contacts retried", report.retried),
        ("contacts deleted", report.deleted),
        ("bad rows skipped", report.bad_rows),
    ]
    for what, count in rows:
        if count or what in always:
            counts.add_row(what, f"{count:,}")
    parts: list[Table] = [counts]
    if report.stage_changes:
        stages = Table(title="Stage changes", title_justify="left")
        stages.add_column("from -> to")
        stages.add_column("contacts", justify="right")
        for change, n in sorted(report.stage_changes.items(), key=lambda kv: (-kv[1], kv[0])):
            stages.add_row(change.replace("->", " -> "), f"{n:,}")
        parts.append(stages)
    failures = [("rejected", r, n) for r, n in report.rejected.items()]
    failures += [("retry", r, n) for r, n in report.retryable.items()]
    if failures:
        table = Table(title="Writes not accepted (retried on the next run)", title_justify="left")
        table.add_column("kind")
        table.add_column("reason", overflow="fold")
        table.add_column("values", justify="right")
        for kind, reason, n in sorted(failures, key=lambda f: -f[2]):
            table.add_row(kind, escape(reason), f"{n:,}")
        parts.append(table)
    return Group(*parts)


def sample_table(report: RunReport) -> Table:
    """The first planned changes: contact, property, from, to."""
    table = Table(title=f"Planned changes (first {len(report.sample)} contacts)", title_justify="left")
    for column in ("contact", "property", "from", "to"):
        table.add_column(column, overflow="fold")
    for entry in report.sample:
        for prop, change in entry["changes"].items():
            table.add_row(entry["key"], prop, escape(_text(change["from"])), escape(_text(change["to"])))
    return table


def runs_table(rows: Sequence[RunRow], now: datetime) -> Table:
    table = Table(title="Recent runs (times UTC)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for column, justify in (("run", "right"), ("what", "left"), ("status", "left"), ("started", "left"),
                            ("took", "right"), ("read", "right"), ("qualified", "right"),
                            ("written/planned", "right"), ("rejected", "right")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        report = RunReport.from_dict(row.counts)
        status = row.effective_status(now) + (" (dry)" if row.dry_run else "")
        took = "" if row.finished_at is None else f"{(row.finished_at - row.started_at).total_seconds():.1f}s"
        table.add_row(str(row.id), f"{row.kind} {row.source}", status, row.started_at.strftime("%m-%d %H:%M"), took,
                      f"{report.read:,}", f"{report.qualified:,}", f"{report.written:,}/{report.planned:,}",
                      f"{report.rejected_total:,}")
        if row.error:
            colour = "yellow" if row.status == PARTIAL else "red"  # partial: stopped on purpose, resumes
            table.add_row("", f"[{colour}]{escape(row.error)}[/]")
    return table


def history_table(key: str, changes: Sequence[StageChange]) -> Table:
    table = Table(title=f"Stage history of {key}", title_justify="left")
    for column in ("when (UTC)", "from", "to", "why", "model", "run"):
        table.add_column(column, overflow="fold")
    for change in changes:
        table.add_row(change.changed_at.strftime("%Y-%m-%d %H:%M:%S"), change.from_stage or "-", change.to_stage,
                      escape(change.reason or ""), change.model_version or "",
                      str(change.run_id) if change.run_id is not None else "")
    return table


@contextmanager
def live_progress(console: Console, enabled: bool = True) -> Iterator[object]:
    """A progress display the sync calls as ``progress(phase, done, total)``; one line per phase."""
    with Progress(SpinnerColumn(), TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True, disable=not enabled) as bar:
        tasks: dict[str, object] = {}

        def update(phase: str, done: int, total: int | None = None) -> None:
            task = tasks.get(phase)
            if task is None:
                task = tasks[phase] = bar.add_task(phase, total=total)
            bar.update(task, completed=done, total=total)  # type: ignore[arg-type]

        yield update


def _text(value: object) -> str:
    return "" if value is None else str(value)
