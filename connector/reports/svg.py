"""Charts as inline SVG, drawn by our own small code: a report file needs no network, script or font.

The ``<svg>`` elements carry no ``xmlns``: inside HTML5 it is implied, and it keeps every report free of
any ``http://`` reference (tests check that).

Two shapes cover the reports: bars (vertical for the funnel and deciles, horizontal for lift, optionally with
interval whiskers and a reference line) and a calibration plot (predicted against observed, with the diagonal).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#3b6fb6"
WHISKER = "#222"
GRID = "#ddd"
REFERENCE = "#c0392b"
FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="12"'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title><rect width="100%" height="100%" fill="#fff"/>'
            f'<text x="8" y="18" {FONT} font-weight="bold">{escape(title)}</text>' + "".join(body) + "</svg>")


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5, 5 x 10^k)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10 if value >= 1 else 1.0
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"{dash}/>'


def _text(x: float, y: float, text: str, anchor: str = "start") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {FONT}>{escape(text)}</text>'


def _rect(x: float, y: float, w: float, h: float) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.0):.1f}" height="{max(h, 0.0):.1f}" fill="{BAR}"/>'


Interval = tuple[float, float] | None


def bars(labels: Sequence[str], values: Sequence[float], title: str, *,
         intervals: Sequence[Interval] | None = None, texts: Sequence[str] | None = None,
         reference: float | None = None, horizontal: bool = False, width: int = 720) -> str:
    """A bar chart; ``intervals`` draws whiskers, ``reference`` a dashed line (1.0 for lift, the base rate)."""
    spans: list[Interval] = list(intervals) if intervals else [None] * len(values)
    tops = [*values, *(iv[1] for iv in spans if iv)] + ([reference] if reference is not None else [])
    axis_max = _nice_max(max(tops, default=0.0))
    shown = list(texts) if texts else [f"{v:g}" for v in values]
    draw = _horizontal if horizontal else _vertical
    return draw(labels, values, spans, shown, reference, axis_max, title, width)


def _horizontal(labels: Sequence[str], values: Sequence[float], spans: Sequence[Interval], texts: Sequence[str],
                reference: float | None, axis_max: float, title: str, width: int) -> str:
    label_w, top, row_h = 240, 30, 22
    n = max(len(values), 1)
    plot_w = width - label_w - 70

    def to_x(v: float) -> float:
        return label_w + plot_w * max(0.0, v) / axis_max

    body: list[str] = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        row_y = top + i * row_h
        body.append(_text(label_w - 6, row_y + 15, label[:38], "end"))
        body.append(_rect(label_w, row_y + 4, to_x(value) - label_w, row_h - 8))
        span = spans[i]
        if span:
            body.append(_line(to_x(span[0]), row_y + row_h / 2, to_x(span[1]), row_y + row_h / 2, WHISKER))
        body.append(_text(to_x(max(value, span[1]) if span else value) + 4, row_y + 15, texts[i]))
    if reference is not None:
        body.append(_line(to_x(reference), top, to_x(reference), top + n * row_h, REFERENCE, dashed=True))
    return _svg(width, top + n * row_h + 24, title, body)


def _vertical(labels: Sequence[str], values: Sequence[float], spans: Sequence[Interval], texts: Sequence[str],
              reference: float | None, axis_max: float, title: str, width: int) -> str:
    height, top, bottom, left = 300, 30, 46, 50
    plot_h = height - top - bottom
    slot = (width - left - 10) / max(len(values), 1)

    def to_y(v: float) -> float:
        return top + plot_h * (1 - max(0.0, v) / axis_max)

    body: list[str] = []
    for k in range(5):
        grid = axis_max * k / 4
        body.append(_line(left, to_y(grid), width - 10, to_y(grid), GRID))
        body.append(_text(left - 4, to_y(grid) + 4, f"{grid:g}", "end"))
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0, w = left + i * slot + slot * 0.15, slot * 0.7
        cx = x0 + w / 2
        body.append(_rect(x0, to_y(value), w, to_y(0) - to_y(value)))
        span = spans[i]
        if span:
            body.append(_line(cx, to_y(span[0]), cx, to_y(span[1]), WHISKER))
        body.append(_text(cx, to_y(value) - 4, texts[i], "middle"))
        body.append(_text(cx, height - bottom + 16, label[:14], "middle"))
    if reference is not None:
        body.append(_line(left, to_y(reference), width - 10, to_y(reference), REFERENCE, dashed=True))
    return _svg(width, height, title, body)


def calibration_plot(points: Sequence[tuple[float, float, float, float]], title: str, size: int = 360) -> str:
    """Predicted (x) against observed (y) probability per bin, with intervals; on the diagonal is calibrated."""
    top, pad = 30, 46
    plot = size - top - pad
    axis_max = _nice_max(max([p for pt in points for p in (pt[0], pt[1])], default=0.0) or 1.0)
    axis_max = min(axis_max, 1.0)

    def sx(v: float) -> float:
        return pad + plot * min(v, axis_max) / axis_max

    def sy(v: float) -> float:
        return top + plot * (1 - min(v, axis_max) / axis_max)

    body = [f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(axis_max)}" y2="{sy(axis_max)}" stroke="{GRID}" '
            f'stroke-dasharray="4 3"/>',
            f'<rect x="{pad}" y="{top}" width="{plot}" height="{plot}" fill="none" stroke="#999"/>',
            f'<text x="{pad + plot / 2}" y="{size - 8}" text-anchor="middle" {FONT}>predicted</text>',
            f'<text x="12" y="{top + plot / 2}" {FONT} transform="rotate(-90 12 {top + plot / 2})" '
            f'text-anchor="middle">observed</text>',
            f'<text x="{pad}" y="{top + plot + 14}" text-anchor="middle" {FONT}>0</text>',
            f'<text x="{pad + plot}" y="{top + plot + 14}" text-anchor="middle" {FONT}>{100 * axis_max:g}%</text>']
    for predicted, observed, low, high in points:
        body.append(f'<line x1="{sx(predicted):.1f}" y1="{sy(low):.1f}" x2="{sx(predicted):.1f}" y2="{sy(high):.1f}" '
                    f'stroke="{WHISKER}"/>')
        body.append(f'<circle cx="{sx(predicted):.1f}" cy="{sy(observed):.1f}" r="4" fill="{BAR}"/>')
    return _svg(size, size, title, body)
