"""`crm import FILE`: a CSV of contacts into a running stack, with a progress bar."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from crm_cli.credentials import CredentialsError, admin_login
from crm_cli.imports import (
    ImportFailedError,
    ImportRequest,
    ImportResult,
    LoginAuth,
    first_problems,
    follow,
    parse_mapping,
    upload,
)

console = Console()
SHOWN_PROBLEMS = 20


def _auth(
    data_dir: Path, email: str | None, password: str | None, api_key: str | None
) -> httpx.Auth | dict[str, str]:
    """X-API-Key headers, or a login: given, else the local stack's admin."""
    if api_key:
        return {"X-API-Key": api_key}
    if not (email and password):
        stored_email, stored_password = admin_login(data_dir)
        email, password = email or stored_email, password or stored_password
    return LoginAuth(email, password)


async def run_import(
    client: httpx.AsyncClient, request: ImportRequest, progress: Progress, *, poll: float = 0.5
) -> ImportResult:
    """Upload with a byte bar, then follow the import with a row bar."""
    sending = progress.add_task("Uploading", total=request.path.stat().st_size, kind="bytes")
    job = await upload(client, request, lambda n: progress.advance(sending, n))
    progress.update(sending, completed=request.path.stat().st_size)
    rows = progress.add_task("Importing", total=job["counts"]["total"] or 1, kind="rows")

    def show(state: dict[str, Any]) -> None:
        counts = state["counts"]
        progress.update(rows, completed=counts["processed"], total=counts["total"] or 1)

    job = await follow(client, job["id"], show, poll_seconds=poll)
    problems = await first_problems(client, job["id"], limit=SHOWN_PROBLEMS)
    return ImportResult(job, problems)


def new_progress(console: Console) -> Progress:
    """Bars for the upload (bytes) and the import (rows)."""
    return Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def show_result(console: Console, result: ImportResult) -> None:
    """The counts, then the first reported rows."""
    job = result.job
    counts = job["counts"]
    verb = "would be" if job["dry_run"] else "were"
    console.print(f"Import {job['id']}: [bold]{job['status']}[/] ({counts['total']} rows)")
    summary = ", ".join(
        f"{counts[name]} {name}"
        for name in ("created", "updated", "unchanged", "skipped", "failed")
    )
    console.print(f"Rows that {verb} imported: {summary}")
    if job.get("last_error"):
        console.print(f"[red]last error:[/] {job['last_error']}")
    if result.problems:
        table = Table("row", "column", "outcome", "message", title="Row report (first rows)")
        for problem in result.problems:
            table.add_row(
                str(problem["row"]), problem["column"] or "", problem["outcome"], problem["message"]
            )
        console.print(table)
        console.print(f"Full report: GET {job['errors_url']}")


def import_contacts(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV with a header")
    ],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="COLUMN=FIELD, repeatable (default: headers naming a field map to it)"
        ),
    ] = None,
    dedup: Annotated[
        str, typer.Option(help="Rows whose email a contact has: skip | update | create")
    ] = "skip",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row, write none")] = False,
    encoding: Annotated[str, typer.Option(help="The file's text encoding")] = "utf-8",
    delimiter: Annotated[str, typer.Option(help="The cell separator")] = ",",
    url: Annotated[
        str | None, typer.Option(help="Gateway base URL (default: http://127.0.0.1:$GATEWAY_PORT)")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Log in as (default: the stack's admin)")
    ] = None,
    password: Annotated[str | None, typer.Option(envvar="CRM_PASSWORD")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="CRM_API_KEY", help="X-API-Key")] = None,
    data_dir: Annotated[
        Path, typer.Option(help="Where `crm up` keeps secrets.json", envvar="CRM_DATA_DIR")
    ] = Path(".crm"),
) -> None:
    """Import contacts from a CSV file, streamed, with a progress bar and the row report."""
    base = url or f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
    try:
        request = ImportRequest(
            file, parse_mapping(map_ or []), dedup, dry_run, encoding, delimiter
        )
        auth = _auth(data_dir.resolve(), email, password, api_key)
    except (ValueError, CredentialsError) as exc:
        raise _fail(str(exc)) from exc

    async def main() -> ImportResult:
        headers = auth if isinstance(auth, dict) else {}
        async with httpx.AsyncClient(
            base_url=base,
            auth=None if isinstance(auth, dict) else auth,
            headers=headers,
            timeout=httpx.Timeout(30.0, read=300.0),
            trust_env=False,
        ) as client:
            with new_progress(console) as progress:
                return await run_import(client, request, progress)

    try:
        result = asyncio.run(main())
    except ImportFailedError as exc:
        raise _fail(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise _fail(f"cannot reach the gateway at {base} ({exc}); is `crm up` running?") from exc
    show_result(console, result)
    if result.job["status"] != "completed":
        raise typer.Exit(code=1)


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=1)
