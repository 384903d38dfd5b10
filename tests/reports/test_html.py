"""The HTML report: one self-contained file (no network reference, no script) that a real browser renders.

The screenshot test needs Chromium from Debian (`apt-get install -y chromium`): it skips without
/usr/bin/chromium, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import struct
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connector.commands.demo_reports import reports_step
from connector.qualify import load_model, qualify_batch
from connector.sandbox.synthetic import people, to_common

CHROMIUM = Path("/usr/bin/chromium")
NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's report for 600 synthetic contacts (funnel, content, deciles, lift, calibration)."""
    from rich.console import Console

    pairs = [to_common(p) for p in people(600, seed=11, now=NOW)]
    results = qualify_batch(pairs, load_model(), NOW)
    path = tmp_path_factory.mktemp("html") / "report.html"
    console = Console(file=open(os.devnull, "w"), width=120)  # noqa: SIM115 - closed with the process
    reports_step(console, results, [c for c, _ in pairs], {c.key: a for c, a in pairs}, path)
    return path


def test_report_is_self_contained(report_html: Path) -> None:
    text = report_html.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert text.count("<svg") >= 4  # funnel, lift, conversion by decile, lift by decile, calibration
    for heading in ("Funnel", "Content by lift", "by score decile", "Calibration"):
        assert heading in text


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the raw rows of an 8-bit RGB/RGBA PNG (what Chromium writes), unfiltered."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format depth={depth} colour={colour}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def test_report_renders_in_headless_chromium(report_html: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium for the HTML report test: apt-get install -y chromium")
        pytest.skip("needs /usr/bin/chromium (Debian: apt-get install -y chromium)")
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,900",
         report_html.resolve().as_uri()],
        capture_output=True, text=True, timeout=90)
    assert shot.exists(), f"no screenshot; chromium said: {result.stderr[-2000:]}"
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 900)
    bpp = len(rows[0]) // width
    colours = {row[x:x + 3] for row in rows[::7] for x in range(0, len(row), bpp * 5)}
    assert len(colours) > 5, "the screenshot is blank (one colour): the report did not render"
    # Blue bars of the funnel chart are on the first screen.
    assert any(c[2] > 150 and c[0] < 100 for c in colours)
