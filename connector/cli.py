"""`leadbridge`: the command line. Typer + rich; user errors print a located message and exit 2.

Exit codes scripts can trust: 0 ok, 1 unexpected failure, 2 bad input or configuration, 3 store problem,
4 CRM refused or failed, 130 interrupted.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from connector import __version__
from connector.errors import LeadbridgeError

app = typer.Typer(
    name="leadbridge",
    help=(
        "Lead qualification for HubSpot and Salesforce: one scoring model, explainable scores and stages, "
        "written back to the CRM.\n\nStart with `leadbridge demo`; validate your YAML with `leadbridge check`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"leadbridge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Lead qualification for HubSpot and Salesforce."""


from connector.commands import check as _check_cmd  # noqa: E402
from connector.commands import demo as _demo_cmd  # noqa: E402
from connector.commands import model as _model_cmd  # noqa: E402
from connector.commands import report as _report_cmd  # noqa: E402
from connector.commands import salesforce as _salesforce_cmd  # noqa: E402
from connector.commands import score as _score_cmd  # noqa: E402
from connector.commands import store as _store_cmd  # noqa: E402
from connector.commands import sync as _sync_cmd  # noqa: E402
from connector.commands import webhooks as _webhooks_cmd  # noqa: E402

_demo_cmd.register(app)
_score_cmd.register(app)
_check_cmd.register(app)
_sync_cmd.register(app)
_store_cmd.register(app)
_report_cmd.register(app)
_model_cmd.register(app)
_salesforce_cmd.register(app)
_webhooks_cmd.register(app)

from connector.sandbox.command import register as _register_sandbox  # noqa: E402

_register_sandbox(app)


def main() -> None:
    """Console entry point: run the app, turning leadbridge errors into messages and exit codes."""
    try:
        # Without standalone mode click returns the code of a `typer.Exit(n)` instead of exiting with it.
        code = app(standalone_mode=False)
    except LeadbridgeError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
