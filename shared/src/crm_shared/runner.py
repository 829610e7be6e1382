"""`python -m crm_<service> migrate|serve`: the two things a service process does."""

from __future__ import annotations

import sys
from pathlib import Path

from crm_shared.settings import ServiceSettings

USAGE = "usage: python -m crm_<service> migrate|serve"


def migrate(settings: ServiceSettings, alembic_ini: Path) -> None:
    """Bring the service's database to the newest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(alembic_ini))
    config.set_main_option("script_location", str(alembic_ini.parent / "alembic"))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    command.upgrade(config, "head")


def serve(settings: ServiceSettings, app_factory: str) -> None:
    """Serve the app on the service's port (uvloop, httptools, no access log).

    With `<NAME>_WORKERS` > 1 uvicorn forks that many processes on one socket; each runs
    the lifespan (the outbox relay is leader-elected, consumers share one group).
    """
    import uvicorn

    uvicorn.run(
        app_factory,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


def find_alembic_ini(package_file: str) -> Path:
    """The service's alembic.ini: beside the source tree (editable install) or, in a
    Docker image, in the working directory (the service's folder)."""
    beside_source = Path(package_file).resolve().parents[2] / "alembic.ini"
    return beside_source if beside_source.exists() else Path.cwd() / "alembic.ini"


def main(*, settings: ServiceSettings, app_factory: str, package_file: str) -> None:
    """Entry point of every service's `__main__` (pass the `__main__` module's `__file__`)."""
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "migrate":
        migrate(settings, find_alembic_ini(package_file))
    elif command == "serve":
        serve(settings, app_factory)
    else:
        sys.exit(USAGE)
