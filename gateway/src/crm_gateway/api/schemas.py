"""Request and response bodies of the gateway's own routes."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from crm_gateway.domain.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from crm_gateway.domain.users import normalize_roles
from crm_shared.auth import ROLES

Roles = Annotated[
    list[str],
    AfterValidator(normalize_roles),
    Field(max_length=len(ROLES), json_schema_extra={"items": {"enum": list(ROLES)}}),
]
Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        json_schema_extra={"writeOnly": True, "format": "password"},
    ),
]
FullName = Annotated[str, Field(min_length=1, max_length=200)]


class Token(BaseModel):
    """An access token from POST /auth/token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int = Field(description="Seconds until the token expires")


class UserCreate(BaseModel):
    """A new user, created by an admin."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    full_name: FullName
    password: Password
    roles: Roles = Field(default_factory=list)
    is_active: bool = True


class UserPatch(BaseModel):
    """JSON merge patch of a user: absent fields stay, `null` is refused (none is optional)."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr | None = None
    full_name: FullName | None = None
    password: Password | None = None
    roles: Roles | None = None
    is_active: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        # In a merge patch `null` means "remove", and no user field can be removed.
        if isinstance(data, dict):
            nulls = sorted(str(k) for k, v in data.items() if v is None)
            if nulls:
                raise ValueError(f"cannot be null: {', '.join(nulls)}")
        return data


class User(BaseModel):
    """A user as the API shows it (never the password hash)."""

    id: uuid.UUID
    email: str
    full_name: str
    roles: list[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class ApiKeyCreate(BaseModel):
    """A new API key for an integration."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    roles: Annotated[Roles, Field(min_length=1)]
    rate_limit_per_second: float | None = Field(
        None, gt=0, le=1_000_000, description="Own limit (burst equal to it); default: global"
    )


class ApiKey(BaseModel):
    """An API key as listed (the key itself is only shown when created)."""

    id: uuid.UUID
    name: str
    prefix: str = Field(description="First characters of the key, to tell keys apart")
    roles: list[str]
    rate_limit_per_second: float | None
    created_by: str | None
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKey):
    """A freshly created API key, with the secret key shown this once."""

    key: str = Field(description="Send as the X-API-Key header; it cannot be shown again")
