"""What `crm up` shows once the stack is ready."""

from __future__ import annotations

import os
from collections.abc import Mapping

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from crm_cli.credentials import Credentials, mark_password_shown
from crm_cli.stack import Stack


def urls_table(stack: Stack) -> Table:
    """Every address a developer needs: gateway, docs, each service, Kafka, where logs go."""
    table = Table(title="CRM platform is running", title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("where", style="cyan")
    table.add_row("gateway", stack.gateway_url)
    table.add_row("API docs", f"{stack.gateway_url}/docs")
    for name, url in stack.service_urls.items():
        if name != "gateway":
            table.add_row(name, url)
    table.add_row("Kafka", stack.kafka_bootstrap)
    table.add_row("logs", str(stack.config.log_dir))
    return table


def login_panel(credentials: Credentials, env: Mapping[str, str] | None = None) -> Panel:
    """The admin login; the password itself only until it has been shown once."""
    env = os.environ if env is None else env
    lines = [f"email:    [bold]{credentials.admin_email}[/]"]
    if env.get("CRM_ADMIN_PASSWORD"):
        lines.append("password: from CRM_ADMIN_PASSWORD")
    elif credentials.show_password:
        lines.append(f"password: [bold yellow]{credentials.admin_password}[/]")
        lines.append(f"(shown this once; stored in {credentials.path})")
    else:
        lines.append(f"password: stored in {credentials.path}")
    return Panel("\n".join(lines), title="admin login", expand=False)


def show_ready(console: Console, stack: Stack, credentials: Credentials) -> None:
    """Print the URL table, the admin login and how to stop."""
    console.print(urls_table(stack))
    console.print(login_panel(credentials))
    mark_password_shown(credentials)
    console.print("Supervising; press [bold]Ctrl-C[/] to stop everything.")
