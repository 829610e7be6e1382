"""What the local stack runs, on which ports, and the environment each process gets."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

# The gateway first: `crm up` prints it first, and every other process is a plain service.
SERVICES: tuple[str, ...] = ("gateway", "contacts", "sales", "marketing", "contracts", "analytics")

DEFAULT_PORTS: Mapping[str, int] = {
    "gateway": 8000,
    "contacts": 8101,
    "sales": 8102,
    "marketing": 8103,
    "contracts": 8104,
    "analytics": 8105,
}
DEFAULT_KAFKA_PORT = 9092
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Ports:
    """HTTP port per service plus the Kafka port of the embedded broker."""

    services: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    kafka: int = DEFAULT_KAFKA_PORT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Ports:
        """Defaults from DESIGN, overridden by `<NAME>_PORT` and `CRM_KAFKA_PORT`."""
        env = os.environ if env is None else env
        services = {
            name: int(env.get(f"{name.upper()}_PORT", port)) for name, port in DEFAULT_PORTS.items()
        }
        return cls(services=services, kafka=int(env.get("CRM_KAFKA_PORT", DEFAULT_KAFKA_PORT)))

    @classmethod
    def free(cls) -> Ports:
        """Ports the OS says are free right now (tests run beside a developer's `crm up`)."""
        ports = _free_ports(len(SERVICES) + 1)
        return cls(services=dict(zip(SERVICES, ports, strict=False)), kafka=ports[-1])

    def url(self, name: str) -> str:
        """Base URL of service `name`."""
        return f"http://{HOST}:{self.services[name]}"


def _free_ports(count: int) -> list[int]:
    # Keep every socket open until all are chosen so the OS cannot hand out one port twice.
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class StackConfig:
    """Everything needed to start the stack's processes."""

    data_dir: Path
    ports: Ports
    jwt_secret: str
    admin_email: str
    admin_password: str
    log_level: str = "INFO"
    rebalance_timeout_ms: int = 1000
    # `crm_{name}` in real life; a stand-in module is handy when testing the runner itself.
    module_template: str = "crm_{name}"
    services: tuple[str, ...] = SERVICES

    @property
    def log_dir(self) -> Path:
        """Where `<name>.log` of every process goes."""
        return self.data_dir / "logs"

    def module(self, name: str) -> str:
        """Python module run with `python -m` for service `name`."""
        return self.module_template.format(name=name)


def service_env(
    config: StackConfig,
    name: str,
    *,
    kafka_bootstrap: str,
    database_url: str,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of service `name`'s processes (docs/CONVENTIONS.md, "Processes").

    Only its own database URL is passed: no service reads another's tables.
    """
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            f"{name.upper()}_DATABASE_URL": database_url,
            "CRM_JWT_SECRET": config.jwt_secret,
            "CRM_ADMIN_EMAIL": config.admin_email,
            "CRM_ADMIN_PASSWORD": config.admin_password,
            "KAFKA_REBALANCE_TIMEOUT_MS": str(config.rebalance_timeout_ms),
            "CRM_LOG_LEVEL": config.log_level,
            # Everything is on loopback; a developer's proxy settings must not reroute it.
            "NO_PROXY": _no_proxy(env.get("NO_PROXY")),
            "no_proxy": _no_proxy(env.get("no_proxy")),
            "PYTHONUNBUFFERED": "1",
        }
    )
    for other in config.services:
        env[f"{other.upper()}_PORT"] = str(config.ports.services[other])
        env[f"{other.upper()}_URL"] = config.ports.url(other)
    return env


def _no_proxy(current: str | None) -> str:
    hosts = [h for h in (current or "").split(",") if h]
    for host in ("127.0.0.1", "localhost"):
        if host not in hosts:
            hosts.append(host)
    return ",".join(hosts)
