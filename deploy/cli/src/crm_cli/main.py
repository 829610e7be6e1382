"""The `crm` command line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console

from crm_cli.credentials import CredentialsError, admin_login, load_or_create
from crm_cli.demo import DemoError, load_demo
from crm_cli.import_command import import_contacts
from crm_cli.stack import PortInUseError, StackError
from crm_cli.up import build_stack, run_up

app = typer.Typer(
    help="Run the CRM platform locally (no Docker) and load demo data.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()

DataDir = Annotated[
    Path,
    typer.Option(
        help="Where PostgreSQL data, logs and secrets.json are kept.", envvar="CRM_DATA_DIR"
    ),
]
Seed = Annotated[int, typer.Option(help="Seed of the demo data (same seed, same data).")]


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)


@app.command()
def up(
    demo: Annotated[
        bool, typer.Option("--demo", help="Load demo data once the stack is up.")
    ] = False,
    data_dir: DataDir = Path(".crm"),
    log_level: Annotated[str, typer.Option(envvar="CRM_LOG_LEVEL")] = "INFO",
    seed: Seed = 42,
) -> None:
    """Start embedded PostgreSQL, Kafka (Tansu) and every service; Ctrl-C stops it all.

    Ports: GATEWAY_PORT, CONTACTS_PORT, ... (defaults 8000, 8101-8105) and CRM_KAFKA_PORT
    (default 9092).
    """
    data_dir = data_dir.resolve()
    try:
        credentials = load_or_create(data_dir)
        stack = build_stack(data_dir, credentials, log_level=log_level.upper())
        asyncio.run(run_up(stack, credentials, console, demo=demo, seed=seed))
    except (CredentialsError, StackError, PortInUseError) as exc:
        raise _fail(str(exc)) from exc


@app.command()
def demo(
    gateway_url: Annotated[
        str | None, typer.Option(help="Gateway base URL (default: http://127.0.0.1:$GATEWAY_PORT).")
    ] = None,
    data_dir: DataDir = Path(".crm"),
    seed: Seed = 42,
) -> None:
    """Load demo data into a running stack (safe to run twice)."""
    url = gateway_url or f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
    try:
        email, password = admin_login(data_dir.resolve())
        counts = load_demo(url, email, password, seed=seed, console=console)
    except (CredentialsError, DemoError) as exc:
        raise _fail(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise _fail(f"cannot reach the gateway at {url} ({exc}); is `crm up` running?") from exc
    console.print("Demo data: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


app.command("import")(import_contacts)
