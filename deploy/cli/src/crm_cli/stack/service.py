"""One service under supervision: migrate once, serve, restart it when it dies."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from crm_cli.stack.health import new_client, wait_until_ok
from crm_cli.stack.process import log_line, log_tail, spawn, terminate

_log = logging.getLogger("crm_cli.stack")

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 15.0
# A process that stayed up this long crashed for a new reason: start backing off afresh.
STABLE_AFTER = 30.0
_LETHAL = frozenset({signal.SIGKILL, signal.SIGTERM, signal.SIGINT})


class StackError(RuntimeError):
    """The stack could not start (a migration failed, a service never became ready)."""


class ServiceProcess:
    """`python -m <module> migrate|serve` for one service, with its log file and restarts."""

    def __init__(
        self, name: str, *, module: str, port: int, env: Mapping[str, str], log_path: Path
    ) -> None:
        self.name = name
        self.module = module
        self.port = port
        self.env = dict(env)
        self.log_path = log_path
        self.restarts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._started_at = 0.0
        self._delay = BACKOFF_FIRST
        self._stopping = False
        self._restart_requested = False
        self._respawned = asyncio.Event()
        self._dying: set[int] = set()  # pids sent a lethal signal by kill()

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8101."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """Pid of the running `serve` process, None between a death and its restart."""
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    def _argv(self, command: str) -> list[str]:
        return [sys.executable, "-m", self.module, command]

    async def migrate(self, *, timeout: float = 180.0) -> None:
        """Run `migrate` to completion; StackError with the log's tail when it fails."""
        proc = await spawn(self._argv("migrate"), env=self.env, log_path=self.log_path)
        try:
            code = await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            raise StackError(f"{self.name}: migrate took over {timeout}s") from None
        finally:
            # Also when start-up is cancelled: no migration may outlive the supervisor.
            if proc.returncode is None:
                await terminate(proc)
        if code != 0:
            tail = log_tail(self.log_path)
            raise StackError(f"{self.name}: migrate exited with code {code}\n{tail}")

    async def start(self) -> None:
        """Start `serve` (not yet supervised: a death now is a startup failure)."""
        self._proc = await spawn(self._argv("serve"), env=self.env, log_path=self.log_path)
        self._started_at = asyncio.get_running_loop().time()

    async def wait_ready(self, *, timeout: float = 60.0, fail_fast: bool = False) -> None:
        """Wait until /healthz, then /readyz, answer 200.

        With `fail_fast` (at startup) the wait ends as soon as the process exits; under
        supervision a death only means a restart is on its way, so the wait goes on.
        """

        def exited() -> str | None:
            proc = self._proc
            if not fail_fast or proc is None or proc.returncode is None:
                return None
            return f"exited with code {proc.returncode}\n{log_tail(self.log_path)}"

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not fail_fast and not self._replacement_running():
            if loop.time() > deadline:
                raise TimeoutError(f"{self.name} was not restarted within {timeout}s")
            await asyncio.sleep(0.05)
        async with new_client() as client:
            for path in ("/healthz", "/readyz"):
                remaining = max(deadline - loop.time(), 0.1)
                await wait_until_ok(client, self.url + path, timeout=remaining, gave_up=exited)

    def _replacement_running(self) -> bool:
        proc = self._proc
        return proc is not None and proc.returncode is None and proc.pid not in self._dying

    async def supervise(self) -> None:
        """Restart `serve` whenever it exits, until stop(); backs off on repeated crashes."""
        loop = asyncio.get_running_loop()
        while True:
            proc = self._proc
            assert proc is not None, "start() before supervise()"
            code = await proc.wait()
            if self._stopping:
                return
            if self._restart_requested:
                self._restart_requested = False
            else:
                self.restarts += 1
                if loop.time() - self._started_at > STABLE_AFTER:
                    self._delay = BACKOFF_FIRST
                delay, self._delay = self._delay, min(self._delay * 2, BACKOFF_MAX)
                message = f"{self.name} exited with code {code}; restarting in {delay:.1f}s"
                _log.warning(message)
                log_line(self.log_path, message)
                await asyncio.sleep(delay)
                if self._stopping:
                    return
            await self.start()
            self._respawned.set()

    def kill(self, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to `serve` now and return its pid.

        After a lethal signal, wait_ready() waits for the replacement process, so
        `kill(); await wait_ready()` never sees the dying one still answering.
        """
        proc = self._proc
        if proc is None or proc.returncode is not None:
            raise StackError(f"{self.name} is not running")
        if sig in _LETHAL:
            self._dying.add(proc.pid)
        proc.send_signal(sig)
        return proc.pid

    async def restart(self, *, timeout: float = 60.0) -> None:
        """Stop `serve` gracefully, start it again at once and wait until it is ready."""
        proc = self._proc
        assert proc is not None, "start() before restart()"
        self._respawned.clear()
        self._restart_requested = True
        await terminate(proc)
        await asyncio.wait_for(self._respawned.wait(), timeout)
        await self.wait_ready(timeout=timeout)

    async def stop(self, *, timeout: float = 10.0) -> None:
        """Stop for good: SIGTERM, then SIGKILL after `timeout`."""
        already_stopped = self._stopping
        self._stopping = True
        if self._proc is not None and not already_stopped:
            code = await terminate(self._proc, timeout=timeout)
            log_line(self.log_path, f"stopped (exit code {code})")
