"""`python -m crm_contacts migrate|serve`."""

from __future__ import annotations

from pathlib import Path

from crm_contacts.settings import get_settings
from crm_shared.runner import main


def alembic_ini() -> Path:
    """The service's alembic.ini: beside the source tree (editable install) or, in the
    Docker image, in the working directory (the service's folder)."""
    beside_source = Path(__file__).resolve().parents[2] / "alembic.ini"
    return beside_source if beside_source.exists() else Path.cwd() / "alembic.ini"


if __name__ == "__main__":
    main(
        settings=get_settings(),
        app_factory="crm_contacts.app:create_app",
        alembic_ini=alembic_ini(),
    )
