"""Settings read from the environment, with defaults that run the local stack."""

from __future__ import annotations

from functools import cache

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service process needs to know about its surroundings."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str
    port: int
    host: str = "127.0.0.1"
    database_url: str
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    # No default on purpose: `crm up` and the tests generate one. Only `migrate` runs without.
    jwt_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("CRM_JWT_SECRET"))
    jwt_issuer: str = Field("crm-gateway", validation_alias=AliasChoices("CRM_JWT_ISSUER"))
    jwt_audience: str = Field("crm", validation_alias=AliasChoices("CRM_JWT_AUDIENCE"))
    kafka_rebalance_timeout_ms: int = Field(
        1000, validation_alias=AliasChoices("KAFKA_REBALANCE_TIMEOUT_MS")
    )
    # Tansu holds a consumer-group join for about half the session timeout.
    kafka_session_timeout_ms: int = Field(
        4000, validation_alias=AliasChoices("KAFKA_SESSION_TIMEOUT_MS")
    )
    # Two deployments sharing one broker (or a test beside a running stack) keep their
    # consumer groups apart with a prefix.
    kafka_group_prefix: str = Field("", validation_alias=AliasChoices("KAFKA_GROUP_PREFIX"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("CRM_LOG_LEVEL"))
    max_body_bytes: int = Field(1_048_576, validation_alias=AliasChoices("CRM_MAX_BODY_BYTES"))
    # Bulk uploads (CSV imports) are streamed, never held in memory, so they may be larger.
    max_import_bytes: int = Field(
        1_073_741_824, validation_alias=AliasChoices("CRM_MAX_IMPORT_BYTES")
    )
    # Connections per service, shared out among its worker processes.
    db_pool_size: int = Field(20, validation_alias=AliasChoices("CRM_DB_POOL_SIZE"))
    # uvicorn worker processes: `<NAME>_WORKERS` (or CRM_WORKERS for every service) scales
    # a busy service across cores.
    workers: int = Field(1, ge=1, validation_alias=AliasChoices("CRM_WORKERS"))
    otel_endpoint: str | None = Field(
        None, validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
    consumer_max_attempts: int = Field(
        5, validation_alias=AliasChoices("CRM_CONSUMER_MAX_ATTEMPTS")
    )
    # How long consumers remember the event ids they handled (redelivery dedup). Longer
    # than Kafka keeps events by default (7 days); older replays rely on each handler's
    # own idempotency (state checks, run keys, sequences).
    inbox_retention_days: int = Field(
        30, ge=1, validation_alias=AliasChoices("CRM_INBOX_RETENTION_DAYS")
    )

    def jwt_key(self) -> str:
        """The HS256 key as plain text (kept secret in every repr)."""
        if self.jwt_secret is None:
            raise RuntimeError("CRM_JWT_SECRET is not set: every service needs the token key")
        key = self.jwt_secret.get_secret_value()
        if len(key) < 32:
            raise RuntimeError("CRM_JWT_SECRET is too short: use at least 32 random characters")
        return key


def service_settings(name: str, port: int) -> ServiceSettings:
    """Build settings for service `name`, reading `<NAME>_DATABASE_URL`, `<NAME>_PORT` etc."""
    return _cached_settings(name, port)


@cache
def _cached_settings(name: str, default_port: int) -> ServiceSettings:
    prefix = name.upper()
    default_url = f"postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/{name}"

    class _Settings(ServiceSettings):
        service_name: str = name
        port: int = Field(default_port, validation_alias=AliasChoices(f"{prefix}_PORT"))
        host: str = Field("127.0.0.1", validation_alias=AliasChoices(f"{prefix}_HOST", "CRM_HOST"))
        database_url: str = Field(
            default_url,
            validation_alias=AliasChoices(f"{prefix}_DATABASE_URL"),
        )
        workers: int = Field(
            1, ge=1, validation_alias=AliasChoices(f"{prefix}_WORKERS", "CRM_WORKERS")
        )

    _Settings.__name__ = f"{name.title()}Settings"
    return _Settings()
