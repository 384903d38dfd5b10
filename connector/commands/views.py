"""Rich tables the commands print: top contacts, the funnel, the most common reasons, one explanation."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from connector.model import Qualification, Stage


def top_contacts_table(results: Sequence[Qualification], top: int) -> Table:
    table = Table(title=f"Top {min(top, len(results))} of {len(results)} contacts by score", title_justify="left")
    for column, justify in (("key", "left"), ("score", "right"), ("fit", "right"), ("eng.", "right"),
                            ("grade", "center"), ("stage", "left"), ("summary", "left")):
        table.add_column(column, justify=justify, overflow="fold", no_wrap=column == "key")  # type: ignore[arg-type]
    ranked = sorted(results, key=lambda q: (-q.score, q.contact_key))[:top]
    for q in ranked:
        stage = q.stage.label + (" (DQ)" if q.disqualified else "")
        table.add_row(q.contact_key, str(q.score), str(q.fit), str(q.engagement), q.grade, stage, q.summary)
    return table


def funnel_table(results: Sequence[Qualification]) -> Table:
    """Contacts per stage, in funnel order, with a bar; disqualified contacts counted apart."""
    counts = Counter(q.stage for q in results)
    disqualified = Counter(q.stage for q in results if q.disqualified)
    total = max(len(results), 1)
    widest = max(counts.values(), default=1)
    table = Table(title="Funnel", title_justify="left")
    table.add_column("stage")
    table.add_column("contacts", justify="right")
    table.add_column("share", justify="right")
    table.add_column("disqualified", justify="right")
    table.add_column("")
    for stage in Stage:
        n = counts.get(stage, 0)
        bar = "█" * max(1 if n else 0, round(20 * n / widest))
        table.add_row(stage.label, f"{n:,}", f"{100 * n / total:.1f}%", f"{disqualified.get(stage, 0):,}", bar)
    table.add_row("total", f"{len(results):,}", "100%", f"{sum(disqualified.values()):,}", "", style="bold")
    return table


def top_reasons_table(results: Sequence[Qualification], top: int = 12) -> Table:
    """The rules that fired most often, with the average points they gave."""
    fired: Counter[str] = Counter()
    points: dict[str, float] = defaultdict(float)
    labels: dict[str, str] = {}
    for q in results:
        for r in q.reasons:
            fired[r.rule] += 1
            points[r.rule] += r.points
            labels.setdefault(r.rule, (r.label or r.rule).split(" ×")[0])
    table = Table(title="Most common reasons", title_justify="left")
    for column, justify in (("rule", "left"), ("what it means", "left"), ("contacts", "right"),
                            ("share", "right"), ("avg points", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    total = max(len(results), 1)
    for rule, n in fired.most_common(top):
        table.add_row(rule, labels[rule], f"{n:,}", f"{100 * n / total:.0f}%", f"{points[rule] / n:+.1f}")
    return table


def explanation_table(q: Qualification) -> Table:
    table = Table(title=f"{q.contact_key}: {q.summary}", title_justify="left", caption=(
        f"stage {q.stage.label} ({q.stage_reason}) · score {q.score} = fit {q.fit} and engagement {q.engagement}"
        f" · grade {q.grade} · model {q.model_version}"), caption_justify="left")
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("reason (rule)", overflow="fold")
    table.add_column("evidence", overflow="fold")
    for r in q.reasons:
        points = f"{r.points:+g}" if r.axis in ("fit", "engagement") else r.axis
        table.add_row(points, f"{escape(r.text)}\n[dim]{r.axis} · {r.group or '-'} · {r.rule}[/]",
                      escape("\n".join(r.evidence)))
    return table
