"""Settings refuse what would make the platform unsafe."""

from __future__ import annotations

import pytest


def test_short_token_key_is_refused() -> None:
    from pydantic import SecretStr

    from crm_shared.settings import ServiceSettings

    settings = ServiceSettings(
        service_name="x",
        port=1,
        database_url="postgresql+asyncpg://u@/x",
        jwt_secret=SecretStr("short"),
    )
    with pytest.raises(RuntimeError, match="too short"):
        settings.jwt_key()
