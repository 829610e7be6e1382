"""Spawning and stopping one child process whose output goes to a log file."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _death_signal_setter() -> Callable[[], None] | None:
    """On Linux, make children get SIGTERM when the supervisor dies, even by SIGKILL, so a
    crashed `crm up` or test session never leaves services holding ports."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    # Resolved here, in the parent: the child only makes one C call between fork and exec.
    prctl = ctypes.CDLL(libc_name, use_errno=True).prctl

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_death_signal


_SET_DEATH_SIGNAL = _death_signal_setter()


def log_line(log_path: Path, message: str) -> None:
    """Append a supervisor note to a process log, so the log tells the whole story."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"--- [crm {stamp}] {message}\n")


def log_tail(log_path: Path, lines: int = 40) -> str:
    """The last lines of a log, to put into an error message."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


async def spawn(
    argv: Sequence[str], *, env: Mapping[str, str], log_path: Path
) -> asyncio.subprocess.Process:
    """Start `argv` with stdout and stderr appended to `log_path`.

    The child gets its own session: Ctrl-C in a terminal reaches only the supervisor, which
    then stops the children in order instead of all of them dying at once.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_line(log_path, "start: " + " ".join(argv))
    with log_path.open("ab") as log:
        return await asyncio.create_subprocess_exec(
            *argv,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_SET_DEATH_SIGNAL,  # one C call between fork and exec, resolved before
        )


async def terminate(proc: asyncio.subprocess.Process, *, timeout: float = 10.0) -> int:
    """SIGTERM, then SIGKILL if the process is still there after `timeout`; its exit code."""
    if proc.returncode is not None:
        return proc.returncode
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        return await proc.wait()
