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


def bars(labels: Sequence[str], values: Sequence[float], title: str, *,
         intervals: Sequence[tuple[float, float] | None] | None = None,
         texts: Sequence[str] | None = None, reference: float | None = None,
         horizontal: bool = False, width: int = 720) -> str:
    """A bar chart; ``intervals`` draws whiskers, ``reference`` a dashed line (1.0 for lift, the base rate)."""
    tops = [v for v in values] + [hi for iv in (intervals or ()) if iv for hi in (iv[1],)]
    if reference is not None:
        tops.append(reference)
    axis_max = _nice_max(max(tops, default=0.0))
    texts = texts or [f"{v:g}" for v in values]
    n = max(len(values), 1)
    body: list[str] = []
    if horizontal:
        label_w, top, row_h = 240, 30, 22
        height = top + n * row_h + 24
        plot_w = width - label_w - 70

        def x(v: float) -> float:
            return label_w + plot_w * max(0.0, v) / axis_max

        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            y = top + i * row_h
            body.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" {FONT}>{escape(label[:38])}</text>')
            body.append(f'<rect x="{label_w}" y="{y + 4}" width="{x(value) - label_w:.1f}" height="{row_h - 8}" '
                        f'fill="{BAR}"/>')
            if intervals and intervals[i]:
                lo, hi = intervals[i]  # type: ignore[misc]
                cy = y + row_h / 2
                body.append(f'<line x1="{x(lo):.1f}" y1="{cy}" x2="{x(hi):.1f}" y2="{cy}" stroke="{WHISKER}"/>')
            end = max(value, intervals[i][1]) if intervals and intervals[i] else value  # type: ignore[index]
            body.append(f'<text x="{x(end) + 4:.1f}" y="{y + 15}" {FONT}>{escape(texts[i])}</text>')
        if reference is not None:
            body.append(f'<line x1="{x(reference):.1f}" y1="{top}" x2="{x(reference):.1f}" y2="{top + n * row_h}" '
                        f'stroke="{REFERENCE}" stroke-dasharray="4 3"/>')
        return _svg(width, height, title, body)
    height, top, bottom, left = 300, 30, 46, 50
    plot_h = height - top - bottom
    slot = (width - left - 10) / n

    def y(v: float) -> float:
        return top + plot_h * (1 - max(0.0, v) / axis_max)

    for k in range(5):
        gv = axis_max * k / 4
        body.append(f'<line x1="{left}" y1="{y(gv):.1f}" x2="{width - 10}" y2="{y(gv):.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 4}" y="{y(gv) + 4:.1f}" text-anchor="end" {FONT}>{gv:g}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x0 = left + i * slot + slot * 0.15
        w = slot * 0.7
        body.append(f'<rect x="{x0:.1f}" y="{y(value):.1f}" width="{w:.1f}" height="{y(0) - y(value):.1f}" '
                    f'fill="{BAR}"/>')
        cx = x0 + w / 2
        if intervals and intervals[i]:
            lo, hi = intervals[i]  # type: ignore[misc]
            body.append(f'<line x1="{cx:.1f}" y1="{y(lo):.1f}" x2="{cx:.1f}" y2="{y(hi):.1f}" stroke="{WHISKER}"/>')
        body.append(f'<text x="{cx:.1f}" y="{y(value) - 4:.1f}" text-anchor="middle" {FONT}>{escape(texts[i])}</text>')
        body.append(f'<text x="{cx:.1f}" y="{height - bottom + 16}" text-anchor="middle" {FONT}>'
                    f'{escape(label[:14])}</text>')
    if reference is not None:
        body.append(f'<line x1="{left}" y1="{y(reference):.1f}" x2="{width - 10}" y2="{y(reference):.1f}" '
                    f'stroke="{REFERENCE}" stroke-dasharray="4 3"/>')
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
