"""Start-up: the first admin account from CRM_ADMIN_EMAIL / CRM_ADMIN_PASSWORD."""

import structlog
from fastapi import FastAPI

from crm_gateway.adapters.users import create_first_admin
from crm_gateway.api.security import hash_password
from crm_gateway.domain.passwords import MIN_PASSWORD_LENGTH
from crm_gateway.settings import GatewaySettings
from crm_shared.db import Database

_log = structlog.get_logger("crm.gateway")


async def ensure_first_admin(app: FastAPI) -> None:
    """Create the configured admin if there is no active admin yet (safe with replicas)."""
    settings: GatewaySettings = app.state.settings
    if not settings.admin_email or settings.admin_password is None:
        return
    password = settings.admin_password.get_secret_value()
    if len(password) < MIN_PASSWORD_LENGTH:
        _log.error("CRM_ADMIN_PASSWORD is too short; no admin created", min=MIN_PASSWORD_LENGTH)
        return
    db: Database = app.state.db
    password_hash = await hash_password(password)
    async with db.engine.begin() as conn:
        created = await create_first_admin(
            conn, email=settings.admin_email, full_name="Administrator", password_hash=password_hash
        )
    if created:
        _log.info("first admin created", email=settings.admin_email)
