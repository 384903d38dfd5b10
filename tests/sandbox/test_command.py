"""`leadbridge sandbox`: starts the emulators, prints how to reach them, stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from io import StringIO

from hubspot import HubSpot
from rich.console import Console
from typer.testing import CliRunner

from connector.cli import app
from connector.sandbox.command import SandboxOptions, run
from connector.sandbox.waiting import wait_until


def test_run_prints_urls_and_credentials_then_stops() -> None:
    out = StringIO()
    stop = threading.Event()
    worker = threading.Thread(target=run, args=(SandboxOptions(contacts=50), Console(file=out, width=200), stop))
    worker.start()
    try:
        assert wait_until(lambda: "Running until Ctrl-C" in out.getvalue(), timeout_s=10)
        text = out.getvalue()
        url = re.search(r"http://127\.0\.0\.1:\d+", text).group(0)  # type: ignore[union-attr]
        token = re.search(r"pat-sandbox-\w+", text).group(0)  # type: ignore[union-attr]
        assert HubSpot(access_token=token, host=url).crm.contacts.basic_api.get_page(limit=1).results
    finally:
        stop.set()
        worker.join(10)
    assert "sandbox stopped" in out.getvalue()


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["sandbox", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in (
        "--hubspot-port",
        "--salesforce-port",
        "--contacts",
        "--seed",
        "--rate-limit",
        "--latency-ms",
        "--fault-rate",
        "--webhook-target",
    ):
        assert option in result.output


def test_ctrl_c_ends_the_command_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from connector.cli import main; main()", "sandbox", "--contacts", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Running until Ctrl-C" in line:
            break
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=20)
    assert process.returncode == 0, "".join(lines) + rest
    assert "sandbox stopped" in rest
