"""The service's tables. Migrations (alembic/versions) create exactly these.

For now only the infra tables every service has (outbox, processed_events,
idempotency_keys), which new_metadata() attaches.
"""

from __future__ import annotations

from crm_shared.db import new_metadata

metadata = new_metadata()
