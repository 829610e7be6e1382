"""How the import worker runs: `CONTACTS_IMPORT_BATCH_ROWS` rows per transaction (1000),
and how often an idle worker looks for imports queued by another replica
(`CONTACTS_IMPORT_POLL_SECONDS`, 2; its own uploads wake it at once)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ImportSettings(BaseSettings):
    """The import worker's settings, from the environment."""

    model_config = SettingsConfigDict(extra="ignore")

    batch_rows: int = Field(
        1000, ge=1, le=20_000, validation_alias=AliasChoices("CONTACTS_IMPORT_BATCH_ROWS")
    )
    poll_seconds: float = Field(
        2.0, gt=0, validation_alias=AliasChoices("CONTACTS_IMPORT_POLL_SECONDS")
    )
