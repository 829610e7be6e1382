"""The contacts service's settings: `CONTACTS_DATABASE_URL`, `CONTACTS_PORT` (8101), and
what every service reads (see docs/CONVENTIONS.md)."""

from __future__ import annotations

from crm_shared.settings import ServiceSettings, service_settings

SERVICE_NAME = "contacts"
DEFAULT_PORT = 8101


def get_settings() -> ServiceSettings:
    """Settings from the environment, read once per process.

    A function rather than a module constant so that importing the service never needs
    `CRM_JWT_SECRET` (unit tests, type checks, tooling).
    """
    return service_settings(SERVICE_NAME, DEFAULT_PORT)
