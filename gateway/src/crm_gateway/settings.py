"""Gateway settings: the service settings plus routing, rate limits, tokens and the first admin."""

from functools import cache

from pydantic import AliasChoices, Field, SecretStr

from crm_gateway.domain.routing import SERVICE_PORTS
from crm_shared.settings import ServiceSettings


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _url_field(service: str) -> str:
    return Field(
        f"http://127.0.0.1:{SERVICE_PORTS[service]}",
        validation_alias=_env(f"{service.upper()}_URL"),
    )


class GatewaySettings(ServiceSettings):
    """Everything the gateway reads from the environment (all with local-stack defaults)."""

    service_name: str = "gateway"
    port: int = Field(8000, validation_alias=_env("GATEWAY_PORT"))
    host: str = Field("127.0.0.1", validation_alias=_env("GATEWAY_HOST", "CRM_HOST"))
    database_url: str = Field(
        "postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/gateway",
        validation_alias=_env("GATEWAY_DATABASE_URL"),
    )
    contacts_url: str = _url_field("contacts")
    sales_url: str = _url_field("sales")
    marketing_url: str = _url_field("marketing")
    contracts_url: str = _url_field("contracts")
    analytics_url: str = _url_field("analytics")

    admin_email: str | None = Field(None, validation_alias=_env("CRM_ADMIN_EMAIL"))
    admin_password: SecretStr | None = Field(None, validation_alias=_env("CRM_ADMIN_PASSWORD"))
    # Short: a deactivated or demoted user keeps access until their token expires.
    token_ttl_seconds: int = Field(900, validation_alias=_env("GATEWAY_TOKEN_TTL_SECONDS"))

    rate_limit_rps: float = Field(1000.0, gt=0, validation_alias=_env("GATEWAY_RATE_LIMIT_RPS"))
    rate_limit_burst: float = Field(2000.0, ge=1, validation_alias=_env("GATEWAY_RATE_LIMIT_BURST"))
    # Callers without credentials (logins, mostly) are limited per client IP, more tightly:
    # each login costs an argon2 hash.
    anonymous_rate_limit_rps: float = Field(
        50.0, gt=0, validation_alias=_env("GATEWAY_ANONYMOUS_RATE_LIMIT_RPS")
    )
    anonymous_rate_limit_burst: float = Field(
        100.0, ge=1, validation_alias=_env("GATEWAY_ANONYMOUS_RATE_LIMIT_BURST")
    )
    rate_limit_max_buckets: int = Field(
        100_000, ge=1, validation_alias=_env("GATEWAY_RATE_LIMIT_MAX_BUCKETS")
    )

    # How long an API key lookup is trusted: revocation takes effect within this many seconds.
    api_key_cache_seconds: float = Field(
        5.0, ge=0, validation_alias=_env("GATEWAY_API_KEY_CACHE_SECONDS")
    )
    api_key_token_ttl_seconds: int = Field(
        300, ge=30, validation_alias=_env("GATEWAY_API_KEY_TOKEN_TTL_SECONDS")
    )

    proxy_connect_timeout: float = Field(
        2.0, gt=0, validation_alias=_env("GATEWAY_PROXY_CONNECT_TIMEOUT")
    )
    proxy_timeout: float = Field(30.0, gt=0, validation_alias=_env("GATEWAY_PROXY_TIMEOUT"))
    proxy_max_connections: int = Field(
        512, ge=1, validation_alias=_env("GATEWAY_PROXY_MAX_CONNECTIONS")
    )
    openapi_cache_seconds: float = Field(
        30.0, ge=0, validation_alias=_env("GATEWAY_OPENAPI_CACHE_SECONDS")
    )

    def service_urls(self) -> dict[str, str]:
        """Base URL of each service, by service name."""
        return {service: getattr(self, f"{service}_url").rstrip("/") for service in SERVICE_PORTS}


@cache
def get_settings() -> GatewaySettings:
    """The process-wide settings, read once from the environment."""
    return GatewaySettings()
