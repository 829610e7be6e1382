"""Checking that a port is free before starting something on it."""

from __future__ import annotations

import socket

from crm_cli.stack.config import HOST


class PortInUseError(RuntimeError):
    """A port the stack needs is taken (often by another `crm up`)."""


def ensure_free(port: int, *, what: str) -> None:
    """Raise PortInUseError when something already listens on HOST:port.

    Without this check a second `crm up` would find the first one's broker or services
    answering and report a healthy stack that is not its own.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        if sock.connect_ex((HOST, port)) == 0:
            raise PortInUseError(f"{what} port {port} on {HOST} is already in use")
