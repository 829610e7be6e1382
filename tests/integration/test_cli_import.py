"""`crm import`: its client logic against an in-process contacts app, and the command
itself against the session's running stack (through the gateway, logging in)."""

from __future__ import annotations

import asyncio
import io
import uuid
from pathlib import Path

import pytest
from rich.console import Console
from test_contacts_imports import csv_of, imports_app, new_database
from typer.testing import CliRunner

from crm_cli.import_command import new_progress, run_import
from crm_cli.imports import ImportFailedError, ImportRequest
from crm_cli.main import app
from crm_cli.stack import Infra, Stack


def write_csv(tmp_path: Path, run: str, rows: int) -> Path:
    body = [["Given name", "E-mail", "Stage"]]
    body += [[f"Cli{i}", f"cli{i}.{run}@example.com", "lead"] for i in range(rows)]
    body.append(["Broken", "not-an-email", "lead"])
    path = tmp_path / f"{run}.csv"
    path.write_bytes(csv_of(*body))
    return path


async def test_the_client_streams_the_file_and_follows_the_import_to_its_end(
    infra: Infra, tmp_path: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    path = write_csv(tmp_path, run, 25)
    mapping = {"Given name": "first_name", "E-mail": "email", "Stage": "lifecycle_stage"}
    name = await new_database(infra)
    async with (
        imports_app(infra, name, batch_rows=10) as service,
        service.client("sales") as client,
    ):
        progress = new_progress(Console(file=io.StringIO()))
        request = ImportRequest(path, mapping=mapping)
        with progress:
            result = await run_import(client, request, progress, poll=0.05)
        refused = ImportRequest(path, mapping={"Nope": "email"})
        with pytest.raises(ImportFailedError) as refusal:
            await run_import(client, refused, new_progress(Console(file=io.StringIO())))
    counts = result.job["counts"]
    assert (result.job["status"], counts["total"], counts["created"]) == ("completed", 26, 25)
    assert [(p["row"], p["column"]) for p in result.problems] == [(27, "E-mail")]
    uploaded, imported = progress.tasks
    assert uploaded.completed == path.stat().st_size
    assert (imported.completed, imported.total) == (26, 26)
    assert str(refusal.value).startswith("422")
    assert "'Nope' is not in the file's header" in str(refusal.value)


async def test_crm_import_against_the_running_stack(stack: Stack, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    path = write_csv(tmp_path, run, 5)
    login = ["--url", stack.gateway_url, "--email", stack.admin_email]
    login += ["--password", stack.admin_password]
    maps = ["--map", "Given name=first_name", "--map", "E-mail=email"]
    runner = CliRunner()

    def crm(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
        return result.exit_code, result.output

    code, output = await asyncio.to_thread(crm, "import", str(path), *maps, *login)
    assert code == 0, output
    assert "completed" in output
    assert "5 created" in output
    assert "1 failed" in output
    assert "Row report" in output
    assert "E-mail" in output
    # The same file again: every contact it created is there now, so each row is skipped.
    code, output = await asyncio.to_thread(crm, "import", str(path), *maps, *login)
    assert code == 0, output
    assert "0 created" in output
    assert "5 skipped" in output
    code, output = await asyncio.to_thread(crm, "import", str(path), "--map", "Nope=email", *login)
    assert code == 1
    assert "'Nope' is not in the file's header" in output
